// PodTopologySpread: hard constraints (DoNotSchedule) filter nodes whose domain would exceed maxSkew over
// the least-loaded eligible domain; soft constraints (ScheduleAnyway), or the cluster's default
// constraints for pods without any, score nodes by how few matching pods their domains hold.
// Matching-pod counts per domain come from the cache's incremental counters: O(1) per node.
import { selectorFromSpec, type LabelSelector } from '../../../api/selectors';
import type { Counter } from '../../cache';
import type { FilterPlugin, Handle, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework';
import type { NodeInfo } from '../../node-info';
import type { PodInfo, SpreadConstraint } from '../../pod-info';
import { MAX_NODE_SCORE, skip, unresolvable, unschedulable, type CycleState, type LabelSelectorSpec, type StateData, type Status } from '../../types';
import { podMatchesNodeAffinity } from '../node-affinity/node-affinity';
import { firstUntolerated } from '../taint-toleration/taint-toleration';

export const NAME = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";

export interface DefaultConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
}
export interface SpreadArgs {
  defaultingType?: 'System' | 'List';
  defaultConstraints?: DefaultConstraint[];
}
export const SYSTEM_DEFAULT_CONSTRAINTS: DefaultConstraint[] = [
  { maxSkew: 3, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
  { maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
];

interface Active {
  c: SpreadConstraint;
  /** Matching pods per eligible domain (the cache's live counter, or a per-cycle count over eligible nodes). */
  counts: ReadonlyMap<string, number>;
  /** Counting skips some labelled nodes (node inclusion policies), so what-ifs must check eligibility too. */
  restricted: boolean;
  /** Eligible domains (topology values) of this constraint. */
  domains: Set<string>;
  selfMatch: number;
  /** PreFilterExtensions' changes to the counter, per domain (what-if copies only). */
  delta: Map<string, number>;
  /** The least count over the eligible domains (0 below minDomains); recomputed lazily when stale. */
  min: number;
  minStale: boolean;
}

/** The hard constraints' PreFilter state; cloned for what-ifs (the counters are shared, read-only). */
class SpreadState implements StateData {
  constructor(readonly active: Active[]) {}
  clone(): SpreadState {
    return new SpreadState(this.active.map((a) => ({ ...a, delta: new Map(a.delta) })));
  }
}

const count = (a: Active, v: string): number => (a.counts.get(v) ?? 0) + (a.delta.get(v) ?? 0);

/** Does counting have to skip some nodes carrying the topology label (upstream's node inclusion policies)? */
function restricts(pod: PodInfo, c: SpreadConstraint, all: readonly SpreadConstraint[]): boolean {
  if (all.length > 1 || c.honorTaints) return true; // every topology key required; taints honoured
  const spec = pod.pod.spec;
  return c.honorNodeAffinity && (spec?.nodeSelector !== undefined || spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution !== undefined);
}

function minOf(a: Active): number {
  if (a.minStale) {
    let min = Infinity;
    for (const d of a.domains) min = Math.min(min, count(a, d));
    a.min = !Number.isFinite(min) || a.domains.size < a.c.minDomains ? 0 : min;
    a.minStale = false;
  }
  return a.min;
}

const FILTER_KEY = `${NAME}/filter`;
const SCORE_KEY = `${NAME}/score`;

function eligible(pod: PodInfo, c: SpreadConstraint, node: NodeInfo, all: readonly SpreadConstraint[]): boolean {
  for (const x of all) if (node.labels[x.topologyKey] === undefined) return false;
  if (c.honorNodeAffinity && !podMatchesNodeAffinity(pod, node)) return false;
  if (c.honorTaints && firstUntolerated(pod, node)) return false;
  return true;
}

/** Combine owner selectors into one that matches pods every one of them matches (kube's default spreading). */
function mergeSelectors(sels: LabelSelector[]): LabelSelector | undefined {
  if (sels.length === 0) return undefined;
  const reqs = sels.flatMap((s) => s.requirements);
  return selectorFromSpec({ matchExpressions: reqs.map((r) => ({ key: r.key, operator: r.op === '=' || r.op === 'in' ? 'In' : r.op === 'notin' || r.op === '!=' ? 'NotIn' : r.op === 'exists' ? 'Exists' : 'DoesNotExist', values: r.op === 'exists' || r.op === 'doesnotexist' ? [] : r.values })) } as LabelSelectorSpec);
}

export function createPodTopologySpread(args: SpreadArgs, h: Handle): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const defaults = args.defaultingType === 'List' ? args.defaultConstraints ?? [] : SYSTEM_DEFAULT_CONSTRAINTS;
  const domainCache = new Map<string, { gen: number; domains: Set<string> }>();

  function domainsFor(pod: PodInfo, c: SpreadConstraint, all: readonly SpreadConstraint[]): Set<string> {
    const key = `${c.topologyKey}|${c.honorNodeAffinity ? JSON.stringify([pod.pod.spec?.nodeSelector, pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution]) : ''}|${c.honorTaints ? JSON.stringify(pod.tolerations) : ''}|${all.map((x) => x.topologyKey).join(',')}`;
    const hit = domainCache.get(key);
    if (hit && hit.gen === h.cache.nodeSetGeneration) return hit.domains;
    const domains = new Set<string>();
    for (const n of h.cache.nodeList()) if (eligible(pod, c, n, all)) domains.add(n.labels[c.topologyKey]!);
    if (domainCache.size > 256) domainCache.clear();
    domainCache.set(key, { gen: h.cache.nodeSetGeneration, domains });
    return domains;
  }

  const counterFor = (pod: PodInfo, c: SpreadConstraint): Counter => h.cache.counter(`spread|${c.key}`, new Set([pod.namespace]), c.selector, c.topologyKey);

  /**
   * Matching pods per domain, counted as upstream only on nodes that carry every constraint's topology
   * key and pass the inclusion policies (the pod's node affinity unless nodeAffinityPolicy is Ignore;
   * its tolerations when nodeTaintsPolicy is Honor). The common case needs no filtering and uses the
   * cache's live counter; otherwise O(nodes holding matching pods) per cycle.
   */
  function countsFor(pod: PodInfo, c: SpreadConstraint, all: readonly SpreadConstraint[]): { counts: ReadonlyMap<string, number>; restricted: boolean } {
    const counter = counterFor(pod, c);
    if (!restricts(pod, c, all)) return { counts: counter.counts, restricted: false };
    const counts = new Map<string, number>();
    for (const [name, k] of counter.byNode) {
      const n = h.cache.nodes.get(name);
      if (!n?.node || !eligible(pod, c, n, all)) continue;
      const v = n.labels[c.topologyKey]!;
      counts.set(v, (counts.get(v) ?? 0) + k);
    }
    return { counts, restricted: true };
  }

  function softConstraints(pod: PodInfo): SpreadConstraint[] {
    if (pod.spreadConstraints.length > 0) return pod.spreadConstraints.filter((c) => !c.hard);
    const sel = mergeSelectors(h.ownerSelectors(pod));
    if (!sel) return [];
    return defaults.map((d) => ({
      maxSkew: d.maxSkew, topologyKey: d.topologyKey, hard: d.whenUnsatisfiable !== 'ScheduleAnyway', selector: sel, minDomains: 1,
      honorNodeAffinity: true, honorTaints: false, key: `${pod.namespace}|${sel.toString()}|${d.topologyKey}`,
    }));
  }

  /** upstream's updateWithPod: `other` joins (+1) or leaves (−1) `node`'s domains in this state. */
  function update(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, d: 1 | -1): void {
    const st = state.read<SpreadState>(FILTER_KEY);
    if (!st || other.namespace !== pod.namespace) return;
    const all = st.active.map((a) => a.c);
    for (const a of st.active) {
      // The same pods the counts count: matching, on a node with the topology label (and eligible).
      const v = node.labels[a.c.topologyKey];
      if (v === undefined || !a.c.selector.matches(other.labels) || (a.restricted && !eligible(pod, a.c, node, all))) continue;
      const before = count(a, v);
      a.delta.set(v, (a.delta.get(v) ?? 0) + d);
      if (!a.minStale && a.domains.has(v) && a.domains.size >= a.c.minDomains) {
        if (d < 0 && before - 1 < a.min) a.min = before - 1;
        else if (d > 0 && before === a.min) a.minStale = true;
      }
    }
  }

  return {
    name: NAME,
    preFilter(state: CycleState, pod): Status | undefined {
      const hard = pod.spreadConstraints.filter((c) => c.hard);
      if (hard.length === 0) return skip;
      const active: Active[] = hard.map((c) => ({
        c, ...countsFor(pod, c, hard), domains: domainsFor(pod, c, hard), selfMatch: c.selector.matches(pod.labels) ? 1 : 0,
        delta: new Map(), min: 0, minStale: true,
      }));
      state.write(FILTER_KEY, new SpreadState(active));
      return undefined;
    },
    addPod(state, pod, other, node) {
      update(state, pod, other, node, 1);
    },
    removePod(state, pod, other, node) {
      update(state, pod, other, node, -1);
    },
    filter(state, _pod, node) {
      const active = state.read<SpreadState>(FILTER_KEY)?.active ?? [];
      for (const a of active) if (node.labels[a.c.topologyKey] === undefined) return unresolvable(ERR_REASON_MISSING_LABEL);
      for (const a of active) {
        if (count(a, node.labels[a.c.topologyKey]!) + a.selfMatch - minOf(a) > a.c.maxSkew) return unschedulable(ERR_REASON_CONSTRAINTS);
      }
      return undefined;
    },
    preScore(state, pod, nodes) {
      const soft = softConstraints(pod);
      if (soft.length === 0) return skip;
      const weights = soft.map((c) => {
        const values = new Set<string>();
        for (const n of nodes) {
          const v = n.labels[c.topologyKey];
          if (v !== undefined) values.add(v);
        }
        return Math.log(values.size + 2);
      });
      // Upstream requires every topology key on a node only for the pod's own constraints, not for the
      // system defaults (a node without a zone label still scores by hostname).
      const requireAll = pod.spreadConstraints.length > 0;
      state.write(SCORE_KEY, { soft, weights, requireAll, counts: soft.map((c) => countsFor(pod, c, requireAll ? soft : [c]).counts) });
      return undefined;
    },
    score(state, _pod, node) {
      const st = state.read<{ soft: SpreadConstraint[]; weights: number[]; requireAll: boolean; counts: Array<ReadonlyMap<string, number>> }>(SCORE_KEY);
      if (!st) return 0;
      let s = 0;
      for (let i = 0; i < st.soft.length; i++) {
        const v = node.labels[st.soft[i]!.topologyKey];
        if (v === undefined) {
          if (st.requireAll) return -1; // ignored node: scores 0 after normalization
          continue;
        }
        s += (st.counts[i]!.get(v) ?? 0) * st.weights[i]! + (st.soft[i]!.maxSkew - 1);
      }
      return s;
    },
    normalizeScore(_state, _pod, scores) {
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        if (s < 0) continue;
        min = Math.min(min, s);
        max = Math.max(max, s);
      }
      for (let i = 0; i < scores.length; i++) {
        const s = scores[i]!;
        if (s < 0) scores[i] = 0;
        else if (max === 0) scores[i] = MAX_NODE_SCORE;
        else scores[i] = Math.floor((MAX_NODE_SCORE * (max + min - s)) / max);
      }
    },
  };
}
