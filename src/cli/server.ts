// `berth server`: the control plane (API server on the store) plus, unless --disable-agent, this machine's
// node agent. Prints one line with `ready` and the kubeconfig path once /readyz answers.
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { defaultDataDir } from './paths';
import { join, resolve } from 'node:path';
import { createStore, parseDatastore, startAutoCompaction } from '../store';
import type { Store } from '../store/types';
import { ensurePki } from '../apiserver/auth/pki';
import { parseGoDuration } from '../api/protobuf/wire-values';
import { ensureServiceAccountKey } from '../apiserver/auth/service-account-token';
import { createApiServer, type ApiServer, type LogLevel } from '../apiserver/server';
import { lockDir, type DirLock } from '../util/dir-lock';
import { adminKubeconfig, writeSecretFile } from './kubeconfig';
import { flagHelp, parseFlags, type FlagSpec } from './flags';
import { createLogger } from './log';
import { CliError } from './errors';
import { startControlPlane, type ControlPlane } from './control-plane';
import { startEmbeddedAgent, dnsIp } from './agent';
import { loadSchedulerConfig } from '../scheduler/config';
import { checkCidrs } from './cidrs';

export { defaultDataDir };

/** The host's primary IPv4 address (first non-internal interface), or 127.0.0.1. */
export function primaryAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export const SERVER_FLAGS: FlagSpec[] = [
  { name: 'data-dir', type: 'string', help: 'directory for all state (store, certificates, kubeconfig)', default: '' },
  { name: 'port', type: 'number', help: 'HTTPS port of the API server', default: 6443 },
  { name: 'bind-address', type: 'string', help: 'address the API server listens on', default: '127.0.0.1' },
  { name: 'datastore', type: 'string', help: "'sqlite' (embedded) or 'etcd://host:port[,host:port...]'", default: 'sqlite' },
  { name: 'node-ip', type: 'string', help: "the address this machine's node registers (default: the host's primary address)" },
  { name: 'node-name', type: 'string', help: "the name of this machine's node (default: the host name)" },
  { name: 'node-labels', type: 'list', help: 'extra labels for this machine\'s node, key=value,...' },
  { name: 'register-with-taints', type: 'list', help: "taints for this machine's node, key[=value]:Effect,..." },
  { name: 'kubelet-port', type: 'number', help: 'HTTPS port of the embedded kubelet (a free port is used when it is taken)', default: 10250 },
  { name: 'pod-manifest-path', type: 'string', help: 'directory of static pod manifests for the embedded kubelet' },
  { name: 'runtime', type: 'string', help: "container runtime of the embedded agent: 'process' or 'oci'", default: 'process' },
  { name: 'disable-agent', type: 'boolean', help: 'run the control plane only, no node agent on this machine' },
  { name: 'disable-scheduler', type: 'boolean', help: 'do not run the scheduler' },
  { name: 'disable-controllers', type: 'boolean', help: 'do not run the controller manager' },
  { name: 'scheduler-config', type: 'string', help: 'a KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1)' },
  { name: 'service-cidr', type: 'string', help: 'range of Service cluster IPs', default: '10.43.0.0/16' },
  { name: 'cluster-cidr', type: 'string', help: 'range of pod IPs; each node gets a /24 of it', default: '10.42.0.0/16' },
  { name: 'pod-network', type: 'string', help: "pod network of the embedded agent: 'auto' (CNI when root with the CNI plugins, else the host network), 'cni' or 'host'", default: 'auto' },
  { name: 'disable-pod-egress', type: 'boolean', help: 'with a CNI pod network, pods cannot reach addresses outside the cluster (by default they can, masqueraded behind the node)' },
  { name: 'proxy-mode', type: 'string', help: "service proxy: 'auto' (iptables when root, else userspace), 'iptables', 'userspace' or 'none'", default: 'auto' },
  { name: 'disable-dns', type: 'boolean', help: 'do not run cluster DNS on this machine' },
  { name: 'disable-ingress', type: 'boolean', help: 'do not run the ingress controller on this machine' },
  { name: 'ingress-http-port', type: 'number', help: 'ingress HTTP port (default 80 as root, else 8080; 0 = a free port)' },
  { name: 'ingress-https-port', type: 'number', help: 'ingress HTTPS port (default 443 as root, else 8443; 0 = a free port)' },
  { name: 'metric-resolution', type: 'string', help: 'how often node and pod CPU/memory are read from the kubelets for metrics.k8s.io (kubectl top, autoscaling), e.g. 15s', default: '15s' },
  { name: 'log-level', type: 'string', help: "'error', 'warn', 'info' or 'debug' (debug logs every request)", default: 'info' },
];

export const SERVER_HELP = `Usage: berth server [flags]

Runs the API server on an embedded SQLite store (or etcd), the scheduler and controllers, and this machine's
node agent. Once the API answers, writes DIR/kubeconfig.yaml and prints a line containing "ready".

Flags:
${flagHelp(SERVER_FLAGS)}
`;

