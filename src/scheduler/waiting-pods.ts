// Pods held at Permit (kube-scheduler's framework.WaitingPod): a Permit plugin that answers Wait keeps
// the pod assumed on its node while its binding cycle waits, asynchronously, until every waiting plugin
// allows it, one rejects it, or a plugin's timeout runs out. Other plugins (a gang/coscheduling plugin,
// DefaultPreemption) reach waiting pods through the Handle.
//
//   scheduling cycle: Permit ─ Wait(plugin A, 10 s) ─► WaitingPods.add ─► next cycle starts at once
//   binding cycle:    await wp.done ─┬─ allow(A) by any plugin ──────► Bind
//                                    ├─ reject(A, msg) / pod deleted ─► unreserve, forget, requeue
//                                    └─ 10 s pass ────────────────────► reject "rejected due to timeout …"
import type { Clock } from '../client/index';
import type { PodInfo } from './pod-info';
import type { Status } from './types';

/** Permit waits are capped at 15 minutes, as upstream's maxTimeout. */
export const MAX_PERMIT_TIMEOUT_MS = 15 * 60_000;

/** A pod waiting at Permit, as plugins see it. */
export interface WaitingPod {
  readonly pod: PodInfo;
  /** The node it is assumed on. */
  readonly nodeName: string;
  /** Plugins that asked to wait and have not allowed it yet. */
  pendingPlugins(): string[];
  /** `plugin` lets the pod go; it binds once no plugin is pending. A no-op once settled. */
  allow(plugin: string): void;
  /** Fails the pod's Permit (Unschedulable, `msg`); it is unreserved and requeued. A no-op once settled. */
  reject(plugin: string, msg: string): void;
}

/** Go's time.Duration.String for whole milliseconds ("500ms", "10s", "1.5s", "1m30s", "1h0m0s"). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const sMs = ms % 60_000;
  const s = sMs % 1000 === 0 ? String(sMs / 1000) : (sMs / 1000).toFixed(3).replace(/0+$/, '');
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

class WaitingPodImpl implements WaitingPod {
  private readonly pending = new Map<string, () => void>();
  private settled = false;
  private resolve!: (s: Status | undefined) => void;
  /** Resolves once: undefined when allowed, the rejection otherwise. */
  readonly done: Promise<Status | undefined>;

  constructor(readonly pod: PodInfo, readonly nodeName: string, waits: ReadonlyMap<string, number>, clock: Clock) {
    this.done = new Promise((r) => (this.resolve = r));
    for (const [plugin, ms] of waits) {
      const wait = Math.min(Math.max(0, ms), MAX_PERMIT_TIMEOUT_MS);
      this.pending.set(plugin, clock.setTimeout(() => this.reject(plugin, `rejected due to timeout after waiting ${goDuration(wait)} at plugin ${plugin}`), wait));
    }
    if (this.pending.size === 0) this.settle(undefined);
  }

  pendingPlugins(): string[] {
    return [...this.pending.keys()];
  }

  allow(plugin: string): void {
    if (this.settled) return;
    const cancel = this.pending.get(plugin);
    if (!cancel) return;
    cancel();
    this.pending.delete(plugin);
    if (this.pending.size === 0) this.settle(undefined);
  }

  reject(plugin: string, msg: string): void {
    if (this.settled) return;
    this.settle({ code: 'Unschedulable', reasons: [msg], plugin });
  }

  private settle(s: Status | undefined): void {
    this.settled = true;
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
    this.resolve(s);
  }
}

/** The scheduler's waiting pods by uid (upstream's waitingPodsMap). */
export class WaitingPods {
  private readonly byUid = new Map<string, WaitingPodImpl>();

  /**
   * Holds `pod` on `nodeName` until every plugin in `waits` (plugin → timeout ms) allows it; the promise
   * resolves with undefined (allowed) or the rejecting Status. The entry goes when it settles.
   */
  add(pod: PodInfo, nodeName: string, waits: ReadonlyMap<string, number>, clock: Clock): { wp: WaitingPod; done: Promise<Status | undefined> } {
    this.byUid.get(pod.uid)?.reject('', 'superseded by a new scheduling attempt');
    const wp = new WaitingPodImpl(pod, nodeName, waits, clock);
    this.byUid.set(pod.uid, wp);
    const done = wp.done.then((s) => {
      if (this.byUid.get(pod.uid) === wp) this.byUid.delete(pod.uid);
      return s;
    });
    return { wp, done };
  }

  get(uid: string): WaitingPod | undefined {
    return this.byUid.get(uid);
  }

  /** Calls fn for each waiting pod (a snapshot: fn may allow or reject). */
  iterate(fn: (wp: WaitingPod) => void): void {
    for (const wp of [...this.byUid.values()]) fn(wp);
  }

  /** Rejects the waiting pod with this uid; false when none is waiting. */
  reject(uid: string, plugin: string, msg: string): boolean {
    const wp = this.byUid.get(uid);
    if (!wp) return false;
    wp.reject(plugin, msg);
    return true;
  }

  get size(): number {
    return this.byUid.size;
  }
}
