// One node's service networking: the service proxy, cluster DNS and the ingress controller, each optional.
// A component that cannot start (say, a port in use) is logged and left out; the others keep running.
import type { ClientConfig } from '../client';
import type { LogLevel } from '../apiserver/server';

export interface NodeNetworkingOptions {
  config: ClientConfig;
  nodeName: string;
  nodeIP: string;
  /** 'auto' (iptables when root, else userspace), 'iptables', 'userspace' or 'none'. */
  proxyMode: 'auto' | 'iptables' | 'userspace' | 'none';
  serviceCidr: string;
  dns: boolean;
  dnsServiceIP: string;
  /** Ingress listeners; undefined = no ingress controller. */
  ingress?: { httpPort?: number; httpsPort?: number; bindAddress?: string };
  signal: AbortSignal;
  log: (l: LogLevel, msg: string) => void;
}

export async function runNodeNetworking(o: NodeNetworkingOptions): Promise<void> {
  const runs: Array<Promise<void>> = [];
  const guard = (what: string, p: Promise<void>) =>
    runs.push(p.catch((e: unknown) => o.log('error', `${what} stopped: ${e instanceof Error ? e.message : String(e)}`)));
  if (o.proxyMode !== 'none') {
    const { runProxy } = await import('../proxy');
    guard('service proxy', runProxy({ config: o.config, nodeName: o.nodeName, nodeIP: o.nodeIP, mode: o.proxyMode, serviceCidr: o.serviceCidr, signal: o.signal, log: o.log }));
  }
  if (o.dns) {
    const { runDns } = await import('../dns');
    // Serve on the node address and publish it as kube-dns' endpoint: the service proxy routes the ClusterIP
    // there (binding the ClusterIP itself would race the proxy putting it on an interface).
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    guard('cluster DNS', runDns({
      config: o.config,
      serviceIP: o.dnsServiceIP,
      listen: [{ host: o.nodeIP, port: root ? 53 : 10053 }],
      publishEndpoint: { ip: o.nodeIP, nodeName: o.nodeName },
      signal: o.signal,
      log: o.log,
    }));
  }
  if (o.ingress) {
    const { runIngress } = await import('../ingress');
    guard('ingress controller', runIngress({ config: o.config, nodeIP: o.nodeIP, ...o.ingress, signal: o.signal, log: o.log }));
  }
  await Promise.all(runs);
}
