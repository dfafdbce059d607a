// Resource-specific strategies layered on baseStrategy: pods (status on create, priority admission,
// graceful deletion), services (cluster IPs and node ports), namespaces (lifecycle), jobs (generated
// selector), events (TTL).
import type { ResourceInfo } from '../../api/resources';
import { ApiError, errors } from '../errors';
import { AllocationError, type Allocator } from './allocator';
import { isObj, meta, randomSuffix, str, type Obj } from './object';
import { baseStrategy, podGracePeriod, podQosClass, type AdmissionContext, type Strategy } from './strategy';

export interface StrategyDeps {
  allocator: Allocator;
  eventTtlSeconds: number;
}

export function strategyFor(info: ResourceInfo, deps: StrategyDeps): Strategy {
  const s = baseStrategy(info);
  const id = `${info.group}/${info.plural}`;
  switch (id) {
    case '/pods':
      s.prepareForCreate = (obj, ctx) => {
        const status: Obj = { phase: 'Pending', qosClass: podQosClass(obj) };
        obj.status = status;
        admitPriority(obj, ctx);
        admitServiceAccount(obj, ctx);
      };
      s.gracePeriod = podGracePeriod;
      s.prepareForStatusUpdate = (obj, old) => {
        // The QoS class is fixed at creation.
        if (isObj(old.status) && isObj(obj.status) && old.status.qosClass !== undefined) obj.status.qosClass = old.status.qosClass;
      };
      break;
    case '/services':
      return serviceStrategy(s, deps.allocator);
    case '/namespaces':
      s.prepareForCreate = (obj) => {
        obj.status = { phase: 'Active' };
        const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
        if (!Array.isArray((spec as Obj).finalizers)) (spec as Obj).finalizers = ['kubernetes'];
        const m = meta(obj);
        m.labels = { ...((m.labels as Record<string, string> | undefined) ?? {}), 'kubernetes.io/metadata.name': String(m.name) };
      };
      s.prepareForUpdate = (obj, old) => {
        // spec.finalizers change only through the finalize subresource.
        obj.spec = old.spec;
        const m = meta(obj);
        m.labels = { ...((m.labels as Record<string, string> | undefined) ?? {}), 'kubernetes.io/metadata.name': String(m.name) };
      };
      s.holdsDeletion = (obj) => {
        const spec = isObj(obj.spec) ? obj.spec : {};
        return Array.isArray(spec.finalizers) && spec.finalizers.length > 0;
      };
      break;
    case 'batch/jobs': {
      const base = s.prepareForCreate;
      s.prepareForCreate = (obj, ctx) => {
        void base?.(obj, ctx);
        generateJobSelector(obj);
      };
      break;
    }
    case '/events':
      s.ttlSeconds = deps.eventTtlSeconds;
      break;
    case '/persistentvolumeclaims':
      s.prepareForCreate = (obj, ctx) => {
        admitDefaultStorageClass(obj, ctx);
        addFinalizer(obj, 'kubernetes.io/pvc-protection');
      };
      break;
    case '/persistentvolumes':
      s.prepareForCreate = (obj) => addFinalizer(obj, 'kubernetes.io/pv-protection');
      break;
  }
  return s;
}

/** StorageObjectInUseProtection admission: the protection finalizer from the first write on. */
function addFinalizer(obj: Obj, finalizer: string): void {
  const m = meta(obj);
  const fs = Array.isArray(m.finalizers) ? (m.finalizers as unknown[]) : [];
  if (!fs.includes(finalizer)) m.finalizers = [...fs, finalizer];
}

const DEFAULT_CLASS_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

/**
 * DefaultStorageClass admission: a claim that names no class (the field absent, not "") gets the default
 * StorageClass; with several defaults, the newest (upstream since 1.26).
 */
function admitDefaultStorageClass(pvc: Obj, ctx: AdmissionContext): void {
  const spec = isObj(pvc.spec) ? pvc.spec : undefined;
  if (!spec || spec.storageClassName !== undefined && spec.storageClassName !== null) return;
  let best: Obj | undefined;
  for (const c of ctx.list('storage.k8s.io', 'storageclasses', '')) {
    const ann = (meta(c).annotations ?? {}) as Record<string, unknown>;
    if (!DEFAULT_CLASS_ANNOTATIONS.some((a) => ann[a] === 'true')) continue;
    const t = str(meta(c).creationTimestamp) ?? '';
    const bt = best ? str(meta(best).creationTimestamp) ?? '' : '';
    if (!best || t > bt || (t === bt && String(meta(c).name) < String(meta(best).name))) best = c;
  }
  if (best) spec.storageClassName = meta(best).name;
}

