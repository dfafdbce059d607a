// Periodic compaction for any Store, by time window: keep at least `retainMs` of history and at least
// `keepRevisions` revisions (the larger of the two wins), compact everything older.
//
//   tick every intervalMs: sample (now, current) ─▶ target = min(newest sample taken ≥ retainMs ago,
//                                                            current − keepRevisions) ─▶ compact(target)
import type { Store } from './types';

export interface AutoCompactionOptions {
  /** How often to look; default 60 s. */
  intervalMs?: number;
  /** History to keep, in time; default 150 s (the apiserver's watch cache needs ≥ 75 s). */
  retainMs?: number;
  /** History to keep, in revisions; default 10,000. */
  keepRevisions?: number;
  now?: () => number;
  /** Failures of a round (the next round tries again); default: ignored. */
  onError?: (err: Error) => void;
  signal?: AbortSignal;
}

export interface AutoCompaction {
  /** One round now; resolves with the revision compacted to, or undefined when nothing was due. */
  runOnce(): Promise<number | undefined>;
  stop(): void;
}

export function startAutoCompaction(store: Store, opts: AutoCompactionOptions = {}): AutoCompaction {
  const intervalMs = opts.intervalMs ?? 60_000;
  const retainMs = opts.retainMs ?? 150_000;
  const keepRevisions = opts.keepRevisions ?? 10_000;
  const now = opts.now ?? Date.now;
  let samples: Array<{ at: number; rev: number }> = [];
  let running: Promise<number | undefined> | undefined;

  const round = async (): Promise<number | undefined> => {
    const { current, compacted } = await store.revisions();
    const t = now();
    samples.push({ at: t, rev: current });
    const old = samples.filter((s) => s.at <= t - retainMs);
    const newestOld = old[old.length - 1];
    // Keep the newest old sample (the next target) and everything younger.
    samples = samples.filter((s) => s.at > t - retainMs || s === newestOld);
    if (!newestOld) return undefined;
    const target = Math.min(newestOld.rev, current - keepRevisions);
    if (target <= compacted || target <= 0) return undefined;
    await store.compact(target);
    return target;
  };
  const runOnce = (): Promise<number | undefined> => {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((err: unknown) => opts.onError?.(err instanceof Error ? err : new Error(String(err))));
  }, intervalMs);
  timer.unref();
  const stop = (): void => clearInterval(timer);
  opts.signal?.addEventListener('abort', stop, { once: true });
  return { runOnce, stop };
}
