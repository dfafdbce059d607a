// `berth agent --server URL --token T [...]`: joins a cluster as the joining contract says — fetch the CA
// from /cacerts (the one unauthenticated, unverified request), check its sha256 against the token's
// `K10<hash>::…` prefix, then run the kubelet with the CA and the whole token as bearer token.
import { createHash } from 'node:crypto';
import { request } from 'node:https';
import { homedir, hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { runKubelet } from './kubelet';
import type { Taint } from './types';

const HELP = `Usage: berth agent --server https://HOST:PORT --token TOKEN [flags]

Flags:
  --server URL                 the API server (required)
  --token T                    the join token from <server data dir>/tls/node.token (required)
  --data-dir DIR               agent state (default \${XDG_DATA_HOME:-~/.local/share}/berth-agent)
  --node-ip IP                 address to register and serve on (default: the host's primary address)
  --node-name NAME             default: the host name
  --node-labels k=v,...        extra node labels
  --register-with-taints k=v:Effect,...
  --kubelet-port N             kubelet HTTPS port (default 10250)
  --runtime process|oci|fake   container runtime (default process)
  --pod-network MODE           auto (CNI when root with the CNI plugins, else host), cni or host
  --cluster-cidr CIDR          the cluster's pod range, routed unreachable here (default 10.42.0.0/16)
  --cni-bin-dir DIRS           CNI plugin directories, colon-separated (default /usr/lib/cni:/opt/cni/bin)
  --pod-egress true|false      with CNI, pods reach addresses outside the cluster, masqueraded (default true)
  --pod-manifest-path DIR      static pod manifests
  --cluster-dns IP             nameserver for ClusterFirst pods
  --cluster-domain D           default cluster.local
  --proxy-mode MODE            service proxy: auto (iptables when root), iptables, userspace or none
  --service-cidr CIDR          the cluster's Service range (default 10.43.0.0/16)
  --enable-dns true            also serve cluster DNS on this node
`;

export class AgentError extends Error {
  override name = 'AgentError';
}

export function parseAgentArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') {
      out.help = 'true';
      continue;
    }
    if (!a.startsWith('--')) throw new AgentError(`unexpected argument: ${a}`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new AgentError(`flag needs an argument: --${name}`);
    const known = ['server', 'token', 'data-dir', 'node-ip', 'node-name', 'node-labels', 'register-with-taints', 'kubelet-port', 'runtime', 'pod-manifest-path', 'cluster-dns', 'cluster-domain', 'proxy-mode', 'service-cidr', 'enable-dns', 'pod-network', 'cluster-cidr', 'cni-bin-dir', 'pod-egress'];
    if (!known.includes(name)) throw new AgentError(`unknown flag: --${name}`);
    out[name] = value;
  }
  return out;
}