/** Priority admission: spec.priority from spec.priorityClassName, or from the global default class. */
function admitPriority(pod: Obj, ctx: AdmissionContext): void {
  const spec = isObj(pod.spec) ? pod.spec : (pod.spec = {});
  const sp = spec as Obj;
  const name = str(sp.priorityClassName);
  const podName = str(meta(pod).name) ?? '';
  let pc: Obj | undefined;
  if (name) {
    pc = ctx.lookup('scheduling.k8s.io', 'priorityclasses', '', name);
    if (!pc) throw errors.forbidden('', 'pods', podName, `no PriorityClass with name ${name} was found`);
  } else {
    pc = ctx.list('scheduling.k8s.io', 'priorityclasses', '').find((c) => c.globalDefault === true);
    if (pc) sp.priorityClassName = meta(pc).name;
  }
  const value = pc && typeof pc.value === 'number' ? pc.value : 0;
  if (sp.priority !== undefined && sp.priority !== value) {
    throw errors.forbidden('', 'pods', podName, 'the integer value of priority (' + String(sp.priority) + ') must not be provided in pod spec; priority admission controller computed ' + String(value) + ' from the given PriorityClass name');
  }
  sp.priority = value;
  // The class decides the policy too (PreemptLowerPriority when there is no class, as upstream's default).
  const policy = pc && typeof pc.preemptionPolicy === 'string' ? pc.preemptionPolicy : 'PreemptLowerPriority';
  if (sp.preemptionPolicy !== undefined && sp.preemptionPolicy !== policy) {
    throw errors.forbidden('', 'pods', podName, `the string value of PreemptionPolicy (${String(sp.preemptionPolicy)}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
  }
  sp.preemptionPolicy = policy;
}

export const SA_TOKEN_VOLUME_PREFIX = 'kube-api-access-';
export const SA_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Upstream's TokenVolumeSource: the bound token (3607 s), the cluster CA and the namespace. */
export function tokenVolumeSource(): Obj {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

/**
 * ServiceAccount admission (plugin/pkg/admission/serviceaccount) after defaulting set serviceAccountName: a pod
 * without imagePullSecrets gets its service account's; unless the pod or its service account sets
 * automountServiceAccountToken: false, every init and app container without a mount at
 * /var/run/secrets/kubernetes.io/serviceaccount gets the kube-api-access-<rand> projected volume there.
 * Unlike upstream, a pod whose service account does not exist (yet) is admitted unchanged instead of
 * refused, so servers without the service-account controller keep accepting pods.
 */
export function admitServiceAccount(pod: Obj, ctx: AdmissionContext): void {
  const m = meta(pod);
  const ann = isObj(m.annotations) ? m.annotations : {};
  if (ann['kubernetes.io/config.mirror'] !== undefined) return;
  const spec = isObj(pod.spec) ? pod.spec : {};
  const saName = str(spec.serviceAccountName) || 'default';
  const sa = ctx.lookup('', 'serviceaccounts', String(m.namespace ?? ''), saName);
  if (!sa) return;
  const podSecrets = Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : [];
  if (podSecrets.length === 0 && Array.isArray(sa.imagePullSecrets) && sa.imagePullSecrets.length > 0) {
    spec.imagePullSecrets = (sa.imagePullSecrets as Obj[]).map((r) => ({ name: r.name }));
  }
  const automount = typeof spec.automountServiceAccountToken === 'boolean' ? spec.automountServiceAccountToken : typeof sa.automountServiceAccountToken === 'boolean' ? sa.automountServiceAccountToken : true;
  if (!automount) return;
  const volumes = Array.isArray(spec.volumes) ? (spec.volumes as Obj[]) : [];
  const existing = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith(SA_TOKEN_VOLUME_PREFIX));
  const volumeName = existing ? String(existing.name) : `${SA_TOKEN_VOLUME_PREFIX}${randomSuffix()}`;
  let needed = false;
  for (const list of [spec.initContainers, spec.containers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list as Obj[]) {
      const mounts = Array.isArray(c.volumeMounts) ? (c.volumeMounts as Obj[]) : [];
      if (mounts.some((vm) => vm.mountPath === SA_TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: SA_TOKEN_MOUNT_PATH }];
      needed = true;
    }
  }
  if (!existing && needed) spec.volumes = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
}

function generateJobSelector(job: Obj): void {
  const spec = isObj(job.spec) ? job.spec : (job.spec = {});
  const sp = spec as Obj;
  if (sp.manualSelector === true) return;
  const m = meta(job);
  const uid = String(m.uid);
  const name = String(m.name);
  sp.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const tpl = isObj(sp.template) ? sp.template : (sp.template = {});
  const tm = meta(tpl as Obj);
  tm.labels = {
    ...((tm.labels as Record<string, string> | undefined) ?? {}),
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
}

// ---- services ----

interface ServiceAllocs {
  ip?: string;
  ports: number[];
}

function wantsClusterIp(spec: Obj): boolean {
  return spec.type !== 'ExternalName' && spec.clusterIP !== 'None';
}
function wantsNodePorts(spec: Obj): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

function allocsOf(svc: Obj): ServiceAllocs {
  const spec = isObj(svc.spec) ? svc.spec : {};
  const ip = typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && spec.clusterIP !== 'None' ? spec.clusterIP : undefined;
  const ports: number[] = [];
  for (const p of (spec.ports as Obj[] | undefined) ?? []) if (typeof p.nodePort === 'number' && p.nodePort > 0) ports.push(p.nodePort);
  return { ip, ports: [...new Set(ports)] };
}

function invalidService(name: string, field: string, value: unknown, message: string): ApiError {
  return errors.invalid('', 'Service', name, `Service "${name}" is invalid: ${field}: Invalid value: ${JSON.stringify(value)}: ${message}`, [
    { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${message}` },
  ]);
}

