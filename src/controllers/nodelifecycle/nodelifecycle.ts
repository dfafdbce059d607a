// Node lifecycle: a node whose kubelet stopped renewing its Lease (and posting status) for the grace period
// (40 s) gets its conditions set to Unknown and the unreachable taints; a node reporting Ready=False gets the
// not-ready taints; a Ready node loses them. Pods on a node with NoExecute taints are deleted once their
// tolerations run out (DefaultTolerationSeconds gives 300 s), at most `evictionQPS` per second.
//
//   reconcile(node) ─► heartbeat = max(Lease renewTime, Ready.lastHeartbeatTime, creation)
//                  ─► stale? conditions Unknown ─► taints from Ready ─► evict due pods ─► requeue (monitor period)
import { deletedObject, isNotFound, Resources, TokenBucket, type Client, type Clock, type EventRecorder, type KubeObject, type Lister } from '../../client';
import { rfc3339 } from '../common/conditions';
import { semanticEqual } from '../common/equal';
import type { Condition, Pod } from '../common/types';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';
import { evictionTime, NOT_READY, UNREACHABLE, type Taint, type Toleration } from './taints';

export interface Node extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean };
  status?: { conditions?: Condition[] };
}

export interface Lease extends KubeObject {
  spec?: { renewTime?: string };
}

export const NODE_INDEX = 'spec.nodeName';
export const podNodeIndex = (p: Pod): string[] => (p.spec?.nodeName ? [p.spec.nodeName] : []);

export interface NodeLifecycleOptions {
  gracePeriodMs?: number;
  monitorPeriodMs?: number;
  evictionQPS?: number;
}

export interface NodeLifecycleDeps extends NodeLifecycleOptions {
  client: Client;
  nodes: Lister<Node>;
  leases: Lister<Lease>;
  pods: Lister<Pod>;
  recorder: EventRecorder;
  clock: Clock;
}

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure'];
const tolerationsOf = (p: Pod): Toleration[] | undefined => (p.spec as { tolerations?: Toleration[] } | undefined)?.tolerations;

/** Pure: the conditions of a node whose kubelet went silent (upstream tryUpdateNodeHealth). */
export function unknownConditions(conds: readonly Condition[] | undefined, now: number): Condition[] {
  const t = rfc3339(now);
  const out = (conds ?? []).map((c) => ({ ...c }));
  for (const type of ['Ready', ...PRESSURE]) {
    const c = out.find((x) => x.type === type);
    if (!c) {
      out.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: t, lastTransitionTime: t } as Condition);
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: t });
    }
  }
  return out;
}

/** Pure: the node's taints with the lifecycle taints matching its Ready status (others kept, timeAdded kept). */
export function desiredTaints(taints: readonly Taint[] | undefined, ready: string | undefined, now: number): Taint[] {
  const want: Array<Pick<Taint, 'key' | 'effect'>> = [];
  if (ready === 'Unknown') want.push({ key: UNREACHABLE, effect: 'NoExecute' }, { key: UNREACHABLE, effect: 'NoSchedule' });
  else if (ready === 'False') want.push({ key: NOT_READY, effect: 'NoExecute' }, { key: NOT_READY, effect: 'NoSchedule' });
  const ours = (t: Pick<Taint, 'key'>): boolean => t.key === UNREACHABLE || t.key === NOT_READY;
  const out = (taints ?? []).filter((t) => !ours(t) || want.some((w) => w.key === t.key && w.effect === t.effect));
  for (const w of want) {
    if (!out.some((t) => t.key === w.key && t.effect === w.effect)) out.push({ ...w, ...(w.effect === 'NoExecute' ? { timeAdded: rfc3339(now) } : {}) });
  }
  return out;
}

export function createNodeLifecycleReconciler(d: NodeLifecycleDeps): (req: Request, signal?: AbortSignal) => Promise<Result> {
  const grace = d.gracePeriodMs ?? 40_000;
  const monitor = d.monitorPeriodMs ?? 5_000;
  const bucket = new TokenBucket(d.evictionQPS ?? 10, Math.max(1, Math.ceil(d.evictionQPS ?? 10)), d.clock);
  const nodesApi = d.client.resource<Node>(Resources.nodes);
  const podsApi = d.client.resource<Pod>(Resources.pods);

  return async function reconcile(req, signal) {
    let node = d.nodes.get(undefined, req.name);
    if (!node) return {};
    const now = d.clock.now();
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const lease = d.leases.get('kube-node-lease', req.name);
    const beats = [lease?.spec?.renewTime, (ready as { lastHeartbeatTime?: string } | undefined)?.lastHeartbeatTime, node.metadata?.creationTimestamp]
      .map((t) => (t ? Date.parse(t) : NaN)).filter((t) => !Number.isNaN(t));
    const heartbeat = beats.length ? Math.max(...beats) : now;
    let readyStatus = ready?.status;
    if (now - heartbeat > grace) {
      const conds = unknownConditions(node.status?.conditions, now);
      if (!semanticEqual(conds, node.status?.conditions)) {
        node = await nodesApi.updateStatus(undefined, { ...structuredClone(node), status: { ...node.status, conditions: conds } });
        d.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${req.name} status is now: NodeNotReady`);
      }
      readyStatus = 'Unknown';
    }
    const taints = desiredTaints(node.spec?.taints, readyStatus, now);
    if (!semanticEqual(taints, node.spec?.taints ?? [])) {
      node = await nodesApi.patch(undefined, req.name, 'merge', { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints: taints.length ? taints : null } });
    }
    // Taint-based eviction.
    let next = now + monitor;
    const noExecute = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (noExecute.length) {
      for (const pod of d.pods.byIndex(NODE_INDEX, req.name)) {
        if (pod.metadata.deletionTimestamp) continue;
        const at = evictionTime(tolerationsOf(pod), noExecute, now);
        if (at > now) {
          next = Math.min(next, at);
          continue;
        }
        await bucket.wait(signal);
        if (signal?.aborted) break;
        try {
          await podsApi.delete(pod.metadata.namespace, pod.metadata.name ?? '', { preconditions: { uid: pod.metadata.uid } });
          d.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
    }
    return { requeueAfterMs: Math.max(100, next - now) };
  };
}

export function nodeLifecycleControllerWith(opts: NodeLifecycleOptions = {}): ControllerFactory {
  return (ctx: ControllerContext) => {
    const nodeInf = ctx.informers.informerFor<Node>(Resources.nodes);
    const leaseInf = ctx.informers.informerFor<Lease>(Resources.leases, { namespace: 'kube-node-lease' });
    const podInf = ctx.informers.informerFor<Pod>(Resources.pods, {}, { [NODE_INDEX]: podNodeIndex });
    nodeInf.addEventHandler({ onAdd: (n) => ctx.enqueue(n.metadata?.name ?? ''), onUpdate: (_o, n) => ctx.enqueue(n.metadata?.name ?? '') });
    const onPod = (p: Pod): void => {
      if (p.spec?.nodeName && nodeInf.lister.get(undefined, p.spec.nodeName)?.spec?.taints?.some((t) => t.effect === 'NoExecute')) ctx.enqueue(p.spec.nodeName);
    };
    podInf.addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p), onDelete: (x) => void deletedObject(x) });
    return {
      name: 'nodelifecycle',
      workers: 2,
      reconcile: createNodeLifecycleReconciler({ ...opts, client: ctx.client, nodes: nodeInf.lister, leases: leaseInf.lister, pods: podInf.lister, recorder: ctx.recorder, clock: ctx.clock }),
    };
  };
}

export const nodeLifecycleController = nodeLifecycleControllerWith();
