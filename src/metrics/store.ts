// The latest resource usage of every node, pod and container, as metrics-server keeps it: each scrape of a
// node's kubelet replaces that node's entries; cpu usage is a rate computed from two cumulative readings
// (usageCoreNanoSeconds) of the same container, so a container shows up from its second scrape on (or its
// first, when the kubelet already reports a rate of its own).
//
//   scrape(node) ──► ingest(node, summary, at)
//                      node:      prev cumulative ──► rate over [prev.at, at] = window
//                      pod/ctr:   same, reset when the container restarts (startTime changes) or its
//                                 cumulative counter goes backwards
//                      pods no longer in the summary are forgotten
//
// Invariant: a pod is served only when every container in its summary has both a cpu rate and memory.
import type { CpuStats, Summary } from './summary';

export interface Usage {
  /** End of the measurement window (ms since the epoch). */
  timestamp: number;
  windowMs: number;
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface PodUsage {
  namespace: string;
  name: string;
  node: string;
  timestamp: number;
  windowMs: number;
  containers: Array<{ name: string; usage: Usage }>;
}

interface Point {
  cumNs: number;
  at: number;
  startTime?: string;
}

interface Series {
  prev?: Point;
  usage?: Usage;
}

interface PodEntry {
  node: string;
  uid?: string;
  containers: Map<string, Series>;
  /** Container names in the latest summary, in its order. */
  order: string[];
}

const timeOf = (s: string | undefined, fallback: number): number => {
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : fallback;
};

/**
 * Folds a new reading into a series. `defaultWindowMs` is used when only the kubelet's own rate is known.
 * Returns the series' new state (a fresh object; the old one is not mutated).
 */
function advance(prev: Series | undefined, cpu: CpuStats | undefined, memoryBytes: number | undefined, at: number, startTime: string | undefined, defaultWindowMs: number): Series {
  const next: Series = {};
  const cum = cpu?.usageCoreNanoSeconds;
  const t = timeOf(cpu?.time, at);
  if (cum !== undefined) next.prev = startTime !== undefined ? { cumNs: cum, at: t, startTime } : { cumNs: cum, at: t };
  if (memoryBytes === undefined) return next;
  const p = prev?.prev;
  const sameRun = p !== undefined && p.startTime === startTime && cum !== undefined && cum >= p.cumNs && t > p.at;
  if (sameRun) {
    const windowMs = t - p.at;
    next.usage = { timestamp: t, windowMs, cpuNanoCores: ((cum - p.cumNs) / windowMs) * 1e3, memoryBytes };
  } else if (cpu?.usageNanoCores !== undefined) {
    next.usage = { timestamp: t, windowMs: defaultWindowMs, cpuNanoCores: cpu.usageNanoCores, memoryBytes };
  }
  return next;
}

export class MetricsStore {
  private readonly nodes = new Map<string, Series>();
  private readonly pods = new Map<string, PodEntry>(); // `${namespace}/${name}`

  /** @param defaultWindowMs the window reported for rates the kubelet computed itself (the scrape interval). */
  constructor(private readonly defaultWindowMs: number) {}

  /** Replaces everything known about `node` with what its summary at time `at` (ms) says. */
  ingest(node: string, s: Summary, at: number): void {
    this.nodes.set(node, advance(this.nodes.get(node), s.node.cpu, s.node.memory?.workingSetBytes, at, undefined, this.defaultWindowMs));
    const seen = new Set<string>();
    for (const p of s.pods) {
      const key = `${p.podRef.namespace}/${p.podRef.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const old = this.pods.get(key);
      const same = old !== undefined && old.node === node && old.uid === p.podRef.uid;
      const entry: PodEntry = { node, containers: new Map(), order: [] };
      if (p.podRef.uid) entry.uid = p.podRef.uid;
      for (const c of p.containers) {
        if (entry.containers.has(c.name)) continue;
        const prev = same ? old.containers.get(c.name) : undefined;
        entry.containers.set(c.name, advance(prev, c.cpu, c.memory?.workingSetBytes, at, c.startTime, this.defaultWindowMs));
        entry.order.push(c.name);
      }
      this.pods.set(key, entry);
    }
    for (const [key, e] of this.pods) if (e.node === node && !seen.has(key)) this.pods.delete(key);
  }

  /** Forgets a node and its pods (its kubelet could not be scraped, or the node is gone). */
  dropNode(node: string): void {
    this.nodes.delete(node);
    for (const [key, e] of this.pods) if (e.node === node) this.pods.delete(key);
  }

  /** Names of the nodes the store holds anything for. */
  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  node(name: string): Usage | undefined {
    return this.nodes.get(name)?.usage;
  }

  /** The pod's usage, or undefined while some container has no complete sample (or the pod is unknown). */
  pod(namespace: string, name: string): PodUsage | undefined {
    const e = this.pods.get(`${namespace}/${name}`);
    if (!e || e.order.length === 0) return undefined;
    const containers: PodUsage['containers'] = [];
    for (const n of e.order) {
      const u = e.containers.get(n)?.usage;
      if (!u) return undefined;
      containers.push({ name: n, usage: u });
    }
    return {
      namespace, name, node: e.node,
      timestamp: Math.min(...containers.map((c) => c.usage.timestamp)),
      windowMs: Math.max(...containers.map((c) => c.usage.windowMs)),
      containers,
    };
  }
}
