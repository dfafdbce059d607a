// The scheduler cache: every node's aggregates plus indexes that keep Filter and Score O(1) per node.
//
//   informer events ──► addNode/updateNode/removeNode, addPod/updatePod/removePod (bound pods)
//   binder          ──► assume(pod, node) before the Binding call; forget() if it fails; the informer's
//                       copy of the bound pod later replaces the assumed one (same key).
//
// Indexes, all maintained incrementally:
// - counters: for a (namespaces, label selector, topology key) that some pod asked about (spread
//   constraints, the incoming pod's affinity terms), the number of matching pods per topology value.
//   Created on first use by one scan of the assigned pods, then O(1) per pod event; LRU-bounded.
// - existingTerms: affinity terms declared by assigned pods, with how many such pods sit in each
//   topology value. Checking "does some existing pod's anti-affinity forbid this node" is then
//   O(distinct terms), not O(pods).
// - imageNodes: how many nodes hold each image (ImageLocality's spread factor).
// - nominated: pods nominated to a node by preemption, whose room other pods must not take.
// Invariant: a pod key is on at most one NodeInfo; counters and existingTerms count exactly the pods on
// NodeInfos whose node has the topology label.
import { termMatches, type AffinityTerm, type PodInfo } from './pod-info';
import { NodeInfo } from './node-info';
import type { LabelSelector } from '../api/selectors';
import type { Node } from './types';

export interface Counter {
  readonly namespaces: ReadonlySet<string> | null;
  readonly selector: LabelSelector;
  readonly topologyKey: string;
  readonly counts: Map<string, number>;
  /** The same pods per node name (only nodes that hold some): lets a plugin count over a subset of nodes. */
  readonly byNode: Map<string, number>;
}

export type TermKind = 'requiredAffinity' | 'requiredAntiAffinity' | 'preferredAffinity' | 'preferredAntiAffinity';

export interface ExistingTerm {
  readonly kind: TermKind;
  readonly term: AffinityTerm;
  readonly weight: number;
  readonly counts: Map<string, number>;
  total: number;
}

interface PodEntry {
  info: PodInfo;
  node: string;
  assumed: boolean;
}

const MAX_COUNTERS = 1024;

/** The parts of a Node the plugins read. */
export const schedulingView = (n: Node): string =>
  JSON.stringify([n.metadata?.labels, n.spec?.taints, n.spec?.unschedulable, n.status?.allocatable, n.status?.capacity, n.status?.images]);

export class SchedulerCache {
  readonly nodes = new Map<string, NodeInfo>();
  private list: NodeInfo[] = [];
  private listDirty = true;
  readonly pods = new Map<string, PodEntry>();
  readonly imageNodes = new Map<string, number>();
  private readonly counters = new Map<string, Counter>();
  readonly existingTerms = new Map<string, ExistingTerm>();
  readonly nominated = new Map<string, Map<string, PodInfo>>();
  private readonly nominatedOf = new Map<string, string>();
  /** Bumped when nodes come, go, or change labels/taints (domain sets change). */
  nodeSetGeneration = 0;

  /** Nodes that have a Node object, in a stable order (the sampling order). */
  nodeList(): NodeInfo[] {
    if (this.listDirty) {
      this.list = [...this.nodes.values()].filter((n) => n.node !== undefined).sort((a, b) => (a.name < b.name ? -1 : 1));
      this.listDirty = false;
    }
    return this.list;
  }

  private info(name: string): NodeInfo {
    let n = this.nodes.get(name);
    if (!n) this.nodes.set(name, (n = new NodeInfo(name)));
    return n;
  }

  upsertNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const n = this.info(name);
    const old = n.node;
    // Heartbeats (conditions, timestamps) change nothing the plugins read: keep the generation, so the
    // equivalence and score caches stay valid.
    if (old && schedulingView(old) === schedulingView(node)) {
      n.node = node;
      return;
    }
    const labelsChanged = !old || JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(node.metadata?.labels ?? {});
    if (labelsChanged) for (const p of n.pods.values()) this.index(p, n, -1);
    for (const img of n.images.keys()) this.bumpImage(img, -1);
    n.setNode(node);
    for (const img of n.images.keys()) this.bumpImage(img, 1);
    if (labelsChanged) for (const p of n.pods.values()) this.index(p, n, 1);
    if (!old || labelsChanged || JSON.stringify(old.spec?.taints ?? []) !== JSON.stringify(node.spec?.taints ?? [])) this.nodeSetGeneration++;
    if (!old) this.listDirty = true;
  }

  removeNode(name: string): void {
    const n = this.nodes.get(name);
    if (!n) return;
    for (const img of n.images.keys()) this.bumpImage(img, -1);
    for (const p of n.pods.values()) this.index(p, n, -1);
    if (n.pods.size === 0) this.nodes.delete(name);
    else n.setNode(undefined); // pods still point here; keep a placeholder like kube-scheduler
    for (const p of n.pods.values()) this.index(p, n, 1); // no labels now: counts nothing
    this.listDirty = true;
    this.nodeSetGeneration++;
  }

  private bumpImage(img: string, d: number): void {
    const v = (this.imageNodes.get(img) ?? 0) + d;
    if (v > 0) this.imageNodes.set(img, v);
    else this.imageNodes.delete(img);
  }

  /** Adds or replaces a pod on a node (bound per the API, or assumed by us). */
  addPod(info: PodInfo, nodeName: string, assumed = false): void {
    this.removePod(info.key);
    const n = this.info(nodeName);
    n.addPod(info);
    this.index(info, n, 1);
    this.pods.set(info.key, { info, node: nodeName, assumed });
    this.clearNominated(info.key);
  }

  removePod(key: string): PodInfo | undefined {
    const e = this.pods.get(key);
    if (!e) return undefined;
    this.pods.delete(key);
    const n = this.nodes.get(e.node);
    if (n) {
      n.removePod(key);
      this.index(e.info, n, -1);
      if (!n.node && n.pods.size === 0) this.nodes.delete(e.node);
    }
    return e.info;
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed === true;
  }

  nodeOf(key: string): string | undefined {
    return this.pods.get(key)?.node;
  }

  private index(p: PodInfo, n: NodeInfo, d: 1 | -1): void {
    for (const c of this.counters.values()) {
      const v = n.labels[c.topologyKey];
      if (v === undefined || (c.namespaces && !c.namespaces.has(p.namespace)) || !c.selector.matches(p.labels)) continue;
      const x = (c.counts.get(v) ?? 0) + d;
      if (x > 0) c.counts.set(v, x);
      else c.counts.delete(v);
      const y = (c.byNode.get(n.name) ?? 0) + d;
      if (y > 0) c.byNode.set(n.name, y);
      else c.byNode.delete(n.name);
    }
    const terms = (kind: TermKind, ts: readonly AffinityTerm[], weight: (t: AffinityTerm) => number): void => {
      for (const t of ts) {
        const w = weight(t);
        const key = `${kind}|${w}|${t.key}`;
        let e = this.existingTerms.get(key);
        if (!e) {
          if (d < 0) continue;
          this.existingTerms.set(key, (e = { kind, term: t, weight: w, counts: new Map(), total: 0 }));
        }
        e.total += d;
        const v = n.labels[t.topologyKey];
        if (v !== undefined) {
          const x = (e.counts.get(v) ?? 0) + d;
          if (x > 0) e.counts.set(v, x);
          else e.counts.delete(v);
        }
        if (e.total <= 0) this.existingTerms.delete(key);
      }
    };
    if (p.requiredAffinity.length) terms('requiredAffinity', p.requiredAffinity, () => 0);
    if (p.requiredAntiAffinity.length) terms('requiredAntiAffinity', p.requiredAntiAffinity, () => 0);
    if (p.preferredAffinity.length) terms('preferredAffinity', p.preferredAffinity, (t) => (t as AffinityTerm & { weight?: number }).weight ?? 1);
    if (p.preferredAntiAffinity.length) terms('preferredAntiAffinity', p.preferredAntiAffinity, (t) => (t as AffinityTerm & { weight?: number }).weight ?? 1);
  }

  /**
   * Matching assigned pods per topology value for (namespaces, selector, topologyKey); `key` must
   * identify those three. The first call scans the assigned pods once; later calls are O(1).
   */
  counter(key: string, namespaces: ReadonlySet<string> | null, selector: LabelSelector, topologyKey: string): Counter {
    let c = this.counters.get(key);
    if (c) {
      this.counters.delete(key);
      this.counters.set(key, c); // most recently used last
      return c;
    }
    c = { namespaces, selector, topologyKey, counts: new Map(), byNode: new Map() };
    for (const e of this.pods.values()) {
      const n = this.nodes.get(e.node);
      const v = n?.labels[topologyKey];
      if (v === undefined || (namespaces && !namespaces.has(e.info.namespace)) || !selector.matches(e.info.labels)) continue;
      c.counts.set(v, (c.counts.get(v) ?? 0) + 1);
      c.byNode.set(e.node, (c.byNode.get(e.node) ?? 0) + 1);
    }
    this.counters.set(key, c);
    while (this.counters.size > MAX_COUNTERS) this.counters.delete(this.counters.keys().next().value as string);
    return c;
  }

  termCounter(t: AffinityTerm): Counter {
    const ns = this.termNamespaces(t);
    return this.counter(`term|${t.key}${t.nsSelector ? `|${ns ? [...ns].sort().join(',') : '*'}` : ''}`, ns, t.selector, t.topologyKey);
  }

  /** The namespaces a term covers now: named ones plus those its namespaceSelector selects (null: all). */
  termNamespaces(t: AffinityTerm): ReadonlySet<string> | null {
    if (t.namespaces === null || t.nsSelector === null) return t.namespaces;
    const out = new Set(t.namespaces);
    for (const [ns, labels] of this.namespaceLabels) if (t.nsSelector.matches(labels)) out.add(ns);
    return out;
  }

  /** Labels of each namespace (namespaceSelector in affinity terms), from the namespaces informer. */
  readonly namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  readonly nsLabelsOf = (ns: string): Readonly<Record<string, string>> | undefined => this.namespaceLabels.get(ns);

  /** Does `t` select `pod`, namespaceSelector included? */
  termMatches(t: AffinityTerm, pod: PodInfo): boolean {
    return termMatches(t, pod, this.nsLabelsOf);
  }

  /** Existing pods' terms of `kind` that select `pod`. */
  *termsSelecting(kind: TermKind, pod: PodInfo): Generator<ExistingTerm> {
    for (const e of this.existingTerms.values()) if (e.kind === kind && termMatches(e.term, pod, this.nsLabelsOf)) yield e;
  }

  nominate(pod: PodInfo, nodeName: string): void {
    this.clearNominated(pod.key);
    let m = this.nominated.get(nodeName);
    if (!m) this.nominated.set(nodeName, (m = new Map()));
    m.set(pod.key, pod);
    this.nominatedOf.set(pod.key, nodeName);
  }

  clearNominated(key: string): void {
    const node = this.nominatedOf.get(key);
    if (node === undefined) return;
    this.nominatedOf.delete(key);
    const m = this.nominated.get(node);
    m?.delete(key);
    if (m?.size === 0) this.nominated.delete(node);
  }

  nominatedNodeOf(key: string): string | undefined {
    return this.nominatedOf.get(key);
  }
}
