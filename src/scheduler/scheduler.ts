// The scheduler proper: informer events → cache and queue; one loop popping pods and running cycles;
// binds in flight in the background; failures explained through events and the PodScheduled condition.
//
//   pods/nodes informers ──► cache (bound + assumed pods, per-node aggregates)
//            └─ pending pods of our profiles ──► queue ──► loop: algorithm.schedule (sync)
//                                                              ├─ fits: assume → reserve → permit ─► [wait at permit] → bind
//                                                              │        (binding cycle async; binds ≤ maxInFlightBinds)
//                                                              └─ none: PostFilter (preempt) → FailedScheduling + PodScheduled=False → requeue
import { setMaxListeners } from 'node:events';
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { createEventRecorder, deletedObject, isConflict, isNotFound, type Client, type Clock, type EventRecorder, type KubeObject, type Tombstone } from '../client/index';
import { SchedulingAlgorithm, type Techniques } from './algorithm';
import { SchedulerCache, schedulingView as nodeView } from './cache';
import type { SchedulerConfig } from './config';
import { createHandle, createInformers, type Informers } from './handle';
import { FitError } from './fit-error';
import { createPodInfo, type PodInfo } from './pod-info';
import { buildProfile, type Profile } from './profile';
import { REGISTRY } from './plugins/registry';
import { DISRUPTION_TARGET, REASON_PREEMPTION_BY_SCHEDULER } from './plugins/default-preemption/default-preemption';
import { SchedulingQueue, type QueuedPod } from './queue';
import type { CycleState, Node, Pod, Status } from './types';
import type { PluginFactory } from './framework';
import { WaitingPods } from './waiting-pods';

export type Log = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;

export interface SchedulerOptions {
  client: Client;
  /** A second client for Events, so event writes never queue binds behind them in one in-flight budget. */
  eventClient?: Client;
  config: SchedulerConfig;
  clock: Clock;
  log: Log;
  techniques: Techniques;
  random: () => number;
  maxInFlightBinds: number;
  /** Emit a Normal "Scheduled" event per bound pod (kube-scheduler does; default true). */
  scheduledEvents: boolean;
  /** Out-of-tree plugins by name, added to the in-tree registry (as upstream's WithFrameworkOutOfTreeRegistry). */
  registry?: Readonly<Record<string, PluginFactory>>;
}

