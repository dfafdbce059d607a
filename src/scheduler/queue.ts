// The scheduling queue, as kube-scheduler's PriorityQueue:
//
//   add ─► activeQ (heap: priority desc, then first-queued) ─► pop ─► scheduling cycle
//             ▲                                                        │ failed
//             │ backoff expired                                        ▼
//          backoffQ (heap: backoff expiry) ◄── cluster event ── unschedulable (map)
//                                                                (also flushed after 5 min)
//
// Per-pod exponential backoff: initial × 2^(attempts−1), capped (1 s → 10 s by default). A cluster event
// (node added/changed, pod deleted, ...) moves the unschedulable pods whose rejecting plugins care
// about it to backoffQ (still backing off) or activeQ. A pod that failed while such an event happened
// mid-cycle goes to backoffQ, not unschedulable, so the event is not lost.
import type { Clock } from '../client/index';
import type { PodInfo } from './pod-info';

export interface QueuedPod {
  info: PodInfo;
  attempts: number;
  /** When it was first queued (ordering among equal priorities). */
  initialAt: number;
  /** Last time it was (re)queued after a failure. */
  failedAt: number;
  /** Plugins that rejected it last time; empty = unknown (any event moves it). */
  unschedulablePlugins: Set<string>;
  /** The cycle in which it was popped. */
  cycle: number;
}

class Heap<T> {
  private a: T[] = [];
  constructor(private readonly less: (x: T, y: T) => boolean) {}
  get size(): number {
    return this.a.length;
  }
  peek(): T | undefined {
    return this.a[0];
  }
  push(x: T): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
  remove(pred: (x: T) => boolean): void {
    const keep = this.a.filter((x) => !pred(x));
    if (keep.length === this.a.length) return;
    this.a = [];
    for (const x of keep) this.push(x);
  }
}

type Place = { q: 'active' | 'backoff' | 'unschedulable' | 'inflight'; qp: QueuedPod };

/** key → where the pod is, plus the set of unschedulable keys kept in step. */
class Placement extends Map<string, Place> {
  readonly unsched = new Set<string>();
  override set(key: string, v: Place): this {
    if (v.q === 'unschedulable') this.unsched.add(key);
    else this.unsched.delete(key);
    return super.set(key, v);
  }
  override delete(key: string): boolean {
    this.unsched.delete(key);
    return super.delete(key);
  }
}

