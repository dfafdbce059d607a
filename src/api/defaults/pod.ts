// Pod and PodSpec defaults: SetDefaults_Pod/PodSpec/Container/Probe/Volume/... of pkg/apis/core/v1/defaults.go,
// plus the always-on defaulting admission plugins (ServiceAccount, DefaultTolerationSeconds, Priority).

import { cmpQuantity, parseQuantity } from '../validation/quantity';
import { canonicalizePodSpecQuantities } from './quantities';
import { type Obj, eachObj, ensureObj, isObj, setDefault, setDefaultNum, setDefaultStr } from './util';

const DEFAULT_MODE = 420; // 0644

/** Tag of an image reference, '' when the reference pins a digest, 'latest' when untagged. */
function imageTag(image: string): string {
  if (image.includes('@')) {
    const beforeDigest = image.slice(0, image.indexOf('@'));
    const slash = beforeDigest.lastIndexOf('/');
    const colon = beforeDigest.lastIndexOf(':');
    return colon > slash ? beforeDigest.slice(colon + 1) : '';
  }
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

function defaultProbeHandler(h: Obj): void {
  const http = h.httpGet;
  if (isObj(http)) {
    setDefaultStr(http, 'path', '/');
    setDefaultStr(http, 'scheme', 'HTTP');
  }
  const grpc = h.grpc;
  if (isObj(grpc)) setDefault(grpc, 'service', '');
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  setDefaultNum(p, 'timeoutSeconds', 1);
  setDefaultNum(p, 'periodSeconds', 10);
  setDefaultNum(p, 'successThreshold', 1);
  setDefaultNum(p, 'failureThreshold', 3);
  defaultProbeHandler(p);
}

function defaultEnv(c: Obj): void {
  eachObj(c.env, (e) => {
    const vf = e.valueFrom;
    if (!isObj(vf)) return;
    if (isObj(vf.fieldRef)) setDefaultStr(vf.fieldRef, 'apiVersion', 'v1');
  });
}

export function defaultContainer(c: Obj): void {
  const image = typeof c.image === 'string' ? c.image : '';
  if (c.imagePullPolicy === undefined || c.imagePullPolicy === null || c.imagePullPolicy === '') {
    c.imagePullPolicy = imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
  }
  // ResourceRequirements is a non-pointer struct upstream, so every container is served with `resources: {}`.
  setDefault(c, 'resources', {});
  setDefaultStr(c, 'terminationMessagePath', '/dev/termination-log');
  setDefaultStr(c, 'terminationMessagePolicy', 'File');
  eachObj(c.ports, (p) => setDefaultStr(p, 'protocol', 'TCP'));
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  const lc = c.lifecycle;
  if (isObj(lc)) {
    if (isObj(lc.postStart)) defaultProbeHandler(lc.postStart);
    if (isObj(lc.preStop)) defaultProbeHandler(lc.preStop);
  }
  defaultEnv(c);
}

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {};
  if (isObj(v.secret)) setDefault(v.secret, 'defaultMode', DEFAULT_MODE);
  if (isObj(v.configMap)) setDefault(v.configMap, 'defaultMode', DEFAULT_MODE);
  if (isObj(v.downwardAPI)) {
    setDefault(v.downwardAPI, 'defaultMode', DEFAULT_MODE);
    eachObj(v.downwardAPI.items, (i) => {
      if (isObj(i.fieldRef)) setDefaultStr(i.fieldRef, 'apiVersion', 'v1');
    });
  }
  if (isObj(v.hostPath)) setDefault(v.hostPath, 'type', '');
  if (isObj(v.projected)) {
    setDefault(v.projected, 'defaultMode', DEFAULT_MODE);
    eachObj(v.projected.sources, (s) => {
      if (isObj(s.serviceAccountToken)) setDefault(s.serviceAccountToken, 'expirationSeconds', 3600);
      if (isObj(s.downwardAPI)) {
        eachObj(s.downwardAPI.items, (i) => {
          if (isObj(i.fieldRef)) setDefaultStr(i.fieldRef, 'apiVersion', 'v1');
        });
      }
    });
  }
  if (isObj(v.iscsi)) setDefaultStr(v.iscsi, 'iscsiInterface', 'default');
  if (isObj(v.ephemeral) && isObj(v.ephemeral.volumeClaimTemplate)) {
    const spec = v.ephemeral.volumeClaimTemplate.spec;
    if (isObj(spec)) setDefault(spec, 'volumeMode', 'Filesystem');
  }
}

function defaultHostNetworkPorts(containers: unknown): void {
  eachObj(containers, (c) => {
    eachObj(c.ports, (p) => {
      if (p.hostPort === undefined || p.hostPort === null || p.hostPort === 0) p.hostPort = p.containerPort;
    });
  });
}

