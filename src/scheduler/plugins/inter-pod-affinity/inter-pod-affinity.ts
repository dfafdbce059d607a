// InterPodAffinity: required pod affinity / anti-affinity of the incoming pod, and existing pods'
// required anti-affinity against it, filter nodes by topology domain; preferred terms (both ways) and
// existing pods' required affinity (× hardPodAffinityWeight) score them. All counts come from the
// cache's per-domain counters, so Filter and Score are O(terms) per node, never O(pods).
import type { FilterPlugin, Handle, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework';
import type { AffinityTerm, PodInfo } from '../../pod-info';
import { MAX_NODE_SCORE, skip, unresolvable, unschedulable, type CycleState, type StateData, type Status } from '../../types';
import type { NodeInfo } from '../../node-info';
import type { Counter } from '../../cache';
import type { LabelSelector } from '../../../api/selectors';

export const NAME = 'InterPodAffinity';
export const ERR_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

/** A term's matching pods per topology value: the cache's live counts plus this state's what-if delta. */
interface Counted {
  t: AffinityTerm;
  counts: ReadonlyMap<string, number>;
  delta: Map<string, number>;
  /** Matching pods on labelled nodes, over all domains (delta included). */
  total: number;
}

const countIn = (c: Counted, v: string): number => (c.counts.get(v) ?? 0) + (c.delta.get(v) ?? 0);
const sum = (m: ReadonlyMap<string, number>): number => {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
};
const copy = (c: Counted): Counted => ({ ...c, delta: new Map(c.delta) });

/** The PreFilter state; cloned for what-ifs, which the PreFilterExtensions update. */
class FilterState implements StateData {
  constructor(
    /** Existing pods' required anti-affinity terms that select the incoming pod, by term key. */
    readonly existingAnti: Map<string, Counted>,
    readonly affinity: Counted[],
    readonly anti: Counted[],
    /** The incoming pod matches all its own affinity terms (it may be the first of its group). */
    readonly selfMatchesAll: boolean,
  ) {}
  clone(): FilterState {
    return new FilterState(new Map([...this.existingAnti].map(([k, c]) => [k, copy(c)])), this.affinity.map(copy), this.anti.map(copy), this.selfMatchesAll);
  }
}

function bump(c: Counted, node: NodeInfo, d: number): void {
  const v = node.labels[c.t.topologyKey];
  if (v === undefined) return;
  c.delta.set(v, (c.delta.get(v) ?? 0) + d);
  c.total += d;
}

interface ScoreTerm {
  topologyKey: string;
  counts: Map<string, number>;
  weight: number;
}
const FILTER_KEY = `${NAME}/filter`;
const SCORE_KEY = `${NAME}/score`;

export function createInterPodAffinity(args: { hardPodAffinityWeight?: number }, h: Handle): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const hardWeight = args.hardPodAffinityWeight ?? 1;
  /** Pods matching every term of `terms` (a conjunction of their selectors and namespaces), by `t`'s topology. */
  function allTermsCounter(terms: readonly AffinityTerm[], t: AffinityTerm): Counter {
    if (terms.length === 1) return h.cache.termCounter(t);
    const sets = terms.map((x) => h.cache.termNamespaces(x)).filter((x): x is ReadonlySet<string> => x !== null);
    const namespaces = sets.length === 0 ? null : new Set([...sets[0]!].filter((n) => sets.every((x) => x.has(n))));
    const sels = terms.map((x) => x.selector);
    const selector: LabelSelector = {
      requirements: sels.flatMap((x) => x.requirements), empty: sels.every((x) => x.empty),
      matches: (labels) => sels.every((x) => x.matches(labels)), toString: () => sels.map((x) => x.toString()).join(' && '),
    };
    const nsKey = namespaces ? [...namespaces].sort().join(',') : '*';
    return h.cache.counter(`allterms|${terms.map((x) => x.key).join('&')}|${t.topologyKey}|${nsKey}`, namespaces, selector, t.topologyKey);
  }

  /** upstream's updateWithPod: `other` joins (+1) or leaves (−1) `node` in this state's counts. */
  function update(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, d: 1 | -1): void {
    const st = state.read<FilterState>(FILTER_KEY);
    if (!st) return;
    for (const t of other.requiredAntiAffinity) {
      if (!h.cache.termMatches(t, pod)) continue;
      let e = st.existingAnti.get(t.key);
      if (!e) st.existingAnti.set(t.key, (e = { t, counts: new Map(), delta: new Map(), total: 0 }));
      bump(e, node, d);
    }
    if (pod.requiredAffinity.length > 0 && pod.requiredAffinity.every((t) => h.cache.termMatches(t, other))) for (const a of st.affinity) bump(a, node, d);
    for (const a of st.anti) if (h.cache.termMatches(a.t, other)) bump(a, node, d);
  }

  return {
    name: NAME,
    preFilter(state, pod): Status | undefined {
      const existingAnti = new Map<string, Counted>();
      for (const e of h.cache.termsSelecting('requiredAntiAffinity', pod)) {
        if (e.counts.size > 0) existingAnti.set(e.term.key, { t: e.term, counts: e.counts, delta: new Map(), total: sum(e.counts) });
      }
      // Nominated pods may bring terms of their own (PreFilterExtensions add them): no Skip then.
      if (existingAnti.size === 0 && pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0 && h.cache.nominated.size === 0) return skip;
      const counted = (t: AffinityTerm, counts = h.cache.termCounter(t).counts): Counted => ({ t, counts, delta: new Map(), total: sum(counts) });
      const selfMatchesAll = pod.requiredAffinity.every((t) => h.cache.termMatches(t, pod));
      // Required affinity counts pods matching ALL the terms (upstream's affinityCounts), per term's topology.
      const affinity = pod.requiredAffinity.map((t) => counted(t, allTermsCounter(pod.requiredAffinity, t).counts));
      state.write(FILTER_KEY, new FilterState(existingAnti, affinity, pod.requiredAntiAffinity.map((t) => counted(t)), selfMatchesAll));
      return undefined;
    },
    addPod(state, pod, other, node) {
      update(state, pod, other, node, 1);
    },
    removePod(state, pod, other, node) {
      update(state, pod, other, node, -1);
    },
    filter(state, _pod, node) {
      const st = state.read<FilterState>(FILTER_KEY);
      if (!st) return undefined;
      if (st.affinity.length > 0) {
        for (const a of st.affinity) if (node.labels[a.t.topologyKey] === undefined) return unresolvable(ERR_AFFINITY);
        // No pod anywhere matches the terms, but the pod matches them itself: the first of its group.
        const waived = st.selfMatchesAll && st.affinity.some((a) => a.total <= 0);
        if (!waived) for (const a of st.affinity) if (countIn(a, node.labels[a.t.topologyKey]!) <= 0) return unresolvable(ERR_AFFINITY);
      }
      for (const a of st.anti) {
        const v = node.labels[a.t.topologyKey];
        if (v !== undefined && countIn(a, v) > 0) return unschedulable(ERR_ANTI_AFFINITY);
      }
      for (const e of st.existingAnti.values()) {
        const v = node.labels[e.t.topologyKey];
        if (v !== undefined && countIn(e, v) > 0) return unschedulable(ERR_EXISTING_ANTI_AFFINITY);
      }
      return undefined;
    },
    preScore(state, pod: PodInfo) {
      const terms: ScoreTerm[] = [];
      for (const t of pod.preferredAffinity) terms.push({ topologyKey: t.topologyKey, counts: h.cache.termCounter(t).counts, weight: t.weight });
      for (const t of pod.preferredAntiAffinity) terms.push({ topologyKey: t.topologyKey, counts: h.cache.termCounter(t).counts, weight: -t.weight });
      for (const e of h.cache.existingTerms.values()) {
        if (e.kind === 'requiredAntiAffinity' || e.counts.size === 0) continue;
        if (e.kind === 'requiredAffinity' && hardWeight === 0) continue;
        if (!h.cache.termMatches(e.term, pod)) continue;
        const w = e.kind === 'requiredAffinity' ? hardWeight : e.kind === 'preferredAffinity' ? e.weight : -e.weight;
        terms.push({ topologyKey: e.term.topologyKey, counts: e.counts, weight: w });
      }
      if (terms.length === 0) return skip;
      state.write(SCORE_KEY, terms);
      return undefined;
    },
    score(state, _pod, node) {
      let s = 0;
      for (const t of state.read<ScoreTerm[]>(SCORE_KEY) ?? []) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined) s += t.weight * (t.counts.get(v) ?? 0);
      }
      return s;
    },
    normalizeScore(_s, _p, scores) {
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        min = Math.min(min, s);
        max = Math.max(max, s);
      }
      const diff = max - min;
      for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.floor((MAX_NODE_SCORE * (scores[i]! - min)) / diff) : 0;
    },
  };
}
