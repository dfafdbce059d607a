// PodGC: periodically force-deletes pods nobody else will finish (upstream pkg/controller/podgc):
//   - terminated pods (Succeeded/Failed) beyond `terminatedPodThreshold`, oldest first;
//   - orphans: pods bound to a node that has been missing for the quarantine period (checked through the API);
//   - unscheduled pods that are terminating (no kubelet will ever confirm them);
//   - terminating pods on a node tainted node.kubernetes.io/out-of-service that is not Ready.
// Orphans and out-of-service pods are first marked Failed with a DisruptionTarget condition, as upstream.
import { isNotFound, Resources, type Client, type Clock, type Lister } from '../../client';
import { rfc3339 } from '../common/conditions';
import type { Pod } from '../common/types';
import type { Node } from '../nodelifecycle/nodelifecycle';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';

export interface PodGCOptions {
  /** Terminated pods kept before the oldest are deleted (default 12500; 0 disables). */
  terminatedPodThreshold?: number;
  /** How often the collector runs (default 20 s). */
  periodMs?: number;
  /** How long a node must be missing before its pods are orphans (default 40 s). */
  quarantineMs?: number;
}

export interface PodGCDeps extends PodGCOptions {
  client: Client;
  pods: Lister<Pod>;
  nodes: Lister<Node>;
  clock: Clock;
}

export const PODGC_KEY = 'podgc';
const terminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Pure: terminated pods to delete, oldest first, beyond the threshold. */
export function excessTerminated(pods: readonly Pod[], threshold: number): Pod[] {
  if (threshold <= 0) return [];
  const done = pods.filter((p) => terminal(p) && !p.metadata.deletionTimestamp);
  if (done.length <= threshold) return [];
  const t = (p: Pod): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return done.sort((a, b) => t(a) - t(b)).slice(0, done.length - threshold);
}

export function createPodGCReconciler(d: PodGCDeps): (req: Request) => Promise<Result> {
  const podsApi = d.client.resource<Pod>(Resources.pods);
  const nodesApi = d.client.resource<Node>(Resources.nodes);
  const missingSince = new Map<string, number>();
  const ignore = (e: unknown): void => {
    if (!isNotFound(e)) throw e;
  };
  const forceDelete = (p: Pod): Promise<void> =>
    podsApi.delete(p.metadata.namespace, p.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } }).then(() => undefined, ignore);
  const markFailed = async (p: Pod, message: string): Promise<void> => {
    if (terminal(p)) return;
    const now = rfc3339(d.clock.now());
    const conditions = [...(p.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), { type: 'DisruptionTarget', status: 'True' as const, reason: 'DeletionByPodGC', message, lastTransitionTime: now }];
    await podsApi.patch(p.metadata.namespace, p.metadata.name ?? '', 'merge', { status: { phase: 'Failed', conditions } }, { subresource: 'status' }).catch(ignore);
  };

  return async function reconcile() {
    const now = d.clock.now();
    const pods = d.pods.list();
    for (const p of excessTerminated(pods, d.terminatedPodThreshold ?? 12_500)) await forceDelete(p);

    const nodeNames = new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n));
    for (const name of nodeNames) {
      if (d.nodes.get(undefined, name)) {
        missingSince.delete(name);
        continue;
      }
      const since = missingSince.get(name) ?? now;
      missingSince.set(name, since);
      if (now - since < (d.quarantineMs ?? 40_000)) continue;
      const exists = await nodesApi.get(undefined, name).then(() => true, (e: unknown) => {
        if (isNotFound(e)) return false;
        throw e;
      });
      if (exists) continue;
      for (const p of pods.filter((x) => x.spec?.nodeName === name)) {
        await markFailed(p, 'PodGC: node no longer exists');
        await forceDelete(p);
      }
    }
    for (const name of [...missingSince.keys()]) if (!nodeNames.has(name)) missingSince.delete(name);

    for (const p of pods) {
      if (!p.metadata.deletionTimestamp) continue;
      if (!p.spec?.nodeName) {
        await forceDelete(p);
        continue;
      }
      const node = d.nodes.get(undefined, p.spec.nodeName);
      const outOfService = node?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/out-of-service' && t.effect === 'NoExecute');
      const ready = node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      if (outOfService && !ready) {
        await markFailed(p, 'PodGC: node is out of service');
        await forceDelete(p);
      }
    }
    return { requeueAfterMs: d.periodMs ?? 20_000 };
  };
}

export function podGCControllerWith(opts: PodGCOptions = {}): ControllerFactory {
  return (ctx: ControllerContext) => {
    const pods = ctx.informers.informerFor<Pod>(Resources.pods);
    const nodes = ctx.informers.informerFor<Node>(Resources.nodes);
    ctx.enqueue(PODGC_KEY);
    return { name: 'podgc', workers: 1, reconcile: createPodGCReconciler({ ...opts, client: ctx.client, pods: pods.lister, nodes: nodes.lister, clock: ctx.clock }) };
  };
}

export const podGCController = podGCControllerWith();