export { CliError };

/** `--metric-resolution` (a Go duration) in ms: at least 1 s, as metrics-server requires a positive resolution. */
export function metricResolution(text: string): number {
  let ns: number;
  try {
    ns = parseGoDuration(text);
  } catch {
    throw new CliError(`invalid --metric-resolution ${JSON.stringify(text)}: want a duration such as 15s or 1m`);
  }
  if (ns < 1e9) throw new CliError(`invalid --metric-resolution ${JSON.stringify(text)}: must be at least 1s`);
  return Math.round(ns / 1e6);
}

export async function runServer(args: string[]): Promise<number> {
  const { flags, rest, help } = parseFlags(args, SERVER_FLAGS);
  if (help) {
    process.stdout.write(SERVER_HELP);
    return 0;
  }
  if (rest.length) throw new CliError(`unexpected argument "${rest[0]}"; run 'berth server --help'`);
  const level = String(flags['log-level']) as LogLevel;
  if (!['error', 'warn', 'info', 'debug'].includes(level)) throw new CliError(`invalid --log-level "${level}": want error, warn, info or debug`);
  const log = createLogger('server', level);
  const dataDir = resolve(String(flags['data-dir'] || defaultDataDir()));
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK | constants.R_OK);
  } catch (e) {
    throw new CliError(`cannot use data dir ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (check that it exists, is a directory and is writable)`);
  }
  const proxyMode = String(flags['proxy-mode']);
  if (!['auto', 'iptables', 'userspace', 'none'].includes(proxyMode)) throw new CliError(`invalid --proxy-mode "${proxyMode}": want auto, iptables, userspace or none`);
  const podNetwork = String(flags['pod-network']);
  if (!['auto', 'cni', 'host'].includes(podNetwork)) throw new CliError(`invalid --pod-network "${podNetwork}": want auto, cni or host`);
  const clusterCidr = String(flags['cluster-cidr']);
  try {
    checkCidrs(clusterCidr, String(flags['service-cidr']));
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const metricsResolutionMs = metricResolution(String(flags['metric-resolution']));
  const runtime = String(flags.runtime);
  if (runtime !== 'process' && runtime !== 'oci') throw new CliError(`invalid --runtime "${runtime}": want process or oci`);
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`invalid --port ${String(flags.port)}`);
  const bindAddress = String(flags['bind-address']);
  const nodeIp = String(flags['node-ip'] ?? primaryAddress());
  if (flags['scheduler-config']) {
    try {
      loadSchedulerConfig(resolve(String(flags['scheduler-config'])));
    } catch (e) {
      throw new CliError(`invalid --scheduler-config: ${(e as Error).message}`);
    }
  }
  let datastore;
  try {
    datastore = parseDatastore(String(flags.datastore), dataDir);
  } catch (e) {
    throw new CliError((e as Error).message);
  }

  let lock: DirLock;
  try {
    lock = lockDir(dataDir);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  let api: ApiServer | undefined;
  let stopped: Promise<number> = Promise.resolve(0);
  /** Stopped through `cleanups` once the API server is up (before it, by the catch below). */
  let cp: ControlPlane | undefined;
  const cleanups: Array<() => Promise<void> | void> = [];
  const shutdown = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        log('warn', `shutdown: ${(e as Error).message}`);
      }
    }
    lock.release();
  };
  try {
    const pki = ensurePki(join(dataDir, 'tls'), [bindAddress, nodeIp]);
    const nodeName = String(flags['node-name'] ?? hostname()).toLowerCase();
    const networking = flags['disable-agent']
      ? undefined
      : {
          nodeName,
          nodeIP: nodeIp,
          proxyMode: proxyMode as 'auto' | 'iptables' | 'userspace' | 'none',
          serviceCidr: String(flags['service-cidr']),
          dns: !flags['disable-dns'],
          dnsServiceIP: dnsIp(String(flags['service-cidr'])),
          ingress: flags['disable-ingress']
            ? undefined
            : {
                bindAddress: nodeIp,
                ...(flags['ingress-http-port'] !== undefined ? { httpPort: Number(flags['ingress-http-port']) } : {}),
                ...(flags['ingress-https-port'] !== undefined ? { httpsPort: Number(flags['ingress-https-port']) } : {}),
              },
        };
    // The control-plane thread starts now, so its code loads while the store opens and the API server starts.
    if (!flags['disable-scheduler'] || !flags['disable-controllers'] || networking) {
      cp = startControlPlane(
        {
          caPem: pki.caPem,
          token: pki.adminToken,
          logLevel: level,
          leaderElect: datastore.datastore === 'etcd',
          schedulerConfig: flags['scheduler-config'] ? resolve(String(flags['scheduler-config'])) : undefined,
          disableScheduler: Boolean(flags['disable-scheduler']),
          disableControllers: Boolean(flags['disable-controllers']),
          clusterCidr,
          networking,
          ...(flags['disable-agent'] ? {} : { localStorage: { nodeName, baseDir: join(dataDir, 'storage') } }),
        },
        log,
      );
    }
    const s: Store = await createStore(datastore);
    cleanups.push(() => s.close());
    // Keep ≥ 150 s and ≥ 10,000 revisions of history (the watch cache resumes within that), compact the rest.
    const compaction = startAutoCompaction(s, { onError: (e) => log('warn', `compaction: ${e.message}`) });
    cleanups.push(() => compaction.stop());
    try {
      api = await createApiServer({
        store: s,
        pki,
        port,
        bindAddress,
        advertiseAddress: nodeIp,
        serviceCidr: String(flags['service-cidr']),
        // Service account tokens outlive restarts: the signing key is kept beside the other keys.
        serviceAccountKey: ensureServiceAccountKey(join(dataDir, 'tls')),
        metricsResolutionMs,
        logLevel: level,
        log,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE') throw new CliError(`port ${port} on ${bindAddress} is already in use (another berth server or program?); choose another with --port`);
      if (err.code === 'EADDRNOTAVAIL') throw new CliError(`cannot listen on ${bindAddress}: no such address on this machine; check --bind-address`);
      if (err.code === 'EACCES') throw new CliError(`not allowed to listen on port ${port} (ports below 1024 need root); choose another with --port`);
      throw e;
    }
    const a = api;
    cleanups.push(() => a.stop());
    if (cp) {
      const c = cp;
      c.run(api.url);
      cleanups.push(() => c.stop());
      api.metrics.sections.push(() => c.metricsText());
    }
    if (!flags['disable-agent']) {
      const agent = await startEmbeddedAgent({
        apiUrl: api.url,
        caPem: pki.caPem,
        token: pki.adminToken,
        nodeName,
        nodeIP: nodeIp,
        runtime,
        dataDir: join(dataDir, 'agent'),
        kubeletPort: Number(flags['kubelet-port']),
        nodeLabels: (flags['node-labels'] as string[] | undefined) ?? [],
        taints: (flags['register-with-taints'] as string[] | undefined) ?? [],
        podManifestPath: flags['pod-manifest-path'] ? resolve(String(flags['pod-manifest-path'])) : undefined,
        clusterDNS: dnsIp(String(flags['service-cidr'])),
        podNetwork: podNetwork as 'auto' | 'cni' | 'host',
        podEgress: !flags['disable-pod-egress'],
        clusterCidr,
        log,
      });
      cleanups.push(() => agent.stop());
      // Say "ready" once this machine's node is registered and Ready, so the first `kubectl get nodes` shows it.
      const nodes = api.registry('', 'nodes');
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const n = nodes?.peek('', nodeName)?.obj as { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined;
        if (n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const kubeconfigPath = join(dataDir, 'kubeconfig.yaml');
    writeSecretFile(kubeconfigPath, adminKubeconfig({ server: api.url, caPem: pki.caPem, token: pki.adminToken }));
    // Listen for SIGINT/SIGTERM before saying "ready": whoever reads that line may signal at once, and a
    // signal with no handler yet would kill the process without its clean stop (pod network, proxy rules).
    stopped = untilStopSignal(shutdown, log);
    process.stdout.write(`berth server ready: API at ${api.url}, kubeconfig written to ${kubeconfigPath} (node join token in ${join(dataDir, 'tls', 'node.token')})\n`);
  } catch (e) {
    await shutdown();
    if (cp && !api) await cp.stop();
    throw e;
  }

  return await stopped;
}

/** Resolves with the exit code once a SIGINT or SIGTERM has run `shutdown`; a second signal exits at once. */
function untilStopSignal(shutdown: () => Promise<void>, log: (l: LogLevel, msg: string) => void): Promise<number> {
  return new Promise<number>((resolvePromise) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) {
        log('warn', `${sig} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      log('info', `${sig} received, shutting down`);
      shutdown().then(
        () => resolvePromise(0),
        () => resolvePromise(1),
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

/** `berth kubeconfig`: prints the admin kubeconfig of the local server. */
export function runKubeconfig(args: string[]): number {
  const specs: FlagSpec[] = [{ name: 'data-dir', type: 'string', help: 'the server data directory', default: '' }];
  const { flags, help } = parseFlags(args, specs);
  if (help) {
    process.stdout.write(`Usage: berth kubeconfig [flags]\n\nPrints the admin kubeconfig of the local berth server.\n\nFlags:\n${flagHelp(specs)}\n`);
    return 0;
  }
  const dataDir = resolve(String(flags['data-dir'] || defaultDataDir()));
  const path = join(dataDir, 'kubeconfig.yaml');
  try {
    process.stdout.write(readFileSync(path, 'utf8'));
    return 0;
  } catch {
    throw new CliError(`no kubeconfig at ${path}: start 'berth server --data-dir ${dataDir}' first`);
  }
}
