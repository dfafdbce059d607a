// The node agent embedded in `berth server`: this machine's kubelet, in the server's process, talking to
// the API over HTTPS like any agent. Stopping it never stops the containers it runs (Borg's rule): a
// restarted server adopts them.
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:net';
import type { LogLevel } from '../apiserver/server';
import { parseCidr, ipToString } from '../apiserver/registry/allocator';
import { CliError } from './errors';

export interface EmbeddedAgentOptions {
  apiUrl: string;
  caPem: string;
  token: string;
  nodeName: string;
  nodeIP: string;
  runtime: string;
  dataDir: string;
  kubeletPort: number;
  nodeLabels: string[];
  taints: string[];
  podManifestPath?: string;
  clusterDNS?: string;
  podNetwork?: 'auto' | 'cni' | 'host';
  podEgress?: boolean;
  clusterCidr?: string;
  log: (l: LogLevel, msg: string) => void;
}

/** The cluster DNS Service's address: the 10th of the service range, as k3s does. */
export function dnsIp(serviceCidr: string): string {
  return ipToString(parseCidr(serviceCidr).base + 10);
}

/** `port` when it can be bound on `host`, else 0 (a free one). */
function portOrFree(host: string, port: number): Promise<number> {
  if (port === 0) return Promise.resolve(0);
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(0));
    s.listen(port, host, () => s.close(() => resolve(port)));
  });
}

export async function startEmbeddedAgent(o: EmbeddedAgentOptions): Promise<{ stop(): Promise<void> }> {
  if (o.runtime !== 'process' && o.runtime !== 'oci') throw new CliError(`--runtime ${o.runtime}: want process or oci`);
  const { runKubelet } = await import('../kubelet');
  const { parseLabels, parseTaints } = await import('../kubelet/agent-command');
  let labels;
  let taints;
  try {
    labels = parseLabels(o.nodeLabels.join(','));
    taints = parseTaints(o.taints.join(','));
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const port = await portOrFree(o.nodeIP, o.kubeletPort);
  if (port !== o.kubeletPort) o.log('warn', `kubelet port ${o.kubeletPort} is in use on ${o.nodeIP}; serving on a free port instead`);
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  let ready!: () => void;
  const up = new Promise<void>((r) => (ready = r));
  const done = runKubelet({
    config: { server: o.apiUrl, ca: Buffer.from(o.caPem), token: o.token, userAgent: 'berth-kubelet' },
    nodeName: o.nodeName,
    nodeIP: o.nodeIP,
    runtime: o.runtime as 'process' | 'oci',
    dataDir: o.dataDir,
    clusterCaPem: o.caPem,
    kubeletPort: port,
    podManifestPath: o.podManifestPath,
    nodeLabels: labels,
    registerWithTaints: taints,
    clusterDNS: o.clusterDNS,
    ...(o.podNetwork ? { podNetwork: o.podNetwork } : {}),
    ...(o.clusterCidr ? { clusterCidr: o.clusterCidr } : {}),
    ...(o.podEgress === false ? { podEgress: false } : {}),
    signal: ac.signal,
    log: (level, msg) => o.log(level, `kubelet: ${msg}`),
    onReady: () => ready(),
  }).catch((e: unknown) => {
    o.log('error', `kubelet stopped: ${(e as Error).message}`);
  });
  await Promise.race([up, done]);
  return {
    async stop() {
      ac.abort();
      await done;
    },
  };
}
