// The controller manager: one client, one shared informer factory, one event recorder, every selected
// controller; optionally behind Lease-based leader election (kube-system/kube-controller-manager).
//
//   runControllers ─► [leader election] ─► build controllers (informers register) ─► factory.start
//                                             └─► wait for cache sync ─► workers ... until signal/lease lost
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  createClient, createEventRecorder, createSharedInformerFactory, realClock, runLeaderElection,
  type ClientConfig, type Clock,
} from '../../client';
import { defaultControllerMetrics, type ControllerMetrics } from './metrics';
import { startController } from './runner';
import type { ControllerFactory, Log } from './types';

export interface RunControllersOptions {
  config: ClientConfig;
  signal: AbortSignal;
  log?: Log;
  /** Drives queues' delays and controllers' time-based decisions (default: the wall clock). */
  clock?: Clock;
  /** Names of the controllers to run (default: all of `registry`). Unknown names are an error. */
  controllers?: string[];
  /** Stand for the kube-system/kube-controller-manager Lease and act only while holding it (default true). */
  leaderElect?: boolean;
  /** Leader election identity (default `<hostname>_<uuid>`). */
  identity?: string;
  /** Where queue depth, queue and reconcile latency and retries are counted (default: the process-wide registry `metrics()` renders). */
  metrics?: ControllerMetrics;
  /** Workers per controller, overriding each controller's default. */
  workers?: number;
  /** The controllers available by name (default: every controller of this package). */
  registry?: Record<string, ControllerFactory>;
  /** Called once every controller's caches have synced (tests). */
  onReady?: () => void;
}

const noop: Log = () => undefined;

/** Runs the controllers until `signal` aborts; resolves then (after workers and informers stopped). */
export async function runControllers(opts: RunControllersOptions & { registry: Record<string, ControllerFactory> }): Promise<void> {
  const log = opts.log ?? noop;
  const clock = opts.clock ?? realClock;
  const names = opts.controllers ?? Object.keys(opts.registry);
  for (const n of names) if (!opts.registry[n]) throw new Error(`unknown controller "${n}" (known: ${Object.keys(opts.registry).join(', ')})`);
  const client = createClient({ userAgent: 'berth-controller-manager', ...opts.config });

  const runOnce = async (signal: AbortSignal): Promise<void> => {
    // Every informer, watch and work queue listens on this signal.
    setMaxListeners(0, signal);
    const informers = createSharedInformerFactory(client, { onError: (e, where) => log('warn', `informer: ${where}: ${String(e)}`) });
    const recorder = createEventRecorder(client, { component: 'controller-manager', clock, onError: (e) => log('debug', `event: ${String(e)}`) });
    const running = names.map((name) => startController({
      name, factory: opts.registry[name]!, client, informers, recorder, clock, log, metrics: opts.metrics ?? defaultControllerMetrics, workers: opts.workers,
    }));
    informers.start(signal);
    const ready = informers.waitForCacheSync(signal);
    void ready.then((ok) => {
      if (ok) {
        log('info', `controllers started: ${names.join(', ')}`);
        opts.onReady?.();
      }
    });
    await Promise.all(running.map((r) => r.run(signal, ready)));
    await informers.shutdown();
    await recorder.flush();
  };

  try {
    if (opts.leaderElect === false) {
      await runOnce(opts.signal);
      return;
    }
    const identity = opts.identity ?? `${hostname()}_${randomUUID()}`;
    while (!opts.signal.aborted) {
      let leading: Promise<void> | undefined;
      await runLeaderElection({
        client, namespace: 'kube-system', name: 'kube-controller-manager', identity, signal: opts.signal,
        onStartedLeading: (s) => {
          log('info', `${identity} became leader`);
          leading = runOnce(s);
        },
        onStoppedLeading: () => log('info', `${identity} stopped leading`),
        onError: (e) => log('debug', `leader election: ${String(e)}`),
      });
      if (leading) await leading;
      if (!opts.signal.aborted) await clock.sleep(1000, opts.signal);
    }
  } finally {
    client.close();
  }
}
