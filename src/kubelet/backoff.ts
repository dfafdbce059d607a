// CrashLoopBackOff bookkeeping, after client-go's flowcontrol.Backoff as the kubelet uses it: the first
// restart of a container is immediate; each later restart waits a delay that starts at 10 s and doubles up
// to 5 min, counted from the moment the container last finished. A container that ran for 10 minutes
// before it exited starts over at the initial delay (KEP-4603's reset rule), and so does an entry not
// touched for twice the maximum.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** A run at least this long resets the delay (default 10 min). */
  resetAfterRunMs?: number;
}

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class CrashBackoff {
  private readonly entries = new Map<string, Entry>();
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterRunMs: number;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 10_000;
    this.maxMs = opts.maxMs ?? 300_000;
    this.resetAfterRunMs = opts.resetAfterRunMs ?? 600_000;
  }

  /**
   * How long, from `now`, a restart of the container `key` that finished at `finishedAt` (after running
   * `ranMs`) must still wait; 0 means restart now. Does not change the state.
   */
  remaining(key: string, now: number, finishedAt: number, ranMs: number): number {
    const e = this.entries.get(key);
    if (!e || this.expired(e, now, ranMs)) return 0;
    return Math.max(0, finishedAt + e.delayMs - now);
  }

  /** The delay currently in force for `key` (for the CrashLoopBackOff message), 0 when none. */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Records a restart at `now`: the next one waits the initial delay, or twice the current one. */
  next(key: string, now: number, ranMs: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, now, ranMs)) {
      this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
      return;
    }
    e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
    e.lastUpdate = now;
  }

  forget(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  private expired(e: Entry, now: number, ranMs: number): boolean {
    return ranMs >= this.resetAfterRunMs || now - e.lastUpdate > 2 * this.maxMs;
  }
}
