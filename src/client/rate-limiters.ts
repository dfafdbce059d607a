// Work queue rate limiters (client-go util/workqueue): small pieces that compose.
//   when(item)        → how long to wait before the item may be processed again (ms)
//   forget(item)      → the item succeeded: clear its failure history
//   numRequeues(item) → failures recorded so far
import { realClock, type Clock } from './clock';
import { TokenBucket } from './token-bucket';

export interface RateLimiter<T> {
  when(item: T): number;
  forget(item: T): void;
  numRequeues(item: T): number;
}

/** baseMs · 2^failures, capped at maxMs, per item. */
export function exponentialFailureRateLimiter<T>(baseMs = 5, maxMs = 1_000_000): RateLimiter<T> {
  const failures = new Map<T, number>();
  return {
    when(item) {
      const n = failures.get(item) ?? 0;
      failures.set(item, n + 1);
      const d = baseMs * 2 ** n;
      return Number.isFinite(d) && d < maxMs ? d : maxMs;
    },
    forget: (item) => void failures.delete(item),
    numRequeues: (item) => failures.get(item) ?? 0,
  };
}

/** fastMs for the first maxFastAttempts failures of an item, slowMs after. */
export function fastSlowRateLimiter<T>(fastMs: number, slowMs: number, maxFastAttempts: number): RateLimiter<T> {
  const failures = new Map<T, number>();
  return {
    when(item) {
      const n = (failures.get(item) ?? 0) + 1;
      failures.set(item, n);
      return n <= maxFastAttempts ? fastMs : slowMs;
    },
    forget: (item) => void failures.delete(item),
    numRequeues: (item) => failures.get(item) ?? 0,
  };
}

/** One token bucket for all items: an overall ceiling of qps with burst (no per-item memory). */
export function bucketRateLimiter<T>(qps = 10, burst = 100, clock: Clock = realClock): RateLimiter<T> {
  const bucket = new TokenBucket(qps, burst, clock);
  return { when: () => bucket.reserve(), forget: () => undefined, numRequeues: () => 0 };
}

/** The longest wait any of the limiters asks for; requeues are the most any reports. */
export function maxOfRateLimiter<T>(...limiters: Array<RateLimiter<T>>): RateLimiter<T> {
  return {
    when: (item) => limiters.reduce((m, l) => Math.max(m, l.when(item)), 0),
    forget: (item) => limiters.forEach((l) => l.forget(item)),
    numRequeues: (item) => limiters.reduce((m, l) => Math.max(m, l.numRequeues(item)), 0),
  };
}

/** client-go's DefaultControllerRateLimiter: per-item 5 ms → 1000 s, overall 10 qps / 100 burst. */
export function defaultControllerRateLimiter<T>(clock: Clock = realClock): RateLimiter<T> {
  return maxOfRateLimiter<T>(exponentialFailureRateLimiter<T>(5, 1_000_000), bucketRateLimiter<T>(10, 100, clock));
}
