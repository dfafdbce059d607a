// One scheduling cycle's pure part: PreFilter → Filter over a sample of nodes → PreScore/Score/Normalize
// → pick, against the cache as it stands in this turn of the event loop (the cycle is synchronous, so
// the cache *is* the snapshot: no informer event can land mid-cycle).
//
// Borg's scaling techniques, each switchable (Techniques):
// - equivalenceClasses: node-local Filter verdicts are memoized per (pod class, node, node generation).
//   Pods of one owner with identical requirements share one feasibility computation per node state.
// - scoreCache: node-local raw scores memoized the same way, reused while the node is unchanged.
// - sampling: relaxed randomization; stop after numFeasibleNodesToFind feasible nodes, starting at a
//   rotating offset (percentageOfNodesToScore; adaptive: max(5, 50 − n/125) %, at least 100 nodes).
import type { SchedulerCache } from './cache';
import { FitError } from './fit-error';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import type { Profile } from './profile';
import { CycleState, type Status } from './types';
import type { FilterPlugin, FilterRunner } from './framework';

const ACTIVE_FILTERS = 'framework/activeFilters';

export interface Techniques {
  equivalenceClasses: boolean;
  scoreCache: boolean;
  sampling: boolean;
}
export const ALL_TECHNIQUES: Techniques = { equivalenceClasses: true, scoreCache: true, sampling: true };

const MIN_FEASIBLE_NODES = 100;
const MIN_PERCENTAGE = 5;

/** How many feasible nodes to look for among n (kube-scheduler's numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(n: number, percentage: number): number {
  if (n < MIN_FEASIBLE_NODES || percentage >= 100) return n;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(MIN_PERCENTAGE, 50 - n / 125);
  return Math.max(MIN_FEASIBLE_NODES, Math.floor((n * pct) / 100));
}

export interface NodeScore {
  node: string;
  total: number;
  /** plugin → weighted, normalized score */
  byPlugin: Record<string, number>;
}

export type CycleResult =
  | { ok: true; node: string; state: CycleState; feasible: number; evaluated: number; scores?: NodeScore[] }
  | { ok: false; fit: FitError; state: CycleState; error?: undefined }
  | { ok: false; error: string; state: CycleState; fit?: undefined };

/** Per-class memo, indexed by NodeInfo.id: the node generation a value was computed at, and the value. */
class Memo<T> {
  gens: number[] = [];
  vals: T[] = [];
  get(id: number, gen: number): T | undefined {
    return this.gens[id] === gen ? this.vals[id] : undefined;
  }
  has(id: number, gen: number): boolean {
    return this.gens[id] === gen;
  }
  set(id: number, gen: number, v: T): void {
    this.gens[id] = gen;
    this.vals[id] = v;
  }
}

export interface AlgorithmOptions {
  cache: SchedulerCache;
  percentageOfNodesToScore: number;
  techniques: Techniques;
  random: () => number;
}

export class SchedulingAlgorithm {
  private nextStart = 0;
  private readonly feasibility = new Map<string, Memo<Status | undefined>>();
  private readonly scoreMemo = new Map<string, Memo<number[]>>();
  /** Counters for the benchmark and tests. */
  readonly stats = { cycles: 0, filterCalls: 0, feasibilityHits: 0, scoreCalls: 0, scoreHits: 0 };

  constructor(private readonly o: AlgorithmOptions) {}

  private classMemo<T>(m: Map<string, Memo<T>>, key: string): Memo<T> {
    let x = m.get(key);
    if (x) return x;
    if (m.size >= 1024) m.delete(m.keys().next().value as string);
    m.set(key, (x = new Memo<T>()));
    return x;
  }

  /** Nominated pods of at least this pod's priority whose room on `node` it must leave free. */
  private nominatedFor(pod: PodInfo, node: NodeInfo): PodInfo[] | undefined {
    const noms = this.o.cache.nominated.get(node.name);
    if (!noms) return undefined;
    let out: PodInfo[] | undefined;
    for (const p of noms.values()) {
      if (p.key === pod.key || p.priority < pod.priority || node.pods.has(p.key)) continue;
      (out ??= []).push(p);
    }
    return out;
  }

  /** A FilterRunner over this profile (preemption's what-ifs), nominated pods included. */
  filterRunner(profile: Profile): FilterRunner {
    return {
      runFilters: (s, p, n) => this.runFilters(profile, s, p, n),
      addPod: (s, p, o, n) => profile.addPod(s, p, o, n),
      removePod: (s, p, o, n) => profile.removePod(s, p, o, n),
    };
  }

