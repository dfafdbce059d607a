// runScheduler: the entry point `berth server` and `berth scheduler` call. Stands for leader election
// on the Lease kube-system/kube-scheduler (unless leaderElect is false), and while leading runs the
// scheduler; resolves when `signal` aborts.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createClient, realClock, runLeaderElection, type ClientConfig, type Clock } from '../client/index';
import { ALL_TECHNIQUES, type Techniques } from './algorithm';
import { defaultSchedulerConfig, loadSchedulerConfig, type SchedulerConfig } from './config';
import type { PluginFactory } from './framework';
import { Scheduler, type Log } from './scheduler';

export interface RunSchedulerOptions {
  config: ClientConfig;
  signal: AbortSignal;
  log?: Log;
  /** A parsed configuration, or the path of a KubeSchedulerConfiguration YAML file (validated at start). */
  schedulerConfig?: SchedulerConfig | string;
  clock?: Clock;
  /** Lease-based leader election (default true). */
  leaderElect?: boolean;
  /** Borg's techniques, each on by default (the benchmark switches them off one at a time). */
  techniques?: Partial<Techniques>;
  /** Injected randomness for tie-breaking (default Math.random). */
  random?: () => number;
  /** Binding calls kept in flight while the next cycles run (default 64). */
  maxInFlightBinds?: number;
  /** Emit a Normal "Scheduled" event per bound pod (default true). */
  scheduledEvents?: boolean;
  /**
   * Out-of-tree plugins by name (upstream's WithFrameworkOutOfTreeRegistry). Enable them through a parsed
   * `schedulerConfig` object (YAML configuration is validated against the in-tree plugins only).
   */
  registry?: Readonly<Record<string, PluginFactory>>;
  /** Called with the running scheduler each time this instance starts leading (tests, benchmark). */
  onStarted?: (s: Scheduler) => void;
}

export async function runScheduler(opts: RunSchedulerOptions): Promise<void> {
  const log: Log = opts.log ?? (() => undefined);
  const clock = opts.clock ?? realClock;
  const cfg = typeof opts.schedulerConfig === 'string' ? loadSchedulerConfig(opts.schedulerConfig) : opts.schedulerConfig ?? defaultSchedulerConfig();
  const client = createClient(opts.config, { clock });
  const eventClient = createClient(opts.config, { clock });
  const start = async (signal: AbortSignal): Promise<void> => {
    const s = new Scheduler({
      client, eventClient, config: cfg, clock, log, techniques: { ...ALL_TECHNIQUES, ...opts.techniques }, random: opts.random ?? Math.random,
      maxInFlightBinds: opts.maxInFlightBinds ?? 64, scheduledEvents: opts.scheduledEvents ?? true,
      ...(opts.registry ? { registry: opts.registry } : {}),
    });
    opts.onStarted?.(s);
    log('info', `scheduler: running profiles ${[...s.profiles.keys()].join(', ')}`);
    await s.run(signal);
  };
  try {
    if (opts.leaderElect === false) {
      await start(opts.signal);
      return;
    }
    const identity = `${hostname()}_${randomUUID()}`;
    while (!opts.signal.aborted) {
      await runLeaderElection({
        client, namespace: 'kube-system', name: 'kube-scheduler', identity, clock, signal: opts.signal,
        onStartedLeading: (sig) => start(sig),
        onNewLeader: (id) => log('info', `scheduler: leader is ${id}`),
        onError: (e) => log('warn', `scheduler: leader election: ${String(e)}`),
      });
    }
  } finally {
    client.close();
    eventClient.close();
  }
}