function serviceStrategy(s: Strategy, allocator: Allocator): Strategy {
  const assign = async (obj: Obj, old: Obj | undefined) => {
    const m = meta(obj);
    const name = String(m.name);
    const owner = `${String(m.namespace)}/${name}`;
    const spec = (isObj(obj.spec) ? obj.spec : (obj.spec = {})) as Obj;
    const before = old ? allocsOf(old) : { ports: [] };
    const claimed: Array<['ip', string] | ['port', number]> = [];
    try {
      if (wantsClusterIp(spec)) {
        const requested = typeof spec.clusterIP === 'string' && spec.clusterIP !== '' ? spec.clusterIP : undefined;
        if (!(requested && requested === before.ip)) {
          try {
            spec.clusterIP = await allocator.allocateIp(owner, requested);
          } catch (e) {
            if (e instanceof AllocationError) throw invalidService(name, 'spec.clusterIPs', [requested ?? ''], e.message);
            throw e;
          }
          claimed.push(['ip', String(spec.clusterIP)]);
        }
        spec.clusterIPs = [spec.clusterIP];
      } else if (spec.type === 'ExternalName') {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      } else spec.clusterIPs = ['None'];
      if (wantsNodePorts(spec)) {
        const ports = (spec.ports as Obj[] | undefined) ?? [];
        for (let i = 0; i < ports.length; i++) {
          const p = ports[i]!;
          const requested = typeof p.nodePort === 'number' && p.nodePort > 0 ? p.nodePort : undefined;
          if (requested !== undefined && before.ports.includes(requested)) continue;
          const dup = ports.slice(0, i).find((q) => q.nodePort === requested && requested !== undefined);
          if (dup) continue; // same node port for another protocol of this service
          try {
            p.nodePort = await allocator.allocateNodePort(owner, requested);
          } catch (e) {
            if (e instanceof AllocationError) throw invalidService(name, `spec.ports[${i}].nodePort`, requested ?? 0, e.message);
            throw e;
          }
          claimed.push(['port', p.nodePort as number]);
        }
      } else {
        for (const p of (spec.ports as Obj[] | undefined) ?? []) delete p.nodePort;
      }
    } catch (e) {
      for (const [k, v] of claimed) await allocator.release(k, v);
      throw e;
    }
    if (spec.type === 'LoadBalancer' && !isObj(obj.status)) obj.status = { loadBalancer: {} };
  };
  const release = async (from: Obj, keep: Obj | undefined) => {
    const a = allocsOf(from);
    const b = keep ? allocsOf(keep) : { ip: undefined, ports: [] as number[] };
    if (a.ip && a.ip !== b.ip) await allocator.release('ip', a.ip);
    for (const p of a.ports) if (!b.ports.includes(p)) await allocator.release('port', p);
  };
  return {
    ...s,
    prepareForCreate: (obj) => {
      obj.status = { loadBalancer: {} };
    },
    prepareForUpdate: (obj, old) => {
      const spec = isObj(obj.spec) ? obj.spec : {};
      const oldSpec = isObj(old.spec) ? old.spec : {};
      // clusterIP is immutable once set (except when the type changes to or from ExternalName).
      if ((spec.clusterIP === undefined || spec.clusterIP === '') && oldSpec.clusterIP && spec.type !== 'ExternalName') spec.clusterIP = oldSpec.clusterIP;
      if ((spec.clusterIPs === undefined || (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length === 0)) && oldSpec.clusterIPs && spec.type !== 'ExternalName') spec.clusterIPs = oldSpec.clusterIPs;
      if (spec.clusterIP !== oldSpec.clusterIP && oldSpec.clusterIP && spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName') {
        throw invalidService(String(meta(obj).name), 'spec.clusterIPs[0]', spec.clusterIP, 'may not change once set');
      }
      // keep previously allocated node ports for ports the user did not give one
      const oldPorts = (oldSpec.ports as Obj[] | undefined) ?? [];
      for (const p of (spec.ports as Obj[] | undefined) ?? []) {
        if (p.nodePort === undefined) {
          const prev = oldPorts.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
          if (prev?.nodePort !== undefined) p.nodePort = prev.nodePort;
        }
      }
    },
    beforeWrite: (obj, old) => assign(obj, old),
    afterWriteFailed: (obj, old) => release(obj, old),
    afterWrite: (obj, old) => release(old, obj),
    afterDelete: async (obj) => {
      const a = allocsOf(obj);
      if (a.ip) await allocator.release('ip', a.ip);
      for (const p of a.ports) await allocator.release('port', p);
    },
  };
}