  /** The filters to run this cycle (PreFilter Skips removed), computed once per cycle. */
  private active(profile: Profile, state: CycleState): { local: FilterPlugin[]; global: FilterPlugin[] } {
    let a = state.read<{ local: FilterPlugin[]; global: FilterPlugin[] }>(ACTIVE_FILTERS);
    if (!a) {
      a = { local: profile.localFilters.filter((f) => !state.skipFilter.has(f.name)), global: profile.globalFilters.filter((f) => !state.skipFilter.has(f.name)) };
      state.write(ACTIVE_FILTERS, a);
    }
    return a;
  }

  /**
   * Runs the filters on `node`, as upstream's RunFilterPluginsWithNominatedPods: when nominated pods of
   * at least this priority wait for room on it, first with them added (node and PreFilter state, via
   * PreFilterExtensions), and if that passes, again without them (some filters, like pod affinity,
   * may only pass without them).
   */
  runFilters(profile: Profile, state: CycleState, pod: PodInfo, node: NodeInfo, memo?: Memo<Status | undefined>): Status | undefined {
    const noms = this.nominatedFor(pod, node);
    if (noms) {
      const n = node.clone();
      const st = state.clone();
      for (const p of noms) {
        n.addPod(p);
        profile.addPod(st, pod, p, n);
      }
      const s = this.runFilterChain(profile, st, pod, n, undefined);
      if (s) return s;
    }
    return this.runFilterChain(profile, state, pod, node, memo);
  }

  private runFilterChain(profile: Profile, state: CycleState, pod: PodInfo, n: NodeInfo, memo: Memo<Status | undefined> | undefined): Status | undefined {
    const { local: localFilters, global: globalFilters } = this.active(profile, state);
    let local: Status | undefined;
    if (memo && memo.has(n.id, n.generation)) {
      this.stats.feasibilityHits++;
      local = memo.get(n.id, n.generation);
    } else {
      this.stats.filterCalls++;
      for (const f of localFilters) {
        const st = f.filter(state, pod, n);
        if (st && st.code !== 'Success') {
          st.plugin = f.name;
          local = st;
          break;
        }
      }
      memo?.set(n.id, n.generation, local);
    }
    if (local) return local;
    for (const f of globalFilters) {
      const st = f.filter(state, pod, n);
      if (st && st.code !== 'Success') {
        st.plugin = f.name;
        return st;
      }
    }
    return undefined;
  }

  preFilter(profile: Profile, state: CycleState, pod: PodInfo): Status | undefined {
    if (pod.invalid) return { code: 'UnschedulableAndUnresolvable', reasons: [pod.invalid] };
    for (const p of profile.preFilter) {
      const st = p.preFilter(state, pod);
      if (!st || st.code === 'Success') continue;
      if (st.code === 'Skip') {
        state.skipFilter.add(p.name);
        continue;
      }
      return { ...st, plugin: p.name };
    }
    return undefined;
  }

  /** Filters nodes (sampled unless `all`), returning the feasible ones and every rejection. */
  findFeasible(profile: Profile, state: CycleState, pod: PodInfo, all = false): { feasible: NodeInfo[]; statuses: Map<string, Status> } {
    const nodes = this.o.cache.nodeList();
    const n = nodes.length;
    const pct = profile.percentageOfNodesToScore ?? this.o.percentageOfNodesToScore;
    const want = all || !this.o.techniques.sampling ? n : numFeasibleNodesToFind(n, pct);
    const memo = this.o.techniques.equivalenceClasses ? this.classMemo(this.feasibility, pod.classKey) : undefined;
    const feasible: NodeInfo[] = [];
    const statuses = new Map<string, Status>();
    const start = all ? 0 : this.nextStart % Math.max(1, n);
    let processed = 0;
    for (; processed < n && feasible.length < want; processed++) {
      const node = nodes[(start + processed) % n]!;
      const st = this.runFilters(profile, state, pod, node, memo);
      if (st) statuses.set(node.name, st);
      else feasible.push(node);
    }
    if (!all && n > 0) this.nextStart = (start + processed) % n;
    return { feasible, statuses };
  }