const NODE_PLUGINS = new Set(['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity']);
const POD_DELETE_PLUGINS = new Set(['NodePorts', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity', 'VolumeBinding']);
const POD_ADD_PLUGINS = new Set(['PodTopologySpread', 'InterPodAffinity']);
const NAMESPACE_PLUGINS = new Set(['InterPodAffinity']);
const VOLUME_PLUGINS = new Set(['VolumeBinding']);

/** A PreBind plugin failed the binding cycle (its message is upstream's "running PreBind plugin ..."). */
class BindingCycleError extends Error {}

const isTerminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const keyOf = (p: Pod): string => `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`;
const schedulingView = (p: Pod): string => JSON.stringify([p.spec, p.metadata?.labels, p.metadata?.deletionTimestamp]);

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly algorithm: SchedulingAlgorithm;
  readonly profiles = new Map<string, Profile>();
  readonly informers: Informers;
  /** Pods held at Permit, their binding cycles waiting. */
  readonly waitingPods = new WaitingPods();
  private stopping = false;
  /** Aborted when run() ends: PreBind waits return promptly. */
  private readonly stopController = new AbortController();
  private get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }
  private readonly recorder: EventRecorder;
  private inFlight = 0;
  private slotWaiters: Array<() => void> = [];
  private readonly binds = new Set<Promise<void>>();
  /** Bound pods with their attempt latency and when the Binding was answered (performance.now(); for the benchmark). */
  readonly bound: Array<{ key: string; ms: number; at: number }> = [];
  onBound?: (key: string, node: string) => void;
  /** performance.now() when the loop started (caches synced); undefined before. */
  loopStartedAt: number | undefined;

  constructor(private readonly o: SchedulerOptions) {
    const onError = (e: unknown, where: string): void => o.log('warn', `informer: ${where}: ${String(e)}`);
    this.informers = createInformers(o.client, o.clock, onError);
    this.queue = new SchedulingQueue({ clock: o.clock, initialBackoffMs: o.config.podInitialBackoffSeconds * 1000, maxBackoffMs: o.config.podMaxBackoffSeconds * 1000 });
    this.algorithm = new SchedulingAlgorithm({ cache: this.cache, percentageOfNodesToScore: o.config.percentageOfNodesToScore, techniques: o.techniques, random: o.random });
    const handle = createHandle({ cache: this.cache, informers: this.informers, bind: (pod, node) => this.postBinding(pod, node), waitingPods: this.waitingPods, client: o.client, clock: o.clock });
    const registry = o.registry ? { ...REGISTRY, ...o.registry } : REGISTRY;
    for (const p of o.config.profiles) this.profiles.set(p.schedulerName, buildProfile(p, handle, registry));
    this.recorder = createEventRecorder(o.eventClient ?? o.client, { component: 'default-scheduler', clock: o.clock, onError: (e) => o.log('debug', `event: ${String(e)}`) });
    this.wire();
  }

  private responsible(p: Pod): boolean {
    return this.profiles.has(p.spec?.schedulerName ?? 'default-scheduler');
  }

  private wire(): void {
    const { nodes, pods } = this.informers;
    nodes.addEventHandler({
      onAdd: (n) => {
        this.cache.upsertNode(n);
        this.queue.moveAllToActiveOrBackoff(NODE_PLUGINS);
      },
      onUpdate: (a, b) => {
        this.cache.upsertNode(b);
        if (nodeView(a) !== nodeView(b)) this.queue.moveAllToActiveOrBackoff(NODE_PLUGINS);
      },
      onDelete: (n: Node | Tombstone<Node>) => this.cache.removeNode(deletedObject(n).metadata?.name ?? ''),
    });
    // Namespace labels decide which namespaces a namespaceSelector in an affinity term covers.
    const nsChanged = (ns: KubeObject): void => {
      const name = ns.metadata?.name ?? '';
      const labels = ns.metadata?.labels ?? {};
      if (JSON.stringify(this.cache.namespaceLabels.get(name)) === JSON.stringify(labels)) return;
      this.cache.namespaceLabels.set(name, labels);
      this.queue.moveAllToActiveOrBackoff(NAMESPACE_PLUGINS);
    };
    this.informers.namespaces.addEventHandler({
      onAdd: nsChanged,
      onUpdate: (_a, b) => nsChanged(b),
      onDelete: (x: KubeObject | Tombstone<KubeObject>) => this.cache.namespaceLabels.delete(deletedObject(x).metadata?.name ?? ''),
    });
    // A claim that becomes bound (or a volume that appears), or a StorageClass that appears or changes
    // (provisioner, allowedTopologies), can make a pod rejected by VolumeBinding fit.
    const volumeEvent = (): void => this.queue.moveAllToActiveOrBackoff(VOLUME_PLUGINS);
    for (const inf of [this.informers.pvcs, this.informers.pvs, this.informers.storageClasses]) inf.addEventHandler({ onAdd: volumeEvent, onUpdate: volumeEvent });
    pods.addEventHandler({
      onAdd: (p) => this.podChanged(undefined, p),
      onUpdate: (a, b) => this.podChanged(a, b),
      onDelete: (x: Pod | Tombstone<Pod>) => this.podGone(keyOf(deletedObject(x))),
    });
  }

  private podGone(key: string): void {
    const uid = this.cache.pods.get(key)?.info.uid;
    if (uid !== undefined) this.waitingPods.reject(uid, '', 'pod deleted while waiting at permit');
    this.queue.delete(key);
    this.cache.clearNominated(key);
    const node = this.cache.nodeOf(key);
    if (!this.cache.removePod(key)) return;
    // Hint: a pod waiting for its preemption victims on node X only cares about deletions on X.
    this.queue.moveAllToActiveOrBackoff(POD_DELETE_PLUGINS, (qp) => {
      const nom = this.cache.nominatedNodeOf(qp.info.key) ?? qp.info.pod.status?.nominatedNodeName;
      return !nom || nom === node;
    });
  }

  private podChanged(old: Pod | undefined, p: Pod): void {
    const key = keyOf(p);
    if (isTerminal(p)) return this.podGone(key);
    const nodeName = p.spec?.nodeName;
    if (nodeName) {
      this.queue.delete(key);
      const wasAssumed = this.cache.isAssumed(key);
      if (!old?.spec?.nodeName || wasAssumed || schedulingView(old) !== schedulingView(p)) {
        this.cache.addPod(createPodInfo(p), nodeName);
        if (!wasAssumed) this.queue.moveAllToActiveOrBackoff(POD_ADD_PLUGINS);
      }
      return;
    }
    if (!this.responsible(p) || this.cache.isAssumed(key)) return;
    if (p.metadata?.deletionTimestamp) return this.podGone(key);
    // SchedulingGates: a gated pod is not scheduled until every gate is removed.
    if (p.spec?.schedulingGates?.length) return this.queue.delete(key);
    const info = createPodInfo(p);
    const nom = p.status?.nominatedNodeName;
    if (nom) this.cache.nominate(info, nom);
    else this.cache.clearNominated(key);
    if (!this.queue.has(key)) this.queue.add(info);
    else this.queue.update(info, !old || schedulingView(old) !== schedulingView(p));
  }

  /** Runs the informers and the scheduling loop until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    setMaxListeners(64, signal); // one listener per informer, the loop, the queue
    const runs = this.informers.all.map((i) => i.run(signal));
    const synced = await Promise.all(this.informers.all.map((i) => i.waitForSync(signal)));
    if (synced.every(Boolean)) {
      this.o.log('info', `scheduler: caches synced (${this.cache.nodeList().length} nodes, ${this.cache.pods.size} bound pods, ${this.queue.stats().active} pending)`);
      await this.loop(signal);
    }
    this.queue.close();
    this.stopping = true;
    this.stopController.abort();
    this.waitingPods.iterate((wp) => wp.reject('', 'scheduler stopping'));
    await Promise.allSettled([...this.binds]);
    await this.recorder.flush();
    await Promise.all(runs);
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const onAbort = (): void => this.queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    let lastYield = performance.now();
    this.loopStartedAt = lastYield;
    try {
      while (!signal.aborted) {
        if (this.inFlight >= this.o.maxInFlightBinds) await new Promise<void>((r) => this.slotWaiters.push(r));
        const next = this.queue.pop(signal);
        const qp = next instanceof Promise ? await next : next;
        if (!qp || signal.aborted) break;
        this.scheduleOne(qp);
        // Cycles are synchronous: hand the event loop to I/O (watch events, bind replies) regularly.
        if (performance.now() - lastYield > 8) {
          await yieldTurn();
          lastYield = performance.now();
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** One scheduling cycle for a popped pod. Never throws. */
  scheduleOne(qp: QueuedPod): void {
    const pod = qp.info;
    const profile = this.profiles.get(pod.pod.spec?.schedulerName ?? 'default-scheduler');
    if (!profile) return this.queue.done(pod.key);
    const started = performance.now();
    const r = this.algorithm.schedule(profile, pod);
    if (!r.ok) {
      if (r.error !== undefined) {
        this.o.log('error', `scheduler: ${pod.key}: ${r.error}`);
        this.queue.requeue(qp, { unschedulable: false });
        return;
      }
      const fit = r.fit;
      let nominated: string | undefined;
      if (!fit.preFilterMsg || fit.statuses.size > 0) {
        for (const pf of profile.postFilter) {
          const res = pf.postFilter(r.state, pod, fit.statuses, this.algorithm.filterRunner(profile));
          if (res.nominatedNodeName) {
            nominated = res.nominatedNodeName;
            if (res.victims?.length) this.preempt(pod, nominated, res.victims);
            break;
          }
          if (res.status.reasons.length) fit.postFilterMsg = res.status.reasons.join(', ');
        }
      }
      this.recordFailure(pod, fit.message(), nominated);
      this.queue.requeue(qp, { unschedulable: true, plugins: fit.plugins() });
      return;
    }
    const node = r.node;
    this.cache.addPod(pod, node, true);
    const undo = (msg: string): void => {
      for (const rp of profile.reserve) rp.unreserve(r.state, pod, node);
      if (this.cache.isAssumed(pod.key)) this.cache.removePod(pod.key);
      this.o.log('warn', `scheduler: ${pod.key}: ${msg}`);
      this.queue.requeue(qp, { unschedulable: false });
    };
    for (const rp of profile.reserve) {
      const st = rp.reserve(r.state, pod, node);
      if (st && st.code !== 'Success') return undo(`reserve ${rp.name}: ${st.reasons.join(', ')}`);
    }
    const waits = new Map<string, number>();
    for (const pp of profile.permit) {
      const st = pp.permit(r.state, pod, node);
      if (!st || st.code === 'Success') continue;
      if (st.code === 'Wait') waits.set(pp.name, st.timeoutMs ?? 0);
      else if (st.code === 'Unschedulable' || st.code === 'UnschedulableAndUnresolvable') {
        // Rejected within the cycle: upstream reports it as a FitError over the one suggested node.
        const rejected = { ...st, plugin: pp.name };
        return this.permitRejected(profile, r.state, qp, node, rejected, new FitError(pod.key, 1, new Map([[node, rejected]])).message());
      }
      else return undo(`running Permit plugin ${pp.name}: ${st.code} ${st.reasons.join(', ')}`);
    }
    if (waits.size === 0) {
      this.queue.done(pod.key);
      return this.startBind(profile, r.state, pod, node, qp, started);
    }
    // The binding cycle waits for Permit asynchronously; the pod stays in flight in the queue (so a
    // rejection requeues it) and assumed in the cache (so later cycles see its room as taken).
    const { done } = this.waitingPods.add(pod, node, waits, this.o.clock);
    const p = done.then((st) => {
      if (st) return this.permitRejected(profile, r.state, qp, node, st);
      if (!this.cache.isAssumed(pod.key) || this.cache.nodeOf(pod.key) !== node) return this.queue.done(pod.key); // gone meanwhile
      this.queue.done(pod.key);
      this.startBind(profile, r.state, pod, node, qp, started);
    }).finally(() => this.binds.delete(p));
    this.binds.add(p);
  }

  /**
   * Permit rejected the pod (in the cycle, while waiting, or on timeout): unreserve, forget the
   * assumption (like a deleted assigned pod, it may make room for others), record the failure, requeue.
   */
  private permitRejected(profile: Profile, state: CycleState, qp: QueuedPod, node: string, st: Status, message = st.reasons.join(', ')): void {
    const pod = qp.info;
    for (const rp of profile.reserve) rp.unreserve(state, pod, node);
    const forgot = this.cache.isAssumed(pod.key) && this.cache.nodeOf(pod.key) === node && this.cache.removePod(pod.key) !== undefined;
    if (this.stopping) return;
    const live = this.queue.has(pod.key);
    // In-tree plugins have known cluster events; any other (out-of-tree) plugin is moved by every event,
    // as upstream treats plugins that register no EnqueueExtensions.
    const known = st.plugin !== undefined && (NODE_PLUGINS.has(st.plugin) || POD_DELETE_PLUGINS.has(st.plugin) || POD_ADD_PLUGINS.has(st.plugin));
    this.queue.requeue(qp, { unschedulable: true, plugins: known ? [st.plugin!] : [] });
    if (forgot) this.queue.moveAllToActiveOrBackoff(POD_DELETE_PLUGINS, (x) => x.info.key !== pod.key);
    if (live) this.recordFailure(pod, message, undefined);
  }

  private startBind(profile: Profile, state: CycleState, pod: PodInfo, node: string, qp: QueuedPod, started: number): void {
    this.inFlight++;
    const p = this.bindPod(profile, state, pod, node, qp, started).finally(() => {
      this.inFlight--;
      this.binds.delete(p);
      this.slotWaiters.shift()?.();
    });
    this.binds.add(p);
  }

  /**
   * The binding cycle: PreBind plugins (which may write and wait, e.g. VolumeBinding), then Bind. On
   * failure, as upstream's handleBindingCycleError: unreserve, forget the assumption, FailedScheduling,
   * back to the queue with backoff.
   */
  private async bindPod(profile: Profile, state: CycleState, pod: PodInfo, node: string, qp: QueuedPod, started: number): Promise<void> {
    try {
      for (const pb of profile.preBind) {
        const st = await pb.preBind(state, pod, node, this.stopSignal);
        if (st && st.code !== 'Success' && st.code !== 'Skip') throw new BindingCycleError(`running PreBind plugin "${pb.name}": ${st.reasons.join(', ')}`);
      }
      for (const bp of profile.bind) {
        const st = await bp.bind(pod, node);
        if (st?.code === 'Skip') continue;
        if (st && st.code !== 'Success') throw new Error(`${bp.name}: ${st.reasons.join(', ')}`);
        break;
      }
      const at = performance.now();
      this.bound.push({ key: pod.key, ms: at - started, at });
      this.onBound?.(pod.key, node);
      if (this.o.scheduledEvents) this.recorder.event(pod.pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.key} to ${node}`);
    } catch (e) {
      for (const rp of profile.reserve) rp.unreserve(state, pod, node);
      if (this.cache.isAssumed(pod.key) && this.cache.nodeOf(pod.key) === node) {
        this.cache.removePod(pod.key); // forget the assumption: the room is free again
        this.queue.moveAllToActiveOrBackoff(POD_DELETE_PLUGINS);
      }
      if (this.stopping) return;
      if (e instanceof BindingCycleError) {
        const live = this.informers.pods.lister.get(pod.namespace, pod.name);
        if (!live || live.metadata?.uid !== pod.uid || live.spec?.nodeName) return; // gone, replaced or bound meanwhile
        this.o.log('warn', `scheduler: ${pod.key} on ${node}: ${e.message}`);
        this.recordFailure(pod, e.message, undefined);
        this.queue.addBackoff(pod, qp.attempts);
        return;
      }
      if (isNotFound(e)) return; // the pod is gone
      if (isConflict(e) && /already assigned|being deleted/i.test(String((e as Error).message))) return; // bound elsewhere or going away: the informer tells
      this.o.log('warn', `scheduler: binding ${pod.key} to ${node}: ${String(e)}`);
      this.recordFailure(pod, `Binding rejected: ${(e as Error).message}`, undefined);
      this.queue.addBackoff(pod, qp.attempts);
    }
  }

  private postBinding(pod: PodInfo, node: string): Promise<void> {
    return this.o.client.resource(this.informers.pods.resource).createSubresource(pod.namespace, pod.name, 'binding', {
      apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid }, target: { apiVersion: 'v1', kind: 'Node', name: node },
    }).then(() => undefined);
  }

  /**
   * Upstream's prepareCandidate: nominate the preemptor; for each victim, a waiting one is rejected at
   * Permit, others get DisruptionTarget=True (PreemptionByScheduler) and are then deleted gracefully;
   * lower-priority pods nominated to the same node lose their nomination (they may go elsewhere).
   */
  private preempt(pod: PodInfo, node: string, victims: PodInfo[]): void {
    const pods = this.o.client.resource<Pod>(this.informers.pods.resource);
    const warn = (what: string) => (e: unknown): void => {
      if (!isNotFound(e) && !isConflict(e)) this.o.log('warn', `scheduler: ${what}: ${String(e)}`);
    };
    for (const p of [...(this.cache.nominated.get(node)?.values() ?? [])]) {
      if (p.key === pod.key || p.priority >= pod.priority) continue;
      this.cache.clearNominated(p.key);
      pods.patch(p.namespace, p.name, 'merge', { status: { nominatedNodeName: null } }, { subresource: 'status' }).catch(warn(`clearing the nomination of ${p.key}`));
    }
    this.cache.nominate(pod, node);
    const condition = {
      type: DISRUPTION_TARGET, status: 'True', reason: REASON_PREEMPTION_BY_SCHEDULER,
      message: `${pod.pod.spec?.schedulerName ?? 'default-scheduler'}: preempting to accommodate a higher priority pod`,
      lastTransitionTime: new Date(this.o.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    for (const v of victims) {
      this.recorder.event(v.pod, 'Normal', 'Preempted', `Preempted by pod ${pod.uid} on node ${node}`);
      // A victim still waiting at Permit is only assumed: rejecting it frees its room (as upstream).
      if (this.waitingPods.reject(v.uid, 'DefaultPreemption', 'preempted')) continue;
      pods.patch(v.namespace, v.name, 'strategic', { status: { conditions: [condition] } }, { subresource: 'status' })
        .catch(warn(`marking ${v.key} as a disruption target`))
        .then(() => pods.delete(v.namespace, v.name, { preconditions: { uid: v.uid } }))
        .catch(warn(`preempting ${v.key}`));
    }
    this.o.log('info', `scheduler: ${pod.key} nominated to ${node}, preempting ${victims.map((v) => v.key).join(', ')}`);
  }

  /** FailedScheduling event and PodScheduled=False (with nominatedNodeName) on the pod's status, if changed. */
  private recordFailure(pod: PodInfo, message: string, nominated: string | undefined): void {
    this.recorder.event(pod.pod, 'Warning', 'FailedScheduling', message);
    const cur = this.informers.pods.lister.get(pod.namespace, pod.name) ?? pod.pod;
    const cond = cur.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const nomChanged = nominated !== undefined && cur.status?.nominatedNodeName !== nominated;
    if (cond?.status === 'False' && cond.reason === 'Unschedulable' && cond.message === message && !nomChanged) return;
    const status: Record<string, unknown> = {
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: new Date(this.o.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z') }],
    };
    if (nominated !== undefined) status.nominatedNodeName = nominated;
    this.o.client.resource<Pod>(this.informers.pods.resource)
      .patch(pod.namespace, pod.name, 'strategic', { status }, { subresource: 'status' })
      .catch((e: unknown) => {
        if (!isNotFound(e)) this.o.log('debug', `scheduler: status of ${pod.key}: ${String(e)}`);
      });
  }
}
