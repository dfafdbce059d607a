// `berth scheduler`, `berth controller-manager` and `berth explain pod`: the control-plane components on
// their own, talking to any berth (or Kubernetes) API server through a kubeconfig.
import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import { loadKubeconfig, createClient } from '../client';
import type { LogLevel } from '../apiserver/server';
import type { SchedulerConfig } from '../scheduler';
import { CliError } from './errors';
import { flagHelp, parseFlags, type FlagSpec } from './flags';
import { createLogger } from './log';
import { defaultDataDir } from './paths';

const COMMON: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'kubeconfig of the cluster (default: the local server\'s admin kubeconfig)', default: '' },
  { name: 'log-level', type: 'string', help: "'error', 'warn', 'info' or 'debug'", default: 'info' },
];

function kubeconfigPath(flag: unknown): string {
  return resolve(String(flag || process.env.KUBECONFIG || `${defaultDataDir()}/kubeconfig.yaml`));
}

function load(path: string) {
  try {
    return loadKubeconfig(path);
  } catch (e) {
    throw new CliError(`cannot read kubeconfig ${path}: ${(e as Error).message}`);
  }
}

function untilSignal(run: (signal: AbortSignal) => Promise<void>, log: (l: LogLevel, m: string) => void): Promise<number> {
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  const stop = (sig: string) => {
    log('info', `${sig} received, shutting down`);
    ac.abort();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return run(ac.signal).then(
    () => 0,
    (e: unknown) => {
      throw new CliError((e as Error).message);
    },
  );
}

/** The KubeSchedulerConfiguration named by --config, if any; an invalid file is a one-line error. */
async function schedulerConfigFlag(path: unknown): Promise<SchedulerConfig | undefined> {
  if (!path) return undefined;
  const { loadSchedulerConfig } = await import('../scheduler');
  try {
    return loadSchedulerConfig(resolve(String(path)));
  } catch (e) {
    throw new CliError(`invalid --config: ${(e as Error).message}`);
  }
}

export async function runSchedulerCommand(args: string[]): Promise<number> {
  const specs: FlagSpec[] = [...COMMON, { name: 'config', type: 'string', help: 'a KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1)' }, { name: 'leader-elect', type: 'boolean', help: 'stand for the kube-system/kube-scheduler Lease', default: true }];
  const { flags, help } = parseFlags(args, specs);
  if (help) {
    process.stdout.write(`Usage: berth scheduler [flags]\n\nRuns the scheduler against a cluster's API.\n\nFlags:\n${flagHelp(specs)}\n`);
    return 0;
  }
  const { runScheduler } = await import('../scheduler');
  const schedulerConfig = await schedulerConfigFlag(flags.config);
  const log = createLogger('scheduler', String(flags['log-level']) as LogLevel);
  const config = load(kubeconfigPath(flags.kubeconfig));
  return untilSignal((signal) => runScheduler({ config, signal, log, schedulerConfig, leaderElect: Boolean(flags['leader-elect']) }), log);
}

export async function runControllerManagerCommand(args: string[]): Promise<number> {
  const specs: FlagSpec[] = [...COMMON, { name: 'controllers', type: 'list', help: 'controllers to run, comma-separated (default: all)' }, { name: 'leader-elect', type: 'boolean', help: 'stand for the kube-system/kube-controller-manager Lease', default: true }];
  const { flags, help } = parseFlags(args, specs);
  if (help) {
    process.stdout.write(`Usage: berth controller-manager [flags]\n\nRuns the controllers against a cluster's API.\n\nFlags:\n${flagHelp(specs)}\n`);
    return 0;
  }
  const { runControllers } = await import('../controllers');
  const log = createLogger('controller-manager', String(flags['log-level']) as LogLevel);
  const config = load(kubeconfigPath(flags.kubeconfig));
  const controllers = flags.controllers as string[] | undefined;
  return untilSignal((signal) => runControllers({ config, signal, log, controllers, leaderElect: Boolean(flags['leader-elect']) }), log);
}

export async function runExplainCommand(args: string[]): Promise<number> {
  const specs: FlagSpec[] = [
    ...COMMON,
    { name: 'namespace', type: 'string', help: 'namespace of the pod', default: '' },
    { name: 'config', type: 'string', help: "the scheduler's KubeSchedulerConfiguration file, if it runs with one (default: the default profile)" },
  ];
  const { flags, rest, help } = parseFlags(args, specs);
  if (help || rest.length !== 2 || (rest[0] !== 'pod' && rest[0] !== 'pods' && rest[0] !== 'po')) {
    if (!help) throw new CliError("usage: berth explain pod NAME [--namespace NS] [--config FILE]");
    process.stdout.write(`Usage: berth explain pod NAME [flags]\n\nShows, per node, which scheduler plugin rejects the pod and why, or how each node scores.\n\nFlags:\n${flagHelp(specs)}\n`);
    return 0;
  }
  const { explainPod } = await import('../scheduler');
  const schedulerConfig = await schedulerConfigFlag(flags.config);
  const config = load(kubeconfigPath(flags.kubeconfig));
  const client = createClient(config);
  const ns = String(flags.namespace || config.namespace || 'default');
  try {
    process.stdout.write(await explainPod(client, ns, rest[1]!, schedulerConfig));
  } catch (e) {
    throw new CliError((e as Error).message);
  } finally {
    client.close();
  }
  return 0;
}

export async function runSimCommand(args: string[]): Promise<number> {
  const specs: FlagSpec[] = [...COMMON, { name: 'count', type: 'number', help: 'number of hollow nodes', default: 100 }, { name: 'prefix', type: 'string', help: 'node name prefix', default: 'hollow-node' }];
  const { flags, rest, help } = parseFlags(args, specs);
  if (help || rest[0] !== 'nodes') {
    if (!help) throw new CliError('usage: berth sim nodes --count N [--kubeconfig FILE]');
    process.stdout.write(`Usage: berth sim nodes --count N [flags]\n\nRuns N hollow kubelets in this process (registration, leases, status; pods report Running at once), like kubemark/KWOK.\n\nFlags:\n${flagHelp(specs)}\n`);
    return 0;
  }
  const count = Number(flags.count);
  if (!Number.isInteger(count) || count < 1) throw new CliError(`invalid --count ${String(flags.count)}: want a positive integer`);
  const { runHollowNodes } = await import('../kubelet');
  const log = createLogger('sim', String(flags['log-level']) as LogLevel);
  const config = load(kubeconfigPath(flags.kubeconfig));
  return untilSignal((signal) => runHollowNodes({ config, count, prefix: String(flags.prefix), signal, log, onReady: () => log('info', `${count} hollow nodes registered`) }), log);
}
