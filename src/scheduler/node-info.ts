// NodeInfo: one node's aggregates, updated incrementally as pods are added and removed, so every Filter
// is O(1) in the number of pods on the node.
//
//   Node object ──► labels, taints, allocatable, images
//   pods bound or assumed here ──► requested (+ non-zero requested for scoring), pod count, host ports
//   any change ──► generation = next global generation (feasibility and score caches key on it)
import { resourceAmount } from './quantity';
import type { HostPort, PodInfo, Resources } from './pod-info';
import type { Node, Taint } from './types';

let globalGeneration = 0;
export const nextGeneration = (): number => ++globalGeneration;
let nextId = 0;

export class NodeInfo {
  node: Node | undefined;
  labels: Readonly<Record<string, string>> = {};
  taints: readonly Taint[] = [];
  unschedulable = false;
  allocatable: Resources = {};
  allowedPods = 0;
  /** image name → size in bytes */
  images = new Map<string, number>();
  requested: Resources = {};
  nonZeroCpu = 0;
  nonZeroMem = 0;
  readonly pods = new Map<string, PodInfo>();
  /** `${protocol}/${port}` → ip → count */
  readonly usedPorts = new Map<string, Map<string, number>>();
  generation = nextGeneration();
  /** A small dense integer, unique per NodeInfo: per-class caches are arrays indexed by it. */
  readonly id = nextId++;

  constructor(readonly name: string) {}

  setNode(node: Node | undefined): void {
    this.node = node;
    this.labels = node?.metadata?.labels ?? {};
    this.taints = node?.spec?.taints ?? [];
    this.unschedulable = node?.spec?.unschedulable === true;
    const alloc = node?.status?.allocatable ?? node?.status?.capacity ?? {};
    this.allocatable = {};
    for (const [k, v] of Object.entries(alloc)) this.allocatable[k] = resourceAmount(k, v);
    this.allowedPods = this.allocatable.pods ?? 0;
    this.images = new Map();
    for (const img of node?.status?.images ?? []) for (const n of img.names ?? []) this.images.set(n, img.sizeBytes ?? 0);
    this.generation = nextGeneration();
  }

  addPod(p: PodInfo): void {
    this.pods.set(p.key, p);
    this.update(p, 1);
  }

  removePod(key: string): PodInfo | undefined {
    const p = this.pods.get(key);
    if (!p) return undefined;
    this.pods.delete(key);
    this.update(p, -1);
    return p;
  }

  private update(p: PodInfo, sign: 1 | -1): void {
    for (const [k, v] of Object.entries(p.requests)) this.requested[k] = (this.requested[k] ?? 0) + sign * v;
    this.nonZeroCpu += sign * p.nonZeroCpu;
    this.nonZeroMem += sign * p.nonZeroMem;
    for (const hp of p.hostPorts) {
      const pk = `${hp.protocol}/${hp.port}`;
      let ips = this.usedPorts.get(pk);
      if (!ips) this.usedPorts.set(pk, (ips = new Map()));
      const n = (ips.get(hp.ip) ?? 0) + sign;
      if (n > 0) ips.set(hp.ip, n);
      else ips.delete(hp.ip);
      if (ips.size === 0) this.usedPorts.delete(pk);
    }
    this.generation = nextGeneration();
  }

  /** Would `hp` collide with a port already used here? 0.0.0.0 collides with every address. */
  portInUse(hp: HostPort): boolean {
    const ips = this.usedPorts.get(`${hp.protocol}/${hp.port}`);
    if (!ips) return false;
    if (hp.ip === '0.0.0.0') return ips.size > 0;
    return ips.has(hp.ip) || ips.has('0.0.0.0');
  }

  /** A copy with its own aggregates (for preemption's what-ifs and nominated pods). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.labels = this.labels;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.allocatable = this.allocatable;
    c.allowedPods = this.allowedPods;
    c.images = this.images;
    for (const p of this.pods.values()) c.addPod(p);
    return c;
  }
}