/** SetDefaults_PodSpec and the per-element defaulters; used for Pods and every pod template. */
export function defaultPodSpec(spec: Obj): void {
  setDefaultStr(spec, 'dnsPolicy', 'ClusterFirst');
  setDefaultStr(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefaultStr(spec, 'schedulerName', 'default-scheduler');
  eachObj(spec.volumes, defaultVolume);
  canonicalizePodSpecQuantities(spec);
  eachObj(spec.containers, defaultContainer);
  eachObj(spec.initContainers, defaultContainer);
  eachObj(spec.ephemeralContainers, defaultContainer);
}

/** Requests default to limits for every resource that has a limit but no request (SetDefaults_Pod). */
function defaultRequestsFromLimits(c: Obj): void {
  const res = c.resources;
  if (!isObj(res) || !isObj(res.limits)) return;
  const limits = res.limits;
  if (Object.keys(limits).length === 0) return;
  const requests = ensureObj(res, 'requests');
  for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
}

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

/** DefaultTolerationSeconds admission: tolerate not-ready/unreachable NoExecute for 300s unless already tolerated. */
function defaultTolerations(spec: Obj): void {
  const tols: unknown[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const tolerates = (k: string): boolean =>
    tols.some((t) => {
      if (!isObj(t)) return false;
      const effect = typeof t.effect === 'string' ? t.effect : '';
      const key = typeof t.key === 'string' ? t.key : '';
      const effectOk = effect === '' || effect === 'NoExecute';
      const keyOk = key === k || (key === '' && t.operator === 'Exists');
      return effectOk && keyOk;
    });
  const add: Obj[] = [];
  for (const k of [NOT_READY, UNREACHABLE]) {
    if (!tolerates(k)) add.push({ key: k, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  if (add.length > 0) spec.tolerations = [...tols, ...add];
}

/** The Pod-only defaults (SetDefaults_Pod) plus admission defaults; then the PodSpec defaults. */
export function defaultPod(pod: Obj): void {
  const spec = ensureObj(pod, 'spec');
  eachObj(spec.containers, defaultRequestsFromLimits);
  eachObj(spec.initContainers, defaultRequestsFromLimits);
  setDefault(spec, 'enableServiceLinks', true);
  // Since v1.28 only Pods (not pod templates) get hostPort = containerPort under hostNetwork
  // (DefaultHostNetworkHostPortsInPodTemplates is off).
  if (spec.hostNetwork === true) {
    defaultHostNetworkPorts(spec.containers);
    defaultHostNetworkPorts(spec.initContainers);
  }
  defaultPodSpec(spec);
  // ServiceAccount admission (mirror pods keep no service account).
  const meta = isObj(pod.metadata) ? pod.metadata : {};
  const ann = isObj(meta.annotations) ? meta.annotations : {};
  const isMirror = ann['kubernetes.io/config.mirror'] !== undefined;
  if (!isMirror) {
    if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '') {
      spec.serviceAccountName = spec.serviceAccount;
    }
    setDefaultStr(spec, 'serviceAccountName', 'default');
  }
  // The v1 wire form mirrors serviceAccountName into the deprecated serviceAccount field.
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') spec.serviceAccount = spec.serviceAccountName;
  // Priority admission (in the API server) resolves a named class; only a pod without one gets priority 0 here,
  // so a user who names a class is not refused for a priority they never sent.
  if (typeof spec.priorityClassName !== 'string' || spec.priorityClassName === '') {
    setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
    setDefault(spec, 'priority', 0);
  }
  defaultTolerations(spec);
}

/** The QoS class the API server records in status.qosClass on create (pkg/apis/core/helper/qos). */
export function podQOSClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: Obj[] = [];
  eachObj(spec.containers, (c) => containers.push(c));
  eachObj(spec.initContainers, (c) => containers.push(c));
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = isObj(c.resources) ? c.resources : {};
    const req = isObj(res.requests) ? res.requests : {};
    const lim = isObj(res.limits) ? res.limits : {};
    const nonZero = (v: unknown): boolean => {
      const q = parseQuantity(v);
      return q !== undefined && q.num !== 0n;
    };
    for (const r of ['cpu', 'memory']) {
      if (nonZero(req[r]) || nonZero(lim[r])) anySet = true;
      if (!nonZero(lim[r])) guaranteed = false;
      else if (req[r] !== undefined) {
        const a = parseQuantity(req[r]);
        const b = parseQuantity(lim[r]);
        if (!a || !b || cmpQuantity(a, b) !== 0) guaranteed = false;
      }
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Defaults of a PodTemplateSpec embedded in a workload (template.spec only, no Pod-only defaults). */
export function defaultPodTemplate(tmpl: unknown): void {
  if (!isObj(tmpl)) return;
  defaultPodSpec(ensureObj(tmpl, 'spec'));
}

/** On update, keep what admission set on create when the request omits it (Priority, ServiceAccount plugins). */
export function inheritPodAdmissionFields(pod: Obj, old: Obj): void {
  const spec = pod.spec;
  const oldSpec = old.spec;
  if (!isObj(spec) || !isObj(oldSpec)) return;
  for (const f of ['priority', 'preemptionPolicy', 'serviceAccountName', 'serviceAccount']) {
    if ((spec[f] === undefined || spec[f] === null || spec[f] === '') && oldSpec[f] !== undefined) spec[f] = oldSpec[f];
  }
}
