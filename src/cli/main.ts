// The berth command: one executable for every role (DESIGN.md §2).
const HELP = `berth — a Kubernetes-compatible container orchestrator

Usage: berth <command> [flags]

Commands:
  server       run the API server, store, scheduler, controllers and (unless --disable-agent) a node agent
  kubeconfig   print the admin kubeconfig of the local server
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
    case 'server':
      process.stderr.write(`berth server: the API server is not built yet (${rest.length} flags ignored)\n`);
      return 1;
    default:
      process.stderr.write(`berth: unknown command "${cmd}"; run 'berth --help'\n`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
