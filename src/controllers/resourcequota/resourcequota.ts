// ResourceQuota controller: status.hard mirrors spec.hard and status.used reports current usage in the
// namespace for every resource named in hard — object counts (pods, services, configmaps, secrets,
// persistentvolumeclaims, replicationcontrollers, resourcequotas, services.loadbalancers, services.nodeports,
// count/<resource>[.<group>]) and compute/storage sums (requests.*, limits.*, cpu, memory, requests.storage) —
// honouring the Terminating/NotTerminating/BestEffort/NotBestEffort scopes for pods. Pod changes requeue at
// once; other counts are refreshed every `resyncMs`. (berth has no quota admission yet: this is reporting.)
import { RESOURCES } from '../../api/resources';
import { formatQuantity, parseQuantity, type Quantity } from '../../api/validation/quantity';
import { deletedObject, Resources, type Client, type KubeObject, type Lister, type ResourceRef } from '../../client';
import { semanticEqual } from '../common/equal';
import type { Pod } from '../common/types';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';

export interface ResourceQuota extends KubeObject {
  spec?: { hard?: Record<string, string>; scopes?: string[] };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

type Resources_ = Record<string, string | number>;
interface ContainerRes { resources?: { requests?: Resources_; limits?: Resources_ } }

const ZERO: Quantity = { num: 0n, den: 1n, format: 'DecimalSI' };
export function addQuantity(a: Quantity, b: Quantity): Quantity {
  return { num: a.num * b.den + b.num * a.den, den: a.den * b.den, format: a.num === 0n ? b.format : a.format };
}
const maxQuantity = (a: Quantity, b: Quantity): Quantity => (a.num * b.den >= b.num * a.den ? a : b);

const terminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const containers = (p: Pod): ContainerRes[] => (p.spec?.containers ?? []) as ContainerRes[];
const bestEffort = (p: Pod): boolean => containers(p).every((c) => !Object.keys(c.resources?.requests ?? {}).length && !Object.keys(c.resources?.limits ?? {}).length);

/** Whether a pod falls under the quota's scopes. */
export function podInScopes(p: Pod, scopes: readonly string[] | undefined): boolean {
  for (const s of scopes ?? []) {
    const terminating = (p.spec as { activeDeadlineSeconds?: number } | undefined)?.activeDeadlineSeconds !== undefined;
    if (s === 'Terminating' && !terminating) return false;
    if (s === 'NotTerminating' && terminating) return false;
    if (s === 'BestEffort' && !bestEffort(p)) return false;
    if (s === 'NotBestEffort' && bestEffort(p)) return false;
  }
  return true;
}

/** A pod's effective request or limit of one resource: max(sum of containers, largest init container). */
export function podResource(p: Pod, kind: 'requests' | 'limits', name: string): Quantity {
  let sum = ZERO;
  for (const c of containers(p)) {
    const q = parseQuantity(c.resources?.[kind]?.[name] ?? (kind === 'requests' ? c.resources?.limits?.[name] : undefined));
    if (q) sum = addQuantity(sum, q);
  }
  for (const c of (p.spec?.initContainers ?? []) as ContainerRes[]) {
    const q = parseQuantity(c.resources?.[kind]?.[name] ?? (kind === 'requests' ? c.resources?.limits?.[name] : undefined));
    if (q) sum = maxQuantity(sum, q);
  }
  return sum;
}

/** Pure: usage of the pod-derived resources named in `hard`. */
export function podUsage(pods: readonly Pod[], hard: Record<string, string>, scopes?: string[]): Record<string, string> {
  const live = pods.filter((p) => !terminal(p) && podInScopes(p, scopes));
  const used: Record<string, string> = {};
  for (const key of Object.keys(hard)) {
    if (key === 'pods' || key === 'count/pods') used[key] = String(live.length);
    const m = /^(requests|limits)\.(.+)$/.exec(key) ?? (['cpu', 'memory', 'ephemeral-storage'].includes(key) ? [key, 'requests', key] : null);
    if (m && m[2] !== 'storage') used[key] = formatQuantity(live.reduce((a, p) => addQuantity(a, podResource(p, m[1] as 'requests' | 'limits', m[2]!)), ZERO));
  }
  return used;
}

const COUNTED: Record<string, string> = {
  services: 'services', configmaps: 'configmaps', secrets: 'secrets', persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers', resourcequotas: 'resourcequotas',
};

function refFor(key: string): ResourceRef | undefined {
  const plural = COUNTED[key] ?? (key.startsWith('count/') ? key.slice(6) : undefined);
  if (!plural || plural === 'pods') return undefined;
  const dot = plural.indexOf('.');
  const [p, g] = dot < 0 ? [plural, ''] : [plural.slice(0, dot), plural.slice(dot + 1)];
  const r = RESOURCES.find((x) => !x.virtual && x.namespaced && x.plural === p && x.group === g && x.storageVersion === x.version);
  return r && { group: r.group, version: r.version, plural: r.plural, namespaced: true };
}

export interface ResourceQuotaDeps {
  client: Client;
  quotas: Lister<ResourceQuota>;
  pods: Lister<Pod>;
  resyncMs?: number;
}

export function createResourceQuotaReconciler(d: ResourceQuotaDeps): (req: Request) => Promise<Result> {
  const api = d.client.resource<ResourceQuota>(Resources.resourcequotas);
  return async function reconcile(req) {
    const q = d.quotas.get(req.namespace, req.name);
    if (!q) return {};
    const hard = q.spec?.hard ?? {};
    const used = podUsage(d.pods.list(req.namespace), hard, q.spec?.scopes);
    const lists = new Map<string, KubeObject[]>();
    const items = async (ref: ResourceRef): Promise<KubeObject[]> => {
      const k = `${ref.group}/${ref.plural}`;
      if (!lists.has(k)) lists.set(k, (await d.client.resource(ref).listAll(req.namespace)).items);
      return lists.get(k)!;
    };
    for (const key of Object.keys(hard)) {
      const ref = refFor(key);
      if (ref) used[key] = String((await items(ref)).length);
      if (key === 'services.loadbalancers' || key === 'services.nodeports') {
        const svcs = (await items(Resources.services)) as Array<KubeObject & { spec?: { type?: string; ports?: Array<{ nodePort?: number }> } }>;
        used[key] = String(key === 'services.loadbalancers'
          ? svcs.filter((s) => s.spec?.type === 'LoadBalancer').length
          : svcs.filter((s) => s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer').reduce((n, s) => n + (s.spec?.ports ?? []).filter((p) => p.nodePort).length, 0));
      }
      if (key === 'requests.storage') {
        const pvcs = (await items(Resources.persistentvolumeclaims)) as Array<KubeObject & { spec?: { resources?: { requests?: Resources_ } } }>;
        used[key] = formatQuantity(pvcs.reduce((a, c) => addQuantity(a, parseQuantity(c.spec?.resources?.requests?.storage) ?? ZERO), ZERO));
      }
      used[key] ??= '0';
    }
    const status = { hard: { ...hard }, used };
    if (!semanticEqual(status, q.status)) await api.updateStatus(req.namespace, { ...structuredClone(q), status });
    return { requeueAfterMs: d.resyncMs ?? 15_000 };
  };
}

export const resourceQuotaController: ControllerFactory = (ctx: ControllerContext) => {
  const qInf = ctx.informers.informerFor<ResourceQuota>(Resources.resourcequotas);
  const podInf = ctx.informers.informerFor<Pod>(Resources.pods);
  const key = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  qInf.addEventHandler({ onAdd: (x) => ctx.enqueue(key(x)), onUpdate: (o, x) => { if (!semanticEqual(o.spec, x.spec)) ctx.enqueue(key(x)); } });
  const onPod = (p: Pod): void => {
    for (const q of qInf.lister.list(p.metadata.namespace)) ctx.enqueue(key(q));
  };
  podInf.addEventHandler({ onAdd: onPod, onUpdate: (o, p) => { if (o.status?.phase !== p.status?.phase || !!o.metadata.deletionTimestamp !== !!p.metadata.deletionTimestamp) onPod(p); }, onDelete: (x) => onPod(deletedObject(x)) });
  return { name: 'resourcequota', workers: 2, reconcile: createResourceQuotaReconciler({ client: ctx.client, quotas: qInf.lister, pods: podInf.lister }) };
};
