// Node lifecycle (upstream pkg/controller/nodelifecycle + the taint-eviction controller). A node whose
// kubelet stopped renewing its Lease (and posting status) for the grace period (40 s) gets its conditions set
// to Unknown. Its NoSchedule taint (unreachable / not-ready) follows Ready at once; its NoExecute taint goes
// through a per-zone rate-limited queue whose rate the zone's disruption state sets (see zones.ts): a
// partition looks like mass failure, so the controller slows down, or stops, when much of a zone is down.
// Pods on a node with NoExecute taints are deleted once their tolerations run out (DefaultTolerationSeconds
// gives 300 s); a node that is Ready again loses the taints at once and keeps the pods not yet evicted.
//
//   monitor pass (every 5 s)   nodes ─► observed Ready per zone ─► planDisruption ─► zone limiters
//                                     └► unhealthy, untainted nodes ─► zone queue.add
//   taint pass (every 100 ms)  zone queue.tryDrain (token bucket, burst 1) ─► approved ─► enqueue(node)
//   reconcile(node)            heartbeat stale? conditions Unknown (NodeNotReady) ─► taints (NoSchedule now,
//                              NoExecute if approved / already ours) ─► evict pods whose tolerations ran out
//
// Reconcile stays level-based: it reads the node, its Lease and the controller's approvals; the passes only
// move nodes through the queues and enqueue them.
import { deletedObject, isNotFound, Resources, TokenBucket, type Client, type Clock, type EventRecorder, type Lister } from '../../client';
import { semanticEqual } from '../common/equal';
import type { Pod } from '../common/types';
import type { ControllerContext, ControllerFactory, Log, Request, Result } from '../runner/types';
import { desiredTaints, EXCLUDE_DISRUPTION_LABEL, hasLifecycleNoExecute, lifecycleTaintKey, observeNode, unknownConditions, type Lease, type Node } from './node-health';
import { RateLimitedQueue } from './rate-limited-queue';
import { evictionTime, type Toleration } from './taints';
import { DEFAULT_ZONE_RATES, planDisruption, zoneKey, type ZoneRateOptions, type ZoneState } from './zones';

export { desiredTaints, unknownConditions, type Lease, type Node } from './node-health';

export const NODE_INDEX = 'spec.nodeName';
export const podNodeIndex = (p: Pod): string[] => (p.spec?.nodeName ? [p.spec.nodeName] : []);

export interface NodeLifecycleOptions extends Partial<ZoneRateOptions> {
  /** A node without heartbeat for this long is Unknown (upstream --node-monitor-grace-period, 40 s). */
  gracePeriodMs?: number;
  /** Zone states are recomputed, and each node re-examined, this often (upstream --node-monitor-period, 5 s). */
  monitorPeriodMs?: number;
  /** Zone queues are offered to their limiters this often (upstream nodeEvictionPeriod, 100 ms). */
  taintPeriodMs?: number;
  /** Safety cap on pod deletions per second across nodes (default 100; upstream has none). */
  evictionQPS?: number;
}

export interface NodeLifecycleDeps extends NodeLifecycleOptions {
  client: Client;
  nodes: Lister<Node>;
  leases: Lister<Lease>;
  pods: Lister<Pod>;
  recorder: EventRecorder;
  clock: Clock;
  log?: Log;
}

/** The controller's moving parts; the factory runs the passes on timers, tests call them directly. */
export interface NodeLifecycle {
  reconcile(req: Request, signal?: AbortSignal): Promise<Result>;
  /** Zone states, zone rates, queue adds and removals. Returns the nodes to reconcile now. */
  monitorPass(): string[];
  /** Lets queued nodes through their zone's limiter. Returns the nodes to reconcile now (to get the taint). */
  taintPass(): string[];
  /** Zone key → state as of the last monitor pass. */
  zoneStates(): ReadonlyMap<string, ZoneState>;
  /** Zone key → current NoExecute tainting rate (nodes/s). */
  zoneRates(): ReadonlyMap<string, number>;
}

const tolerationsOf = (p: Pod): Toleration[] | undefined => (p.spec as { tolerations?: Toleration[] } | undefined)?.tolerations;
const LEASE_NS = 'kube-node-lease';

