// Node IPAM (upstream pkg/controller/nodeipam, range allocator): every node gets a pod CIDR — a /24 by
// default — out of the cluster CIDR in spec.podCIDR/podCIDRs, which the kubelet's CNI network uses. CIDRs
// already on nodes are marked used (so a restarted controller never hands one out twice); a deleted node's
// CIDR is free again once the node is gone. Like upstream, a CIDR is never changed once set.
import { deletedObject, isConflict, isNotFound, Resources, type KubeObject, type Lister } from '../../client';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';

interface Node extends KubeObject {
  spec?: { podCIDR?: string; podCIDRs?: string[] };
}

export interface NodeIpamOptions {
  /** The cluster's pod CIDR (default 10.42.0.0/16, as k3s). */
  clusterCidr?: string;
  /** Prefix length of each node's CIDR (default 24). */
  nodeCidrMaskSize?: number;
}

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';

function parseIPv4(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return undefined;
  const p = m.slice(1).map(Number);
  if (p.some((x) => x > 255)) return undefined;
  return ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
}

const fmt = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** A bitmap of a cluster CIDR's node-sized subnets. */
export class CidrSet {
  readonly base: number;
  readonly size: number;
  private readonly used: Uint8Array;
  private next = 0;

  constructor(readonly clusterCidr: string, readonly maskSize: number) {
    const [addr, len] = clusterCidr.split('/');
    const base = parseIPv4(addr ?? '');
    const prefix = Number(len);
    if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`cluster CIDR ${clusterCidr}: not an IPv4 CIDR`);
    if (!Number.isInteger(maskSize) || maskSize < prefix || maskSize > 30) throw new Error(`node CIDR mask size ${maskSize} must be between the cluster CIDR's prefix (${prefix}) and 30`);
    if (maskSize - prefix > 16) throw new Error(`cluster CIDR ${clusterCidr} with node mask /${maskSize}: more than 65,536 node CIDRs`);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    this.base = (base & mask) >>> 0;
    this.size = 2 ** (maskSize - prefix);
    this.used = new Uint8Array(this.size);
  }

  /** The index of `cidr` in this set, or undefined if it is not one of its subnets. */
  indexOf(cidr: string): number | undefined {
    const [addr, len] = cidr.split('/');
    const a = parseIPv4(addr ?? '');
    if (a === undefined || Number(len) !== this.maskSize) return undefined;
    const off = a - this.base;
    const step = 2 ** (32 - this.maskSize);
    if (off < 0 || off % step !== 0 || off / step >= this.size) return undefined;
    return off / step;
  }

  cidrAt(i: number): string {
    return `${fmt(this.base + i * 2 ** (32 - this.maskSize))}/${this.maskSize}`;
  }

  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    this.used[i] = 1;
    return true;
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.used[i] = 0;
  }

  /** Takes back a subnet just allocated but not used (a failed write): it is the next one handed out. */
  unallocate(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i === undefined) return;
    this.used[i] = 0;
    this.next = i;
  }

  /** The next free subnet (round robin from the last one handed out), or undefined when full. */
  allocate(): string | undefined {
    for (let k = 0; k < this.size; k++) {
      const i = (this.next + k) % this.size;
      if (this.used[i]) continue;
      this.used[i] = 1;
      this.next = (i + 1) % this.size;
      return this.cidrAt(i);
    }
    return undefined;
  }
}

export function nodeIpamControllerWith(o: NodeIpamOptions = {}): ControllerFactory {
  return (ctx: ControllerContext) => {
    const set = new CidrSet(o.clusterCidr ?? DEFAULT_CLUSTER_CIDR, o.nodeCidrMaskSize ?? 24);
    const nodes = ctx.informers.informerFor<Node>(Resources.nodes);
    const owner = new Map<string, string>(); // cidr → node name, for CIDRs seen on nodes
    const note = (n: Node): void => {
      const cidr = n.spec?.podCIDR;
      if (cidr && set.occupy(cidr)) owner.set(cidr, n.metadata?.name ?? '');
    };
    nodes.addEventHandler({
      onAdd: (n) => { note(n); ctx.enqueue(n.metadata?.name ?? ''); },
      onUpdate: (_o, n) => { note(n); ctx.enqueue(n.metadata?.name ?? ''); },
      onDelete: (x) => {
        const n = deletedObject(x);
        const cidr = n.spec?.podCIDR;
        if (cidr && owner.get(cidr) === n.metadata?.name) {
          owner.delete(cidr);
          set.release(cidr);
        }
      },
    });
    return {
      name: 'nodeipam', workers: 1,
      reconcile: createNodeIpamReconciler({ ctx, set, nodes: nodes.lister, owner }),
    };
  };
}

/** The controller with k3s' defaults (10.42.0.0/16, /24 per node). */
export const nodeIpamController: ControllerFactory = nodeIpamControllerWith();

export function createNodeIpamReconciler(d: { ctx: ControllerContext; set: CidrSet; nodes: Lister<Node>; owner: Map<string, string> }): (req: Request) => Promise<Result> {
  const api = d.ctx.client.resource<Node>(Resources.nodes);
  return async (req) => {
    const node = d.nodes.get(undefined, req.name);
    if (!node || node.spec?.podCIDR || node.metadata?.deletionTimestamp) return {};
    // every node in the cache is noted before any reconcile runs (informer handlers run before workers start)
    const cidr = d.set.allocate();
    if (!cidr) {
      d.ctx.recorder.event(node, 'Warning', 'CIDRNotAvailable', `Node ${req.name} status is now: CIDRNotAvailable`);
      return { requeueAfterMs: 30_000 };
    }
    try {
      // Unconditional (the kubelet updates its node's status all the time): a node that got a CIDR meanwhile
      // is refused by validation (a podCIDR is set only once), and the next reconcile sees it in the cache.
      await api.patch(undefined, req.name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      d.owner.set(cidr, req.name);
      d.ctx.log('info', `nodeipam: node ${req.name} gets pod CIDR ${cidr}`);
    } catch (e) {
      d.set.unallocate(cidr);
      if (isNotFound(e)) return {};
      if (isConflict(e)) throw e;
      d.ctx.recorder.event(node, 'Warning', 'CIDRAssignmentFailed', `Node ${req.name} status is now: CIDRAssignmentFailed`);
      throw e;
    }
    return {};
  };
}
