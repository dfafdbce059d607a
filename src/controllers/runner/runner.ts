// Runs one controller: its work queue, its workers, backoff, metrics. Queue bookkeeping lives here only.
import { createWorkQueue, defaultControllerRateLimiter, type Client, type Clock, type EventRecorder, type RateLimiter, type SharedInformerFactory } from '../../client';
import type { ControllerMetrics } from './metrics';
import { requestFromKey, type Controller, type ControllerFactory, type Log } from './types';

export interface StartControllerOptions {
  name: string;
  factory: ControllerFactory;
  client: Client;
  informers: SharedInformerFactory;
  recorder: EventRecorder;
  clock: Clock;
  log: Log;
  metrics?: ControllerMetrics;
  rateLimiter?: RateLimiter<string>;
  /** Overrides the controller's own worker count. */
  workers?: number;
}

export interface RunningController {
  readonly controller: Controller;
  /** Starts the workers once `ready` resolves true (caches synced); resolves when they all stopped. */
  run(signal: AbortSignal, ready: Promise<boolean>): Promise<void>;
  /** Items waiting (ready + delayed); for tests and metrics. */
  depth(): number;
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Builds the controller (its informers and handlers register now) and returns a handle to run it. */
export function startController(o: StartControllerOptions): RunningController {
  const queue = createWorkQueue<string>({ clock: o.clock, rateLimiter: o.rateLimiter ?? defaultControllerRateLimiter<string>(o.clock) });
  const depth = (): number => queue.len() + queue.delayedLen();
  o.metrics?.register(o.name, () => queue.len());
  /** When each waiting key was (or is due to be) added, for workqueue_queue_duration_seconds. */
  const since = new Map<string, number>();
  const mark = (key: string, at: number): void => {
    if (o.metrics && !since.has(key)) since.set(key, at);
  };
  const controller = o.factory({
    client: o.client, informers: o.informers, recorder: o.recorder, clock: o.clock, log: o.log,
    enqueue(key) {
      o.metrics?.added(o.name);
      mark(key, o.clock.now());
      queue.add(key);
    },
    enqueueAfter(key, ms) {
      o.metrics?.added(o.name);
      mark(key, o.clock.now() + Math.max(0, ms));
      queue.addAfter(key, ms);
    },
  });

  async function worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const next = await queue.get();
      if (next.shutdown) return;
      const key = next.item;
      const added = since.get(key);
      if (added !== undefined) {
        since.delete(key);
        o.metrics?.queued(o.name, Math.max(0, o.clock.now() - added) / 1000);
      }
      const started = performance.now();
      try {
        const res = await controller.reconcile(requestFromKey(key), signal);
        o.metrics?.observed(o.name, (performance.now() - started) / 1000, true);
        queue.forget(key);
        if (res?.requeueAfterMs !== undefined && !signal.aborted) queue.addAfter(key, Math.max(0, res.requeueAfterMs));
      } catch (e) {
        o.metrics?.observed(o.name, (performance.now() - started) / 1000, false);
        if (!signal.aborted) {
          o.metrics?.retried(o.name);
          const level = queue.numRequeues(key) > 5 ? 'warn' : 'debug';
          o.log(level, `${o.name}: error syncing ${key} (retry ${queue.numRequeues(key) + 1}): ${msg(e)}`);
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  }

  return {
    controller,
    depth,
    async run(signal, ready) {
      const stop = (): void => queue.shutDown();
      signal.addEventListener('abort', stop, { once: true });
      if (signal.aborted) stop();
      try {
        const own = controller.start ? controller.start(signal) : Promise.resolve(true);
        const [shared, mine] = await Promise.all([ready, own]);
        if (!shared || !mine) return;
        const n = o.workers ?? controller.workers ?? 2;
        await Promise.all(Array.from({ length: n }, () => worker(signal)));
      } finally {
        queue.shutDown();
        o.metrics?.unregister(o.name);
      }
    },
  };
}
