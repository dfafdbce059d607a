// Namespace lifecycle: a namespace being deleted (phase Terminating) has every namespaced object deleted;
// once nothing is left, the `kubernetes` finalizer is removed through PUT …/finalize and the API server
// deletes the namespace. The NamespaceDeletion*/NamespaceContentRemaining/NamespaceFinalizersRemaining
// conditions tell `kubectl describe ns` what it waits for.
import { RESOURCES, type ResourceInfo } from '../../api/resources';
import { deletedObject, isNotFound, Resources, type Client, type Clock, type KubeObject, type Lister, type ResourceRef } from '../../client';
import { rfc3339, setCondition } from '../common/conditions';
import { semanticEqual } from '../common/equal';
import type { Condition } from '../common/types';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';

export interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: Condition[] };
}

/** Namespaced resources the lifecycle controller empties (stored, deletable, one version each). */
export function namespacedContent(): ResourceInfo[] {
  return RESOURCES.filter((r) => r.namespaced && !r.virtual && r.storageVersion === r.version && ['list', 'deletecollection'].every((v) => r.verbs.includes(v)));
}

const refOf = (r: ResourceInfo): ResourceRef => ({ group: r.group, version: r.version, plural: r.plural, namespaced: true });
const gr = (r: ResourceInfo): string => (r.group ? `${r.plural}.${r.group}` : r.plural);

export interface NamespaceReconcilerDeps {
  client: Client;
  nsLister: Lister<Namespace>;
  clock: Clock;
  /** How long to wait before checking again while content remains (default 1000 ms). */
  recheckMs?: number;
}

function conditions(ns: Namespace, now: number, remaining: string[], finalizers: string[], failures: string[]): Condition[] {
  const t = rfc3339(now);
  const c = (type: string, ok: boolean, reasonBad: string, reasonOk: string, msgBad: string, msgOk: string): Condition =>
    ok ? { type, status: 'False', lastTransitionTime: t, reason: reasonOk, message: msgOk } : { type, status: 'True', lastTransitionTime: t, reason: reasonBad, message: msgBad };
  let out = ns.status?.conditions ?? [];
  for (const x of [
    c('NamespaceDeletionDiscoveryFailure', true, 'DiscoveryFailed', 'ResourcesDiscovered', '', 'All resources successfully discovered'),
    c('NamespaceDeletionGroupVersionParsingFailure', true, 'GroupVersionParsingFailed', 'ParsedGroupVersions', '', 'All legacy kube types successfully parsed'),
    c('NamespaceDeletionContentFailure', failures.length === 0, 'ContentDeletionFailed', 'ContentDeleted', `Failed to delete all resource types, ${failures.length} remaining: ${failures.join(', ')}`, 'All content successfully deleted, may be waiting on finalization'),
    c('NamespaceContentRemaining', remaining.length === 0, 'SomeResourcesRemain', 'ContentRemoved', `Some resources are remaining: ${remaining.join(', ')}`, 'All content successfully removed'),
    c('NamespaceFinalizersRemaining', finalizers.length === 0, 'SomeFinalizersRemain', 'ContentHasNoFinalizers', `Some content in the namespace has finalizers remaining: ${finalizers.join(', ')}`, 'All content-preserving finalizers finished'),
  ]) {
    const cur = out.find((y) => y.type === x.type);
    if (cur && cur.status === x.status && cur.reason === x.reason && cur.message === x.message) continue;
    out = setCondition(out.filter((y) => !(y.type === x.type && y.status === x.status)), x);
  }
  return out;
}

export function createNamespaceReconciler(d: NamespaceReconcilerDeps): (req: Request) => Promise<Result> {
  const namespaces = d.client.resource<Namespace>(Resources.namespaces);
  return async function reconcile(req) {
    const ns = d.nsLister.get(undefined, req.name);
    if (!ns?.metadata?.deletionTimestamp || !(ns.spec?.finalizers ?? []).includes('kubernetes')) return {};
    const name = req.name;
    const remaining: string[] = [];
    const finalizerCounts = new Map<string, number>();
    const failures: string[] = [];
    for (const r of namespacedContent()) {
      const rc = d.client.resource(refOf(r));
      try {
        await rc.deleteCollection(name, { propagationPolicy: 'Background' });
      } catch (e) {
        if (!isNotFound(e)) failures.push(`${gr(r)}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const left = (await rc.list(name)).items;
      if (left.length) remaining.push(`${gr(r)} has ${left.length} resource instances`);
      for (const o of left) for (const f of o.metadata?.finalizers ?? []) finalizerCounts.set(f, (finalizerCounts.get(f) ?? 0) + 1);
    }
    const finalizers = [...finalizerCounts].map(([f, n]) => `${f} in ${n} resource instances`);
    const conds = conditions(ns, d.clock.now(), remaining, finalizers, failures);
    if (!semanticEqual(conds, ns.status?.conditions)) {
      try {
        await namespaces.updateStatus(undefined, { ...structuredClone(ns), status: { ...ns.status, conditions: conds } });
      } catch (e) {
        if (isNotFound(e)) return {};
        if ((e as { code?: number }).code !== 409) throw e;
      }
    }
    if (failures.length) throw new Error(`namespace ${name}: ${failures.join('; ')}`);
    if (remaining.length) return { requeueAfterMs: d.recheckMs ?? 1000 };
    // Empty: let the API server delete the namespace.
    const fresh = await namespaces.get(undefined, name).catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    if (!fresh) return {};
    const body = { ...fresh, spec: { ...fresh.spec, finalizers: (fresh.spec?.finalizers ?? []).filter((f) => f !== 'kubernetes') } };
    await d.client.request('PUT', `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, body).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
    return {};
  };
}

export const namespaceController: ControllerFactory = (ctx: ControllerContext) => {
  const inf = ctx.informers.informerFor<Namespace>(Resources.namespaces);
  const enqueue = (ns: Namespace): void => {
    if (ns.metadata?.deletionTimestamp) ctx.enqueue(ns.metadata.name ?? '');
  };
  inf.addEventHandler({ onAdd: enqueue, onUpdate: (_o, ns) => enqueue(ns), onDelete: (x) => void deletedObject(x) });
  return { name: 'namespace', workers: 5, reconcile: createNamespaceReconciler({ client: ctx.client, nsLister: inf.lister, clock: ctx.clock }) };
};
