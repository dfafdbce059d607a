// The berth command: one executable for every role (DESIGN.md §2).
import { FlagError } from './flags';
import { CliError } from './errors';

const HELP = `berth — a Kubernetes-compatible container orchestrator

Usage: berth <command> [flags]

Commands:
  server       run the API server, store, scheduler, controllers and (unless --disable-agent) a node agent
  kubeconfig   print the admin kubeconfig of the local server
  agent        join another machine's cluster as a node (--server URL --token T)
  scheduler    run the scheduler alone against a cluster (--kubeconfig)
  controller-manager
               run the controllers alone against a cluster (--kubeconfig)
  explain      explain pod NAME: per node, why the scheduler rejects or how it scores the pod
  sim          sim nodes --count N: N hollow nodes in one process, for scale tests
  images       images import FILE | ls | rm REF: the node's image store (for --runtime oci)
  version      print berth's version and the Kubernetes API version it serves
  help         show this help

Run 'berth <command> --help' for a command's flags.
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    case 'version':
    case '--version': {
      const { KUBE_VERSION } = await import('../apiserver/server');
      process.stdout.write(`berth ${KUBE_VERSION.gitVersion} (Kubernetes API v${KUBE_VERSION.major}.${KUBE_VERSION.minor})\n`);
      return 0;
    }
    // Commands load their modules on demand, so `berth --help` stays instant.
    case 'server':
      return (await import('./server')).runServer(rest);
    case 'kubeconfig':
      return (await import('./server')).runKubeconfig(rest);
    case 'scheduler':
      return (await import('./components')).runSchedulerCommand(rest);
    case 'controller-manager':
      return (await import('./components')).runControllerManagerCommand(rest);
    case 'explain':
      return (await import('./components')).runExplainCommand(rest);
    case 'sim':
      return (await import('./components')).runSimCommand(rest);
    case 'images':
      return (await import('../kubelet/images/cli')).runImagesCommand(rest);
    case 'agent':
      return (await import('../kubelet')).runAgentCommand(rest);
    default:
      process.stderr.write(`berth: unknown command "${cmd}"; run 'berth --help'\n`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof CliError || e instanceof FlagError) {
    process.stderr.write(`berth: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    const err = e as Error;
    process.stderr.write(`berth: ${err.message ?? String(e)}\n`);
    if (process.env.BERTH_DEBUG) process.stderr.write(`${err.stack ?? ''}\n`);
    process.exitCode = 1;
  }
}
