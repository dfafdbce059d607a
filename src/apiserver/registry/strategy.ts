// Per-resource behaviour of the generic registry, in the spirit of Kubernetes' RESTCreateStrategy /
// RESTUpdateStrategy / RESTGracefulDeleteStrategy: what create and update reset, when generation moves,
// which resources keep status behind a subresource, graceful deletion, TTLs.
import type { ResourceInfo } from '../../api/resources';
import { deepEqual, isObj, meta, type Obj } from './object';

export interface AdmissionContext {
  /** Reads an object of another resource from the watch cache (undefined when absent). */
  lookup(group: string, plural: string, namespace: string, name: string): Obj | undefined;
  /** Lists objects of another resource from the watch cache. */
  list(group: string, plural: string, namespace: string): Obj[];
  now(): number;
}

export interface Strategy {
  /** Main-resource writes keep the stored status; status writes keep everything but status. */
  hasStatus: boolean;
  /** metadata.generation is 1 on create and moves when the spec changes. */
  generation: boolean;
  /** PUT of a missing object creates it. */
  allowCreateOnUpdate: boolean;
  /** Called after defaulting, before validation. May throw ApiError (admission). */
  prepareForCreate?(obj: Obj, ctx: AdmissionContext): void | Promise<void>;
  /** Called for main-resource updates after the generic resets. */
  prepareForUpdate?(obj: Obj, old: Obj, ctx: AdmissionContext): void | Promise<void>;
  /** Called for status-subresource updates after the generic resets. */
  prepareForStatusUpdate?(obj: Obj, old: Obj): void;
  /** Seconds of graceful deletion for this object (0 = delete now); only pods have it. */
  gracePeriod?(obj: Obj, requested: number | undefined): number;
  /** Keys expire after this many seconds (events). */
  ttlSeconds?: number;
  /** Claims resources (cluster IPs, node ports) once the object is valid, right before it is written. */
  beforeWrite?(obj: Obj, old: Obj | undefined): Promise<void>;
  /** The write failed after beforeWrite: release what it claimed that `old` does not hold. */
  afterWriteFailed?(obj: Obj, old: Obj | undefined): Promise<void>;
  /** The write succeeded: release what `old` held that `obj` no longer does. */
  afterWrite?(obj: Obj, old: Obj): Promise<void>;
  /** Released resources (cluster IPs, node ports) after the object is gone. */
  afterDelete?(obj: Obj): Promise<void>;
  /** True while something other than metadata.finalizers holds the deletion (namespaces' spec.finalizers). */
  holdsDeletion?(obj: Obj): boolean;
  /** Does a change between old and new count as a spec change (moves generation)? */
  specChanged?(obj: Obj, old: Obj): boolean;
}

const GENERATION = new Set([
  'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', '/replicationcontrollers',
  'batch/jobs', 'batch/cronjobs', 'autoscaling/horizontalpodautoscalers', 'policy/poddisruptionbudgets',
  'networking.k8s.io/ingresses', 'networking.k8s.io/networkpolicies', 'networking.k8s.io/ingressclasses',
  'apiregistration.k8s.io/apiservices', 'flowcontrol.apiserver.k8s.io/flowschemas',
]);

const CREATE_ON_UPDATE = new Set([
  '/endpoints', '/events', 'events.k8s.io/events', 'coordination.k8s.io/leases', '/limitranges', '/serviceaccounts',
  'rbac.authorization.k8s.io/roles', 'rbac.authorization.k8s.io/clusterroles', 'rbac.authorization.k8s.io/rolebindings',
  'rbac.authorization.k8s.io/clusterrolebindings',
]);

/** Status fields a create must not set, per resource (Kubernetes resets status on create for these). */
const RESET_STATUS_ON_CREATE = new Set([
  'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', '/replicationcontrollers',
  'batch/jobs', 'batch/cronjobs', 'autoscaling/horizontalpodautoscalers', 'policy/poddisruptionbudgets',
  '/services', 'networking.k8s.io/ingresses', '/resourcequotas',
]);

function specOf(o: Obj): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

export function baseStrategy(info: ResourceInfo): Strategy {
  const id = `${info.group}/${info.plural}`;
  const hasStatus = info.subresources.some((s) => s.name === 'status');
  const s: Strategy = {
    hasStatus,
    generation: GENERATION.has(id),
    allowCreateOnUpdate: CREATE_ON_UPDATE.has(id),
    specChanged: (obj, old) => !deepEqual(specOf(obj), specOf(old)),
  };
  if (RESET_STATUS_ON_CREATE.has(id)) {
    s.prepareForCreate = (obj) => {
      obj.status = {};
    };
  }
  if (id === 'apps/deployments') {
    // Deployments also move generation on annotation changes (the rollback annotation of extensions/v1beta1).
    s.specChanged = (obj, old) => !deepEqual(specOf(obj), specOf(old)) || !deepEqual(meta(obj).annotations, meta(old).annotations);
  }
  return s;
}

/** Pods: Pending status and QoS class on create; graceful deletion once bound to a node. */
export function podGracePeriod(obj: Obj, requested: number | undefined): number {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const status = isObj(obj.status) ? obj.status : {};
  if (!spec.nodeName) return 0; // never scheduled: nothing runs, delete now
  if (status.phase === 'Failed' || status.phase === 'Succeeded') return 0;
  if (requested !== undefined) return Math.max(0, requested);
  const g = spec.terminationGracePeriodSeconds;
  return typeof g === 'number' && g >= 0 ? g : 30;
}

/** QoS class per Kubernetes' GetPodQOS: Guaranteed, Burstable or BestEffort. */
export function podQosClass(pod: Obj): string {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const containers = [...((spec.initContainers as Obj[] | undefined) ?? []), ...((spec.containers as Obj[] | undefined) ?? [])];
  let anyRequestOrLimit = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = isObj(c.resources) ? c.resources : {};
    const req = isObj(res.requests) ? res.requests : {};
    const lim = isObj(res.limits) ? res.limits : {};
    for (const r of ['cpu', 'memory']) {
      const rq = req[r];
      const lm = lim[r];
      if (rq !== undefined || lm !== undefined) anyRequestOrLimit = true;
      if (lm === undefined) guaranteed = false;
      else if (rq !== undefined && String(rq) !== String(lm)) guaranteed = false;
    }
  }
  if (!anyRequestOrLimit) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
