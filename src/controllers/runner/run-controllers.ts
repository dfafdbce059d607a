// The controller manager: one client, one shared informer factory, one event recorder, every selected
// controller; optionally behind Lease-based leader election (kube-system/kube-controller-manager).
//
//   runControllers ─► [leader election] ─► build FIRST controllers (nodeipam) ─► factory.start ─► their sync ─► their workers
//                                         └─► [holdUntil] ─► build the others (informers register, start at once)
//                                             └─► wait for cache sync ─► workers ... until signal/lease lost
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  createClient, createEventRecorder, createSharedInformerFactory, realClock, runLeaderElection,
  type ClientConfig, type Clock, type SharedInformerFactory,
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
  /**
   * Start order: the controllers after the first ones (nodeipam) are built and started only once this
   * resolves (default: as soon as the first ones' caches synced). `berth server` holds them until its own
   * node has a pod CIDR, so that node's readiness does not queue behind every other controller's start.
   * It gets the shared informer factory (the first controllers' informers are running) and the run's signal,
   * and must resolve when the signal aborts.
   */
  holdUntil?: (informers: SharedInformerFactory, signal: AbortSignal) => Promise<void>;
}

const noop: Log = () => undefined;

/**
 * Controllers started ahead of the rest, on the sync of their own informers only: the node IPAM controller,
 * whose pod CIDR the node's CNI network (so the node's readiness, and `berth server`'s "ready") waits for;
 * behind ~20 controllers' LISTs and initial reconciles it came hundreds of milliseconds later.
 */
const FIRST: readonly string[] = ['nodeipam'];

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
    const start = (name: string) => startController({
      name, factory: opts.registry[name]!, client, informers, recorder, clock, log, metrics: opts.metrics ?? defaultControllerMetrics, workers: opts.workers,
    });
    // The first controllers' informers list (and their workers start) before the others register theirs.
    const first = names.filter((n) => FIRST.includes(n));
    const firstRunning = first.map(start);
    informers.start(signal);
    const firstReady = first.length ? informers.waitForCacheSync(signal) : Promise.resolve(true);
    const firstRuns = firstRunning.map((r) => r.run(signal, firstReady));
    if (first.length) await firstReady;
    if (opts.holdUntil) await opts.holdUntil(informers, signal);
    const running = names.filter((n) => !FIRST.includes(n)).map(start);
    const ready = informers.waitForCacheSync(signal);
    void ready.then((ok) => {
      if (ok) {
        log('info', `controllers started: ${names.join(', ')}`);
        opts.onReady?.();
      }
    });
    await Promise.all([...firstRuns, ...running.map((r) => r.run(signal, ready))]);
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
