// A work queue with client-go's semantics (util/workqueue: Type + delaying + rate limiting).
//
//   add(k) ─► dirty? ──yes──► (nothing: already pending)
//               │no
//               ▼
//            dirty += k ─► processing? ──yes──► (parked: re-queued by done(k))
//                              │no
//                              ▼
//                          queue.push(k) ─► get() ─► dirty -= k, processing += k ─► worker ─► done(k)
//                                                                                              │
//                                       k ∈ dirty (added while processing) ─► queue.push(k) ◄──┘
//
// Invariants: a key is in `queue` at most once; a key in `queue` is in `dirty`; no key is handed to two
// workers at once (a key is in `processing` from get() until done()); keys come out in FIFO order.
import { realClock, type Clock } from './clock';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters';

export interface WorkQueue<T> {
  /** Marks item as needing processing. No-op after shutDown. */
  add(item: T): void;
  /** Adds item after ms (earliest pending time wins when added again). */
  addAfter(item: T, ms: number): void;
  /** Adds item after the rate limiter's delay for it (counts as a failure). */
  addRateLimited(item: T): void;
  /** Clears the item's failure history (call after a successful reconcile). */
  forget(item: T): void;
  numRequeues(item: T): number;
  /**
   * Waits for the next item. Returns `{ shutdown: true }` once the queue is shut down and (for
   * shutDownWithDrain semantics, always here) empty. Every item returned must be passed to done().
   */
  get(): Promise<{ item: T; shutdown: false } | { item?: undefined; shutdown: true }>;
  /** The worker finished with item; if it was added meanwhile, it is queued again. */
  done(item: T): void;
  /** Stops accepting items; waiting get()s return shutdown once the queue drains. Cancels delayed adds. */
  shutDown(): void;
  shuttingDown(): boolean;
  /** Items ready to hand out (not counting processing or delayed ones). */
  len(): number;
  /** Items waiting on addAfter/addRateLimited. */
  delayedLen(): number;
}

export interface WorkQueueOptions<T> {
  rateLimiter?: RateLimiter<T>;
  clock?: Clock;
}

export function createWorkQueue<T = string>(opts: WorkQueueOptions<T> = {}): WorkQueue<T> {
  const clock = opts.clock ?? realClock;
  const limiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>(clock);
  let queue: T[] = [];
  let head = 0;
  const dirty = new Set<T>();
  const processing = new Set<T>();
  const waiting = new Map<T, { at: number; cancel: () => void }>();
  const getters: Array<() => void> = [];
  let shutdown = false;

  const wake = (): void => {
    const g = getters.shift();
    if (g) g();
  };
  const push = (item: T): void => {
    queue.push(item);
    wake();
  };
  const take = (): T | undefined => {
    if (head >= queue.length) return undefined;
    const item = queue[head++] as T;
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    return item;
  };

  const q: WorkQueue<T> = {
    add(item) {
      if (shutdown || dirty.has(item)) return;
      dirty.add(item);
      if (processing.has(item)) return;
      push(item);
    },
    addAfter(item, ms) {
      if (shutdown) return;
      if (ms <= 0) {
        q.add(item);
        return;
      }
      const at = clock.now() + ms;
      const prev = waiting.get(item);
      if (prev) {
        if (prev.at <= at) return;
        prev.cancel();
      }
      const cancel = clock.setTimeout(() => {
        waiting.delete(item);
        q.add(item);
      }, ms);
      waiting.set(item, { at, cancel });
    },
    addRateLimited: (item) => q.addAfter(item, limiter.when(item)),
    forget: (item) => limiter.forget(item),
    numRequeues: (item) => limiter.numRequeues(item),
    async get() {
      for (;;) {
        if (head < queue.length) {
          const item = take() as T;
          dirty.delete(item);
          processing.add(item);
          return { item, shutdown: false };
        }
        if (shutdown) {
          wake(); // let the next waiting getter see shutdown too
          return { shutdown: true };
        }
        await new Promise<void>((r) => getters.push(r));
      }
    },
    done(item) {
      processing.delete(item);
      if (dirty.has(item)) push(item);
    },
    shutDown() {
      shutdown = true;
      for (const w of waiting.values()) w.cancel();
      waiting.clear();
      for (const g of getters.splice(0)) g();
    },
    shuttingDown: () => shutdown,
    len: () => queue.length - head,
    delayedLen: () => waiting.size,
  };
  return q;
}