export function createNodeLifecycleReconciler(d: NodeLifecycleDeps): NodeLifecycle {
  const grace = d.gracePeriodMs ?? 40_000;
  const monitor = d.monitorPeriodMs ?? 5_000;
  const rates: ZoneRateOptions = {
    evictionLimiterQPS: d.evictionLimiterQPS ?? DEFAULT_ZONE_RATES.evictionLimiterQPS,
    secondaryEvictionLimiterQPS: d.secondaryEvictionLimiterQPS ?? DEFAULT_ZONE_RATES.secondaryEvictionLimiterQPS,
    largeClusterSizeThreshold: d.largeClusterSizeThreshold ?? DEFAULT_ZONE_RATES.largeClusterSizeThreshold,
    unhealthyZoneThreshold: d.unhealthyZoneThreshold ?? DEFAULT_ZONE_RATES.unhealthyZoneThreshold,
  };
  const podQPS = d.evictionQPS ?? 100;
  const bucket = new TokenBucket(podQPS, Math.max(1, Math.ceil(podQPS)), d.clock);
  const nodesApi = d.client.resource<Node>(Resources.nodes);
  const podsApi = d.client.resource<Pod>(Resources.pods);
  const log = d.log ?? ((): void => undefined);

  let zoneStates = new Map<string, ZoneState>();
  const tainters = new Map<string, RateLimitedQueue>();
  /** Nodes whose zone limiter let them through: they may carry the NoExecute taint until Ready again. */
  const approved = new Set<string>();
  /** Every zone fully disrupted: no NoExecute taints at all. */
  let masterDisruption = false;
  /** Heartbeats count from at least here (set when leaving master disruption: a fresh grace period for all). */
  let heartbeatFloor = 0;

  const tainter = (zone: string): RateLimitedQueue => {
    let q = tainters.get(zone);
    if (!q) {
      q = new RateLimitedQueue(masterDisruption ? 0 : rates.evictionLimiterQPS, d.clock);
      tainters.set(zone, q);
    }
    return q;
  };
  const forget = (name: string): void => {
    approved.delete(name);
    for (const q of tainters.values()) q.remove(name);
  };
  const observe = (node: Node, now: number) => observeNode(node, d.leases.get(LEASE_NS, node.metadata?.name ?? ''), now, grace, heartbeatFloor);

  function monitorPass(): string[] {
    const now = d.clock.now();
    const wake = new Set<string>();
    const zones = new Map<string, Array<string | undefined>>();
    const names = new Set<string>();
    for (const node of d.nodes.list()) {
      const name = node.metadata?.name ?? '';
      names.add(name);
      const { ready } = observe(node, now);
      if (ready === undefined) continue; // never reported and still within grace: not counted (upstream)
      const zone = zoneKey(node.metadata?.labels);
      if (node.metadata?.labels?.[EXCLUDE_DISRUPTION_LABEL] === undefined) {
        const list = zones.get(zone) ?? [];
        list.push(ready);
        zones.set(zone, list);
      }
      const key = lifecycleTaintKey(ready);
      const taints = node.spec?.taints ?? [];
      if (!key) {
        forget(name);
        if (hasLifecycleNoExecute(taints)) wake.add(name);
      } else if (hasLifecycleNoExecute(taints)) {
        // Already ours: the reconcile swaps unreachable ↔ not-ready at once (upstream swapNodeControllerTaint).
        if (!taints.some((t) => t.effect === 'NoExecute' && t.key === key)) wake.add(name);
      } else if (!approved.has(name)) {
        tainter(zone).add(name);
      }
    }
    for (const name of approved) if (!names.has(name)) forget(name);
    for (const q of tainters.values()) for (const name of q.pending()) if (!names.has(name)) q.remove(name);

    const plan = planDisruption(zoneStates, zones, rates);
    zoneStates = plan.states;
    for (const [zone, q] of tainters) if (!zones.has(zone) && q.pending().length === 0) tainters.delete(zone);
    for (const [zone, qps] of plan.qps) tainter(zone).swapLimiter(qps);
    for (const m of plan.changes) log('info', `nodelifecycle: ${m}`);
    if (plan.markAllReachable) {
      // Upstream markNodeAsReachable on every node: the NoExecute taints go, the queues start over.
      masterDisruption = true;
      for (const node of d.nodes.list()) {
        const name = node.metadata?.name ?? '';
        forget(name);
        if (hasLifecycleNoExecute(node.spec?.taints)) wake.add(name);
      }
    }
    if (plan.exitedAllDisrupted) {
      masterDisruption = false;
      heartbeatFloor = now;
    }
    return [...wake];
  }

  function taintPass(): string[] {
    const now = d.clock.now();
    const wake: string[] = [];
    for (const q of tainters.values()) {
      q.tryDrain((name) => {
        const node = d.nodes.get(undefined, name);
        if (!node) return true;
        // Ready again meanwhile: nothing to do (upstream "was in a taint queue, but it's ready now").
        if (!lifecycleTaintKey(observe(node, now).ready)) return true;
        approved.add(name);
        wake.push(name);
        return true;
      });
    }
    return wake;
  }

  async function reconcile(req: Request, signal?: AbortSignal): Promise<Result> {
    let node = d.nodes.get(undefined, req.name);
    if (!node) {
      forget(req.name);
      return {};
    }
    const now = d.clock.now();
    const { ready, stale } = observe(node, now);
    if (stale) {
      const conds = unknownConditions(node.status?.conditions, now);
      if (!semanticEqual(conds, node.status?.conditions)) {
        node = await nodesApi.updateStatus(undefined, { ...structuredClone(node), status: { ...node.status, conditions: conds } });
        d.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${req.name} status is now: NodeNotReady`);
      }
    }
    if (!lifecycleTaintKey(ready)) forget(req.name);
    const noExecute = !masterDisruption && (approved.has(req.name) || hasLifecycleNoExecute(node.spec?.taints));
    const taints = desiredTaints(node.spec?.taints, ready, now, noExecute);
    if (!semanticEqual(taints, node.spec?.taints ?? [])) {
      node = await nodesApi.patch(undefined, req.name, 'merge', { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints: taints.length ? taints : null } });
    }
    return { requeueAfterMs: await evictPods(node, now, signal) };
  }

  /** Taint-based eviction (upstream taint-eviction controller): deletes due pods, returns when to look again. */
  async function evictPods(node: Node, now: number, signal?: AbortSignal): Promise<number> {
    let next = now + monitor;
    const noExecute = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (noExecute.length === 0) return monitor;
    for (const pod of d.pods.byIndex(NODE_INDEX, node.metadata?.name ?? '')) {
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
    return Math.max(100, next - now);
  }

  return {
    reconcile,
    monitorPass,
    taintPass,
    zoneStates: () => zoneStates,
    zoneRates: () => new Map([...tainters].map(([k, q]) => [k, q.qps])),
  };
}

export function nodeLifecycleControllerWith(opts: NodeLifecycleOptions = {}): ControllerFactory {
  return (ctx: ControllerContext) => {
    const nodeInf = ctx.informers.informerFor<Node>(Resources.nodes);
    const leaseInf = ctx.informers.informerFor<Lease>(Resources.leases, { namespace: LEASE_NS });
    const podInf = ctx.informers.informerFor<Pod>(Resources.pods, {}, { [NODE_INDEX]: podNodeIndex });
    nodeInf.addEventHandler({ onAdd: (n) => ctx.enqueue(n.metadata?.name ?? ''), onUpdate: (_o, n) => ctx.enqueue(n.metadata?.name ?? '') });
    const onPod = (p: Pod): void => {
      if (p.spec?.nodeName && nodeInf.lister.get(undefined, p.spec.nodeName)?.spec?.taints?.some((t) => t.effect === 'NoExecute')) ctx.enqueue(p.spec.nodeName);
    };
    podInf.addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p), onDelete: (x) => void deletedObject(x) });
    const lc = createNodeLifecycleReconciler({ ...opts, client: ctx.client, nodes: nodeInf.lister, leases: leaseInf.lister, pods: podInf.lister, recorder: ctx.recorder, clock: ctx.clock, log: ctx.log });
    const monitor = opts.monitorPeriodMs ?? 5_000;
    const taintPeriod = opts.taintPeriodMs ?? Math.min(100, monitor);

    const passes = async (signal: AbortSignal): Promise<void> => {
      if (!(await nodeInf.waitForSync(signal)) || !(await leaseInf.waitForSync(signal))) return;
      let nextMonitor = 0;
      while (!signal.aborted) {
        try {
          if (ctx.clock.now() >= nextMonitor) {
            nextMonitor = ctx.clock.now() + monitor;
            for (const n of lc.monitorPass()) ctx.enqueue(n);
          }
          for (const n of lc.taintPass()) ctx.enqueue(n);
        } catch (e) {
          ctx.log('error', `nodelifecycle: zone pass: ${String(e)}`);
        }
        await ctx.clock.sleep(taintPeriod, signal);
      }
    };

    return {
      name: 'nodelifecycle',
      workers: 2,
      start(signal) {
        passes(signal).catch((e: unknown) => ctx.log('error', `nodelifecycle: passes stopped: ${String(e)}`));
        return Promise.resolve(true);
      },
      reconcile: lc.reconcile,
    };
  };
}

export const nodeLifecycleController = nodeLifecycleControllerWith();