export function parseLabels(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (s ?? '').split(',').filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) throw new AgentError(`invalid node label ${JSON.stringify(part)}: want key=value`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

export function parseTaints(s: string | undefined): Taint[] {
  return (s ?? '').split(',').filter(Boolean).map((part) => {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(part);
    if (!m) throw new AgentError(`invalid taint ${JSON.stringify(part)}: want key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
    return { key: m[1]!, ...(m[2] ? { value: m[2] } : {}), effect: m[3] as Taint['effect'] };
  });
}

/** The hash in a `K10<sha256 hex>::node:<secret>` token. */
export function tokenCaHash(token: string): string {
  const m = /^K10([0-9a-f]{64})::/.exec(token);
  if (!m) throw new AgentError('the token is not a join token of the form K10<sha256 of the CA>::node:<secret>');
  return m[1]!;
}

export function fetchCaCerts(server: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/cacerts', server), { rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new AgentError(`GET ${server}/cacerts: HTTP ${res.statusCode}`));
        else resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => reject(new AgentError(`GET ${server}/cacerts: ${e.message}`)));
    req.end();
  });
}

function primaryIP(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

export async function runAgentCommand(args: string[]): Promise<number> {
  let f: Record<string, string>;
  try {
    f = parseAgentArgs(args);
  } catch (e) {
    process.stderr.write(`berth agent: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  if (f.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!f.server || !f.token) {
    process.stderr.write(`berth agent: --server and --token are required\n${HELP}`);
    return 2;
  }
  try {
    const want = tokenCaHash(f.token);
    const caPem = await fetchCaCerts(f.server);
    const got = createHash('sha256').update(caPem).digest('hex');
    if (got !== want) {
      throw new AgentError(`the CA served by ${f.server}/cacerts (sha256 ${got}) does not match the join token (${want}); refusing to join`);
    }
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const runtime = f.runtime ?? 'process';
    if (runtime !== 'process' && runtime !== 'oci' && runtime !== 'fake') throw new AgentError(`--runtime ${runtime}: want process, oci or fake`);
    if (f['pod-egress'] !== undefined && f['pod-egress'] !== 'true' && f['pod-egress'] !== 'false') throw new AgentError(`--pod-egress ${f['pod-egress']}: want true or false`);
    const podNetwork = f['pod-network'] ?? 'auto';
    if (podNetwork !== 'auto' && podNetwork !== 'cni' && podNetwork !== 'host') throw new AgentError(`--pod-network ${podNetwork}: want auto, cni or host`);
    const dataDir = f['data-dir'] ?? join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'berth-agent');
    const config = { server: f.server, ca: Buffer.from(caPem), token: f.token };
    const nodeName = f['node-name'] ?? hostname().toLowerCase();
    const nodeIP = f['node-ip'] ?? primaryIP();
    const proxyMode = f['proxy-mode'] ?? 'auto';
    if (!['auto', 'iptables', 'userspace', 'none'].includes(proxyMode)) throw new AgentError(`--proxy-mode ${proxyMode}: want auto, iptables, userspace or none`);
    // This node's service proxy (and, with --enable-dns, a DNS server) run beside the kubelet, as on every node.
    const { runNodeNetworking } = await import('../cli/networking');
    const networking = runNodeNetworking({
      config, nodeName, nodeIP, proxyMode: proxyMode as 'auto', serviceCidr: f['service-cidr'] ?? '10.43.0.0/16',
      dns: f['enable-dns'] === 'true', dnsServiceIP: f['cluster-dns'] ?? '10.43.0.10', signal: ac.signal,
      log: (level, msg) => { if (level !== 'debug') process.stderr.write(`berth agent ${level}: ${msg}\n`); },
    });
    // PersistentVolumes of the default StorageClass `local-path` that land on this node live under its data dir.
    const { runLocalPathProvisioner } = await import('../controllers/volume');
    const storage = runtime === 'fake'
      ? Promise.resolve()
      : runLocalPathProvisioner({
        config, nodeName, baseDir: join(dataDir, 'storage'), signal: ac.signal,
        log: (level, msg) => { if (level !== 'debug') process.stderr.write(`berth agent ${level}: ${msg}\n`); },
      }).catch((e: unknown) => process.stderr.write(`berth agent error: local-path provisioner stopped: ${(e as Error).message}\n`));
    await runKubelet({
      config,
      nodeName,
      nodeIP,
      runtime,
      dataDir,
      clusterCaPem: caPem,
      kubeletPort: f['kubelet-port'] !== undefined ? Number(f['kubelet-port']) : 10250,
      podManifestPath: f['pod-manifest-path'],
      nodeLabels: parseLabels(f['node-labels']),
      registerWithTaints: parseTaints(f['register-with-taints']),
      clusterDNS: f['cluster-dns'],
      clusterDomain: f['cluster-domain'],
      podNetwork,
      clusterCidr: f['cluster-cidr'] ?? '10.42.0.0/16',
      podEgress: f['pod-egress'] !== 'false',
      ...(f['cni-bin-dir'] ? { cniBinDirs: f['cni-bin-dir'].split(':').filter(Boolean) } : {}),
      signal: ac.signal,
    });
    await networking;
    await storage;
    return 0;
  } catch (e) {
    process.stderr.write(`berth agent: ${(e as Error).message}\n`);
    return 1;
  }
}
