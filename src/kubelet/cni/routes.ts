// Routes to other nodes' pods (flannel's host-gw, in the manner k3s offers it): each node's pod CIDR is
// routed through that node's InternalIP, so pods on different machines reach each other unmasqueraded —
// the Kubernetes network model. It needs the nodes to share a link (the next hop must be on-link); a route
// the kernel refuses is logged once and retried on the next change. Nodes on this very host (same address)
// need no route: their bridges' subnets are connected routes already.
import type { LogFn } from '../types';
import type { HostExec } from './network';

/** What a route needs from a Node: its name, Node.spec.podCIDR and its InternalIP. */
export interface PeerNode {
  name: string;
  podCidr: string | undefined;
  ip: string | undefined;
}

interface NodeLike {
  metadata?: { name?: string };
  spec?: { podCIDR?: string };
  status?: { addresses?: Array<{ type?: string; address?: string }> };
}

/** A Node's route-relevant fields (InternalIP first, else ExternalIP). */
export function peerOf(n: NodeLike): PeerNode {
  const addrs = n.status?.addresses ?? [];
  const ip = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.type === 'ExternalIP')?.address;
  return { name: n.metadata?.name ?? '', podCidr: n.spec?.podCIDR, ip };
}

/** The routes wanted: pod CIDR → next hop, for every other node that has both on another address. */
export function wantedRoutes(peers: readonly PeerNode[], self: { name: string; ip: string; podCidr: string | undefined }): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of peers) {
    if (p.name === self.name || !p.podCidr || !p.ip || p.ip === self.ip || p.podCidr === self.podCidr) continue;
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(p.podCidr) || !/^\d+\.\d+\.\d+\.\d+$/.test(p.ip) || p.ip.startsWith('127.')) continue;
    out.set(p.podCidr, p.ip);
  }
  return out;
}

export class PodRoutes {
  /** Routes this kubelet installed: pod CIDR → next hop. */
  private readonly installed = new Map<string, string>();
  /** Route attempts the kernel refused (logged once each). */
  private readonly refused = new Set<string>();
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly host: HostExec, private readonly log: LogFn) {}

  /** Brings the routes in line with `want` (serialized; the last call wins). */
  sync(want: ReadonlyMap<string, string>): Promise<void> {
    this.running = this.running.catch(() => undefined).then(() => this.apply(want));
    return this.running;
  }

  private async apply(want: ReadonlyMap<string, string>): Promise<void> {
    for (const [cidr, via] of [...this.installed]) {
      if (want.get(cidr) === via) continue;
      await this.host('ip', ['route', 'del', cidr, 'via', via]);
      this.installed.delete(cidr);
      this.log('info', `pod network: removed route ${cidr} via ${via}`);
    }
    for (const [cidr, via] of want) {
      if (this.installed.get(cidr) === via) continue;
      const r = await this.host('ip', ['route', 'replace', cidr, 'via', via]);
      const key = `${cidr} via ${via}`;
      if (r.code !== 0) {
        if (!this.refused.has(key)) this.log('warn', `pod network: cannot route ${key} (the nodes must share a link): ${r.stderr.trim()}`);
        this.refused.add(key);
        continue;
      }
      this.refused.delete(key);
      this.installed.set(cidr, via);
      this.log('info', `pod network: route ${key}`);
    }
  }

  /** Removes every route this kubelet installed. */
  async clear(): Promise<void> {
    await this.sync(new Map());
  }

  /** The installed routes (tests). */
  get routes(): ReadonlyMap<string, string> {
    return this.installed;
  }
}
