// The plugin framework's contracts: one small interface per extension point, in the spirit of
// kube-scheduler's pkg/scheduler/framework. Plugins return Status values; they never throw for an
// expected outcome. A plugin object may implement several extension points.
//
//   queue ─► PreFilter ─► Filter (per node) ─┬─► PreScore ─► Score ─► NormalizeScore ─► pick best
//                                            └─(no node fits)─► PostFilter (preemption)
//   pick ─► assume in cache ─► Reserve ─► Permit ─► PreBind (async) ─► Bind (async) ─► informer confirms
import type { SchedulerCache } from './cache';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import type { CycleState, Status } from './types';
import type { WaitingPods } from './waiting-pods';
import type { LabelSelector } from '../api/selectors';
import type { Client, Clock, KubeObject } from '../client/index';

/** What `Handle.getObject` looks up in the informer caches. */
export type ObjectKind = 'pvc' | 'pv' | 'storageclass' | 'pod';

/** What plugins may see of the world besides the pod and the node. */
export interface Handle {
  readonly cache: SchedulerCache;
  /** A PersistentVolumeClaim / PersistentVolume / StorageClass / Pod from the informer caches, if watched. */
  getObject(kind: ObjectKind, namespace: string, name: string): KubeObject | undefined;
  /** Every PersistentVolume in the informer cache (VolumeBinding's matching); absent: none. */
  listObjects?(kind: 'pv'): readonly KubeObject[];
  /** The scheduler's API client (upstream's Handle.ClientSet), for PreBind writes; absent in dry runs. */
  readonly client?: Client;
  /** The scheduler's clock (PreBind waits); absent: the wall clock. */
  readonly clock?: Clock;
  /** Selectors of the Services/ReplicaSets/StatefulSets/ReplicationControllers that select the pod (default spreading). */
  ownerSelectors(pod: PodInfo): LabelSelector[];
  /** Writes a Binding (the DefaultBinder's job). */
  bind(pod: PodInfo, nodeName: string): Promise<void>;
  /** Pods held at Permit (get by uid, iterate, reject), as upstream's Handle.GetWaitingPod & co. */
  readonly waitingPods: WaitingPods;
}

export interface Plugin {
  readonly name: string;
}

export interface PreFilterPlugin extends Plugin {
  /** Once per cycle, before any Filter. Skip turns this plugin's Filter off for the cycle. */
  preFilter(state: CycleState, pod: PodInfo): Status | undefined;
  /**
   * PreFilterExtensions (upstream's AddPod/RemovePod): update this plugin's PreFilter state as if
   * `other` were added to / removed from `node` (a what-if copy: preemption's victims, nominated pods),
   * so cluster-wide values (spread minimum, affinity counts) are recomputed. Called on a cloned state
   * only; never for a plugin whose PreFilter returned Skip.
   */
  addPod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
  removePod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
}

export interface FilterPlugin extends Plugin {
  /**
   * True when the verdict depends only on the pod's equivalence class and this node's own state (its
   * generation), so a result may be reused while the node is unchanged.
   */
  readonly nodeLocal?: boolean;
  /** Must be pure with respect to the cache: reads the node and state, writes nothing. */
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined;
}

export interface PostFilterResult {
  nominatedNodeName?: string;
  victims?: PodInfo[];
  status: Status;
}

/** Runs the profile's filters against a what-if NodeInfo (preemption). */
export interface FilterRunner {
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined;
  /** Runs the PreFilterExtensions of every non-skipped PreFilter plugin (the node already holds / lacks `other`). */
  addPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
  removePod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
}

export interface PostFilterPlugin extends Plugin {
  /** Called when no node fits. `statuses` holds every filtered node's rejection. */
  postFilter(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>, fw: FilterRunner): PostFilterResult;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status | undefined;
}

export interface ScorePlugin extends Plugin {
  /** As FilterPlugin.nodeLocal: the raw score may be cached per (class, node generation). */
  readonly nodeLocal?: boolean;
  /** A raw score; NormalizeScore (if any) maps the scores of all nodes into [0, 100]. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  normalizeScore?(state: CycleState, pod: PodInfo, scores: number[]): void;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status | undefined;
  /** Must be idempotent: undoes reserve when a later step fails. */
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/** Permit's answer: Success, Unschedulable (rejected), or Wait with `timeoutMs` (capped at 15 min). */
export type PermitStatus = Status & { timeoutMs?: number };

export interface PermitPlugin extends Plugin {
  /**
   * Runs after Reserve, in the scheduling cycle. Wait holds the pod (assumed on `nodeName`) until some
   * plugin allows it through `handle.waitingPods`, or rejects it, or the timeout passes; the binding
   * cycle waits asynchronously, so later pods are scheduled meanwhile (the waiting pod is already in
   * `handle.waitingPods` when the next cycle runs). Must not block.
   */
  permit(state: CycleState, pod: PodInfo, nodeName: string): PermitStatus | undefined;
}

export interface PreBindPlugin extends Plugin {
  /**
   * Runs in the asynchronous binding cycle, before Bind (upstream's PreBind): may write to the API and
   * wait. A non-success status fails the binding cycle: every Reserve plugin's unreserve runs, the
   * assumption is forgotten and the pod goes back to the queue with backoff. Must honour `signal`
   * (the scheduler stopping) by returning promptly.
   */
  preBind(state: CycleState, pod: PodInfo, nodeName: string, signal?: AbortSignal): Promise<Status | undefined>;
}

export interface BindPlugin extends Plugin {
  /** Skip means "not mine": the next bind plugin is asked. */
  bind(pod: PodInfo, nodeName: string): Promise<Status | undefined>;
}

export type ExtensionPoint = 'preFilter' | 'filter' | 'postFilter' | 'preScore' | 'score' | 'reserve' | 'permit' | 'preBind' | 'bind';

export const EXTENSION_METHOD: Record<ExtensionPoint, string> = {
  preFilter: 'preFilter', filter: 'filter', postFilter: 'postFilter', preScore: 'preScore', score: 'score',
  reserve: 'reserve', permit: 'permit', preBind: 'preBind', bind: 'bind',
};

export type PluginFactory = (args: Record<string, unknown>, handle: Handle) => Plugin;

export function implementsPoint(p: Plugin, point: ExtensionPoint): boolean {
  return typeof (p as unknown as Record<string, unknown>)[EXTENSION_METHOD[point]] === 'function';
}