  /** Weighted, normalized scores of the feasible nodes. */
  prioritize(profile: Profile, state: CycleState, pod: PodInfo, nodes: NodeInfo[], breakdown = false): NodeScore[] {
    const { totals, by } = this.score(profile, state, pod, nodes, breakdown);
    return nodes.map((n, i) => ({ node: n.name, total: totals[i]!, byPlugin: by?.[i] ?? {} }));
  }

  /** The scoring itself: per-node totals (and per-plugin parts when asked), no per-node objects. */
  private score(profile: Profile, state: CycleState, pod: PodInfo, nodes: NodeInfo[], breakdown: boolean): { totals: number[]; by?: Array<Record<string, number>> } {
    for (const p of profile.preScore) {
      const st = p.preScore(state, pod, nodes);
      if (st?.code === 'Skip') state.skipScore.add(p.name);
    }
    const plugins = profile.score.filter((s) => !state.skipScore.has(s.plugin.name));
    const local = plugins.filter((s) => s.plugin.nodeLocal);
    const memo = this.o.techniques.scoreCache ? this.classMemo(this.scoreMemo, pod.classKey) : undefined;
    const raw: number[][] = plugins.map(() => new Array<number>(nodes.length).fill(0));
    const nominated = this.o.cache.nominated;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      let localRaw = memo && nominated.size === 0 ? memo.get(node.id, node.generation) : undefined;
      if (localRaw) this.stats.scoreHits++;
      else {
        this.stats.scoreCalls++;
        localRaw = local.map((s) => s.plugin.score(state, pod, node));
        memo?.set(node.id, node.generation, localRaw);
      }
      let li = 0;
      for (let j = 0; j < plugins.length; j++) {
        const s = plugins[j]!;
        raw[j]![i] = s.plugin.nodeLocal ? localRaw[li++]! : s.plugin.score(state, pod, node);
      }
    }
    const totals = new Array<number>(nodes.length).fill(0);
    const by: Array<Record<string, number>> | undefined = breakdown ? nodes.map(() => ({})) : undefined;
    for (let j = 0; j < plugins.length; j++) {
      const s = plugins[j]!;
      const scores = raw[j]!;
      s.plugin.normalizeScore?.(state, pod, scores);
      for (let i = 0; i < nodes.length; i++) {
        const v = scores[i]! * s.weight;
        totals[i]! += v;
        if (by) by[i]![s.plugin.name] = v;
      }
    }
    return by ? { totals, by } : { totals };
  }

  /** Runs the cycle for `pod` up to choosing a node (or failing, PostFilter included). */
  schedule(profile: Profile, pod: PodInfo): CycleResult {
    this.stats.cycles++;
    const state = new CycleState();
    const numAll = this.o.cache.nodeList().length;
    try {
      const pre = this.preFilter(profile, state, pod);
      if (pre) {
        const statuses = new Map<string, Status>();
        for (const n of this.o.cache.nodeList()) statuses.set(n.name, pre);
        return { ok: false, fit: new FitError(pod.key, numAll, statuses, pre.reasons.join(', ')), state };
      }
      if (numAll === 0) return { ok: false, fit: new FitError(pod.key, 0, new Map()), state };
      const { feasible, statuses } = this.findFeasible(profile, state, pod);
      if (feasible.length === 0) return { ok: false, fit: new FitError(pod.key, numAll, statuses), state };
      if (feasible.length === 1) return { ok: true, node: feasible[0]!.name, state, feasible: 1, evaluated: numAll - 0 };
      const { totals } = this.score(profile, state, pod, feasible, false);
      return { ok: true, node: feasible[this.selectBest(totals)]!.name, state, feasible: feasible.length, evaluated: feasible.length + statuses.size };
    } catch (e) {
      return { ok: false, error: `running the scheduling cycle: ${(e as Error).stack ?? String(e)}`, state };
    }
  }

  /** The best score; ties broken uniformly at random (reservoir sampling, injected randomness). */
  selectHost(scores: readonly NodeScore[]): string {
    return scores[this.selectBest(scores.map((s) => s.total))]!.node;
  }

  /** Index of the highest total; ties broken uniformly at random. */
  private selectBest(totals: readonly number[]): number {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < totals.length; i++) {
      const t = totals[i]!;
      if (t > totals[best]!) {
        best = i;
        ties = 1;
      } else if (t === totals[best]) {
        ties++;
        if (this.o.random() * ties < 1) best = i;
      }
    }
    return best;
  }
}