export interface QueueOptions {
  clock: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried at least this often even without events (default 5 min). */
  maxUnschedulableMs?: number;
}

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxUnschedMs: number;
  /** Where each known pod is: 'active' | 'backoff' | 'unschedulable' | 'inflight'. */
  private readonly where = new Placement();
  private readonly active = new Heap<QueuedPod>((x, y) => x.info.priority > y.info.priority || (x.info.priority === y.info.priority && x.initialAt < y.initialAt));
  private readonly backoff = new Heap<QueuedPod>((x, y) => this.backoffExpiry(x) < this.backoffExpiry(y));
  private get unsched(): ReadonlySet<string> {
    return this.where.unsched;
  }
  private waiters: Array<(qp: QueuedPod | undefined) => void> = [];
  private cycle = 0;
  private moveRequestCycle = -1;
  private timer: (() => void) | undefined;
  private closed = false;

  constructor(opts: QueueOptions) {
    this.clock = opts.clock;
    this.initialMs = opts.initialBackoffMs ?? 1000;
    this.maxMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedMs = opts.maxUnschedulableMs ?? 5 * 60_000;
  }

  backoffDuration(attempts: number): number {
    let d = this.initialMs;
    for (let i = 1; i < attempts && d < this.maxMs; i++) d *= 2;
    return Math.min(d, this.maxMs);
  }

  backoffExpiry(qp: QueuedPod): number {
    return qp.failedAt + this.backoffDuration(qp.attempts);
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Counts per sub-queue (for tests and metrics). */
  stats(): { active: number; backoff: number; unschedulable: number; inflight: number } {
    const s = { active: 0, backoff: 0, unschedulable: 0, inflight: 0 };
    for (const { q } of this.where.values()) s[q]++;
    return s;
  }

  has(key: string): boolean {
    return this.where.has(key);
  }

  /** A new pending pod (or one seen again after a relist). */
  add(info: PodInfo): void {
    const w = this.where.get(info.key);
    if (w) return this.update(info);
    const now = this.clock.now();
    this.pushActive({ info, attempts: 0, initialAt: now, failedAt: now, unschedulablePlugins: new Set(), cycle: 0 });
  }

  /** The pod changed. A spec/label change makes an unschedulable pod worth retrying at once. */
  update(info: PodInfo, relevant = true): void {
    const w = this.where.get(info.key);
    if (!w) return this.add(info);
    w.qp.info = info;
    if (w.q === 'unschedulable' && relevant) {
      this.where.delete(info.key);
      if (this.clock.now() < this.backoffExpiry(w.qp)) this.pushBackoff(w.qp);
      else this.pushActive(w.qp);
    }
  }

  delete(key: string): void {
    const w = this.where.get(key);
    if (!w) return;
    this.where.delete(key);
    if (w.q === 'active') this.active.remove((x) => x.info.key === key);
    else if (w.q === 'backoff') this.backoff.remove((x) => x.info.key === key);
  }

  private pushActive(qp: QueuedPod): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.markInflight(qp);
      waiter(qp);
      return;
    }
    this.where.set(qp.info.key, { q: 'active', qp });
    this.active.push(qp);
  }

  private pushBackoff(qp: QueuedPod): void {
    this.where.set(qp.info.key, { q: 'backoff', qp });
    this.backoff.push(qp);
    this.armTimer();
  }

  private markInflight(qp: QueuedPod): void {
    qp.cycle = ++this.cycle;
    qp.attempts++;
    this.where.set(qp.info.key, { q: 'inflight', qp });
  }

  /** The next active pod, if any, without waiting. */
  tryPop(): QueuedPod | undefined {
    this.flushBackoff();
    const qp = this.active.pop();
    if (qp) this.markInflight(qp);
    return qp;
  }

  /** The next pod to schedule, waiting until one is active; undefined once closed or aborted. */
  pop(signal?: AbortSignal): QueuedPod | Promise<QueuedPod | undefined> {
    this.flushBackoff();
    const qp = this.active.pop();
    if (qp) {
      this.markInflight(qp);
      return qp;
    }
    if (this.closed || signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== wrapped);
        resolve(undefined);
      };
      const wrapped = (x: QueuedPod | undefined): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(x);
      };
      this.waiters.push(wrapped);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Queues a pod whose bind failed after its cycle ended: it backs off by its attempts so far. */
  addBackoff(info: PodInfo, attempts: number): void {
    if (this.where.has(info.key)) return;
    const now = this.clock.now();
    this.pushBackoff({ info, attempts: Math.max(1, attempts), initialAt: now, failedAt: now, unschedulablePlugins: new Set(), cycle: this.cycle });
  }

  /** The cycle ended with the pod bound (or being bound): forget it. */
  done(key: string): void {
    if (this.where.get(key)?.q === 'inflight') this.where.delete(key);
  }

  /** The cycle failed: back off (error, or an event raced the cycle) or park as unschedulable. */
  requeue(qp: QueuedPod, opts: { unschedulable: boolean; plugins?: Iterable<string> }): void {
    const cur = this.where.get(qp.info.key);
    if (!cur || cur.q !== 'inflight') return; // deleted meanwhile, or re-added fresh
    qp.info = cur.qp.info;
    qp.failedAt = this.clock.now();
    qp.unschedulablePlugins = new Set(opts.plugins ?? []);
    if (!opts.unschedulable || this.moveRequestCycle >= qp.cycle) this.pushBackoff(qp);
    else {
      this.where.set(qp.info.key, { q: 'unschedulable', qp });
      this.armTimer();
    }
  }

  /**
   * A cluster event that may make unschedulable pods fit. `plugins` are the plugins whose verdicts it
   * can change (undefined = all); `relevant`, a further per-pod hint (like kube's QueueingHints).
   */
  moveAllToActiveOrBackoff(plugins?: ReadonlySet<string>, relevant?: (qp: QueuedPod) => boolean): void {
    this.moveRequestCycle = this.cycle;
    const now = this.clock.now();
    for (const key of [...this.unsched]) {
      const w = this.where.get(key)!;
      if (plugins && w.qp.unschedulablePlugins.size > 0 && ![...w.qp.unschedulablePlugins].some((p) => plugins.has(p))) continue;
      if (relevant && !relevant(w.qp)) continue;
      this.where.delete(key);
      if (now < this.backoffExpiry(w.qp)) this.pushBackoff(w.qp);
      else this.pushActive(w.qp);
    }
  }

  private flushBackoff(): void {
    const now = this.clock.now();
    for (let qp = this.backoff.peek(); qp && this.backoffExpiry(qp) <= now; qp = this.backoff.peek()) {
      this.backoff.pop();
      const w = this.where.get(qp.info.key);
      if (w?.qp !== qp || w.q !== 'backoff') continue;
      this.where.delete(qp.info.key);
      this.pushActive(qp);
    }
  }

  private flushUnschedulableLeftover(): void {
    const now = this.clock.now();
    for (const key of [...this.unsched]) {
      const w = this.where.get(key);
      if (w?.q === 'unschedulable' && now - w.qp.failedAt >= this.maxUnschedMs) {
        this.where.delete(key);
        this.pushActive(w.qp);
      }
    }
  }

  private armTimer(): void {
    if (this.timer || this.closed) return;
    // Poll once a second like kube-scheduler's flush loops; cheap, and keeps the FakeClock story simple.
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flushBackoff();
      this.flushUnschedulableLeftover();
      if (this.backoff.size > 0 || this.unsched.size > 0) this.armTimer();
    }, Math.min(1000, this.initialMs));
  }

  close(): void {
    this.closed = true;
    this.timer?.();
    this.timer = undefined;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
