// Time, injected. Every loop in the client library that waits (backoff, resync, work queue delays, leases,
// rate limits) goes through a Clock so tests can drive time deterministically with FakeClock.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs fn once after ms; returns a function that cancels it (a no-op after it ran). */
  setTimeout(fn: () => void, ms: number): () => void;
  /**
   * Resolves after ms, or as soon as signal aborts. Never rejects: callers check `signal.aborted`
   * after waking, which keeps every loop's shutdown path one line.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function sleepWith(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The wall clock (Date.now and the host's timers). Timers are unref'd: a pending wait never keeps the process alive. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return () => clearTimeout(t);
  },
  sleep(ms, signal) {
    return sleepWith(realClock, ms, signal);
  },
};

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told. Timers fire in (time, creation) order during `advance`/`tick`.
 * `tick` also lets pending promise callbacks run after every fired timer, so async loops of the form
 * "sleep, do async work, sleep again" make progress within one call.
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer: FakeTimer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /** Number of timers not yet fired (a waiting loop shows up here). */
  pending(): number {
    return this.timers.length;
  }

  /** Time of the next timer, if any. */
  nextAt(): number | undefined {
    return this.next()?.at;
  }

  private next(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const x of this.timers) if (!best || x.at < best.at || (x.at === best.at && x.seq < best.seq)) best = x;
    return best;
  }

  private fireOne(limit: number): boolean {
    const n = this.next();
    if (!n || n.at > limit) return false;
    this.timers.splice(this.timers.indexOf(n), 1);
    this.t = Math.max(this.t, n.at);
    n.fn();
    return true;
  }

  /** Moves time forward by ms, firing due timers synchronously (no promise callbacks run in between). */
  advance(ms: number): void {
    const target = this.t + ms;
    while (this.fireOne(target));
    this.t = target;
  }

  /** Moves time forward by ms, letting promise callbacks and I/O callbacks settle after each timer. */
  async tick(ms: number): Promise<void> {
    const target = this.t + ms;
    await flush();
    while (this.fireOne(target)) await flush();
    this.t = target;
    await flush();
  }
}

/** Lets queued promise callbacks (and already-due I/O callbacks) run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
