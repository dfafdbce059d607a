// One node's service networking: the service proxy, cluster DNS and the ingress controller, each optional.
// A component that cannot start (say, a port in use) is logged and left out; the others keep running.
import { networkInterfaces } from 'node:os';
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
  /** DNS and the ingress controller start once this resolves (default: at once). */
  startOthers?: Promise<void>;
}

export async function runNodeNetworking(o: NodeNetworkingOptions): Promise<void> {
  const runs: Array<Promise<void>> = [];
  const guard = (what: string, p: Promise<void>) =>
    runs.push(p.catch((e: unknown) => o.log('error', `${what} stopped: ${e instanceof Error ? e.message : String(e)}`)));
  if (o.proxyMode !== 'none') {
    const { runProxy } = await import('../proxy');
    guard('service proxy', runProxy({ config: o.config, nodeName: o.nodeName, nodeIP: o.nodeIP, mode: o.proxyMode, serviceCidr: o.serviceCidr, signal: o.signal, log: o.log }));
  }
  if (o.startOthers) await o.startOthers;
  if (o.signal.aborted) {
    await Promise.all(runs);
    return;
  }
  if (o.dns) {
    guard('cluster DNS', (async () => {
      const { runDns } = await import('../dns');
      // Serve on the node address and publish it as kube-dns' endpoint: the service proxy routes the ClusterIP
      // there (binding the ClusterIP itself would race the proxy putting it on an interface). With a CNI pod
      // network, pods cannot reach a loopback node address: serve on the pod bridge's gateway too and publish that.
      const root = typeof process.getuid === 'function' && process.getuid() === 0;
      const port = root ? 53 : 10053;
      const gateway = await podGateway(o);
      if (o.signal.aborted) return;
      await runDns({
        config: o.config,
        serviceIP: o.dnsServiceIP,
        listen: gateway ? [{ host: o.nodeIP, port }, { host: gateway, port }] : [{ host: o.nodeIP, port }],
        publishEndpoint: { ip: gateway ?? o.nodeIP, nodeName: o.nodeName },
        signal: o.signal,
        log: o.log,
      });
    })());
  }
  if (o.ingress) {
    const { runIngress } = await import('../ingress');
    guard('ingress controller', runIngress({ config: o.config, nodeIP: o.nodeIP, ...o.ingress, signal: o.signal, log: o.log }));
  }
  await Promise.all(runs);
}

/**
 * The pod bridge's gateway address when this node's pods are on a CNI network (node annotation
 * berth.io/pod-network=cni): waits for the node, its pod CIDR and the address on the bridge (the kubelet sets
 * them up within a second or two of starting). Undefined for host-network nodes or after 60 s.
 */
async function podGateway(o: NodeNetworkingOptions): Promise<string | undefined> {
  const { createClient, Resources } = await import('../client');
  const { firstHost } = await import('../kubelet/cni/network');
  const client = createClient(o.config);
  const nodes = client.resource<{ metadata: { annotations?: Record<string, string> }; spec?: { podCIDR?: string } }>(Resources.nodes);
  try {
    const deadline = Date.now() + 60_000;
    while (!o.signal.aborted && Date.now() < deadline) {
      const node = await nodes.get(undefined, o.nodeName).catch(() => undefined);
      const mode = node?.metadata.annotations?.['berth.io/pod-network'];
      if (mode === 'host') return undefined;
      const cidr = node?.spec?.podCIDR;
      if (mode === 'cni' && cidr) {
        const gw = firstHost(cidr);
        if (Object.values(networkInterfaces()).some((as) => as?.some((a) => a.address === gw))) return gw;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!o.signal.aborted) o.log('warn', `cluster DNS: node ${o.nodeName} has no pod network gateway after 60 s; serving on ${o.nodeIP} only`);
    return undefined;
  } finally {
    client.close();
  }
}