// The scheduler in a worker thread, so its CPU-bound cycles never stall the API server's event loop
// (DESIGN.md §7) and the two use both cores. The main thread keeps a small handle: stop(), stats().
//
//   main thread                         worker thread (this same module)
//   startSchedulerWorker(opts) ──────►  runScheduler({ ...opts, signal })
//   stop()  ── 'stop' ──────────────►   abort → runScheduler resolves → exit
//   stats() ── 'stats' ─────────────►   ◄── { bound, latenciesMs?, algorithm stats }
//   log     ◄── 'log' ────────────────  every log line
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { ClientConfig } from '../client/index';
import type { Techniques } from './algorithm';
import type { SchedulerConfig } from './config';
import type { Log } from './scheduler';

export interface SchedulerWorkerOptions {
  config: ClientConfig;
  schedulerConfig?: SchedulerConfig | string;
  leaderElect?: boolean;
  techniques?: Partial<Techniques>;
  maxInFlightBinds?: number;
  scheduledEvents?: boolean;
  log?: Log;
  /**
   * The module the thread runs (default: this file). A bundled build must point it at a module that
   * imports this one without running anything else at top level.
   */
  entry?: URL;
}

export interface SchedulerWorkerStats {
  bound: number;
  /** Epoch ms when the scheduling loop started (caches synced), if it has. */
  loopStartedAt?: number;
  /** Per-pod attempt latencies (cycle start → Binding answered), when asked for. */
  latenciesMs?: number[];
  /** Epoch ms at which each Binding was answered, in order, when latencies are asked for. */
  boundAtMs?: number[];
  algorithm: { cycles: number; filterCalls: number; feasibilityHits: number; scoreCalls: number; scoreHits: number };
  queue: { active: number; backoff: number; unschedulable: number; inflight: number };
}

export interface SchedulerWorker {
  stats(withLatencies?: boolean): Promise<SchedulerWorkerStats>;
  /** Aborts the scheduler and resolves once the thread has exited. */
  stop(): Promise<void>;
  /** Resolves when the thread exits; rejects if it failed (e.g. invalid configuration). */
  readonly done: Promise<void>;
}

type ToWorker = { type: 'stop' } | { type: 'stats'; id: number; latencies: boolean };
type FromWorker = { type: 'log'; level: Parameters<Log>[0]; msg: string } | { type: 'stats'; id: number; stats: SchedulerWorkerStats } | { type: 'error'; msg: string };

export function startSchedulerWorker(opts: SchedulerWorkerOptions): SchedulerWorker {
  const { log, entry: _entry, ...data } = opts;
  const entry = opts.entry ?? new URL(import.meta.url);
  // Under tsx (tests, benchmarks) the thread registers the TypeScript loader first.
  const w = entry.pathname.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true, workerData: { berthScheduler: data } })
    : new Worker(entry, { workerData: { berthScheduler: data } });
  const waiting = new Map<number, (s: SchedulerWorkerStats) => void>();
  let seq = 0;
  let failure: string | undefined;
  w.on('message', (m: FromWorker) => {
    if (m.type === 'log') log?.(m.level, m.msg);
    else if (m.type === 'error') failure = m.msg;
    else waiting.get(m.id)?.(m.stats), waiting.delete(m.id);
  });
  const done = new Promise<void>((resolve, reject) => {
    w.on('error', reject);
    w.on('exit', (code) => (failure || code !== 0 ? reject(new Error(failure ?? `scheduler worker exited with ${code}`)) : resolve()));
  });
  done.catch(() => undefined);
  return {
    done,
    stats(latencies = false) {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        waiting.set(id, resolve);
        done.then(() => reject(new Error('scheduler worker has exited')), reject);
        w.postMessage({ type: 'stats', id, latencies } satisfies ToWorker);
      });
    },
    async stop() {
      w.postMessage({ type: 'stop' } satisfies ToWorker);
      await done;
    },
  };
}

/** Buffers arrive as plain Uint8Arrays after structured cloning. */
function revive(c: ClientConfig): ClientConfig {
  const b = (x: Uint8Array | undefined): Buffer | undefined => (x ? Buffer.from(x) : undefined);
  return { ...c, ca: b(c.ca), cert: b(c.cert), key: b(c.key) };
}

async function workerMain(port: NonNullable<typeof parentPort>, o: Omit<SchedulerWorkerOptions, 'log'>): Promise<void> {
  const { runScheduler } = await import('./run');
  const ac = new AbortController();
  let sched: import('./scheduler').Scheduler | undefined;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'stop') return ac.abort();
    const s = sched;
    const stats: SchedulerWorkerStats = {
      bound: s?.bound.length ?? 0,
      ...(s?.loopStartedAt !== undefined ? { loopStartedAt: performance.timeOrigin + s.loopStartedAt } : {}),
      ...(m.latencies && s ? { latenciesMs: s.bound.map((b) => b.ms), boundAtMs: s.bound.map((b) => performance.timeOrigin + b.at) } : {}),
      algorithm: { ...(s?.algorithm.stats ?? { cycles: 0, filterCalls: 0, feasibilityHits: 0, scoreCalls: 0, scoreHits: 0 }) },
      queue: s?.queue.stats() ?? { active: 0, backoff: 0, unschedulable: 0, inflight: 0 },
    };
    port.postMessage({ type: 'stats', id: m.id, stats } satisfies FromWorker);
  });
  try {
    await runScheduler({
      ...o, config: revive(o.config), signal: ac.signal, onStarted: (s) => (sched = s),
      log: (level, msg) => port.postMessage({ type: 'log', level, msg } satisfies FromWorker),
    });
  } catch (e) {
    port.postMessage({ type: 'error', msg: (e as Error).message } satisfies FromWorker);
  }
  port.close();
}

const wd = workerData as { berthScheduler?: Omit<SchedulerWorkerOptions, 'log'> } | undefined;
if (!isMainThread && parentPort && wd?.berthScheduler) void workerMain(parentPort, wd.berthScheduler);
