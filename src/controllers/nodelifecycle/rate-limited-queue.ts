// A per-zone queue of nodes waiting for their NoExecute taint, drained at a rate that the zone's disruption
// state sets (upstream scheduler.RateLimitedTimedQueue with a token bucket of burst 1).
//
//   add(node) ──► FIFO of unique names ──► tryDrain(fn): while a token is available, fn(head);
//                                           fn true  → taken off the queue (still "seen" until remove)
//                                           fn false → moved to the back, retried on a later drain
//   swapLimiter(qps): 0 stops draining; a new bucket starts empty if the old one was empty
//
// Invariant: a name stays "seen" from add until remove, so a node that was processed is not queued again
// while it stays unhealthy (upstream UniqueQueue.RemoveFromQueue vs Remove).
import type { Clock } from '../../client';

interface Bucket {
  qps: number;
  tokens: number;
  last: number;
}

export class RateLimitedQueue {
  private readonly queue: string[] = [];
  private readonly seen = new Set<string>();
  private bucket: Bucket;

  constructor(
    qps: number,
    private readonly clock: Clock,
  ) {
    this.bucket = { qps, tokens: qps > 0 ? 1 : 0, last: clock.now() };
  }

  get qps(): number {
    return this.bucket.qps;
  }

  /** Queues a name unless it is queued or was processed and not removed since. Returns whether it was added. */
  add(name: string): boolean {
    if (this.seen.has(name)) return false;
    this.seen.add(name);
    this.queue.push(name);
    return true;
  }

  /** Forgets a name entirely (queued or processed): the node is healthy again. */
  remove(name: string): void {
    this.seen.delete(name);
    const i = this.queue.indexOf(name);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** Names waiting, in order. */
  pending(): string[] {
    return [...this.queue];
  }

  /** Changes the rate (upstream SwapLimiter): 0 or less stops the queue; an exhausted bucket stays exhausted. */
  swapLimiter(qps: number): void {
    if (qps === this.bucket.qps) return;
    const hadToken = this.take();
    this.bucket = { qps, tokens: qps > 0 && hadToken ? 1 : 0, last: this.clock.now() };
  }

  /** Takes a token if one is available now. */
  private take(): boolean {
    const b = this.bucket;
    if (b.qps <= 0) return false;
    const now = this.clock.now();
    b.tokens = Math.min(1, b.tokens + ((now - b.last) / 1000) * b.qps);
    b.last = now;
    // Refills are summed in small steps (0.1 × 10 ≠ 1 in floating point): allow a rounding error.
    if (b.tokens < 1 - 1e-9) return false;
    b.tokens = Math.max(0, b.tokens - 1);
    return true;
  }

  /**
   * Processes names from the head while tokens last (one per name; upstream Try). `fn` returns true when
   * the name is done; false puts it at the back for a later drain. Each name is offered at most once per call.
   */
  tryDrain(fn: (name: string) => boolean): void {
    let budget = this.queue.length;
    while (budget-- > 0 && this.queue.length > 0) {
      if (!this.take()) return;
      const name = this.queue.shift()!;
      if (!fn(name)) this.queue.push(name);
    }
  }
}
