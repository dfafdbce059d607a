// InterPodAffinity: required pod affinity / anti-affinity of the incoming pod, and existing pods'
// required anti-affinity against it, filter nodes by topology domain; preferred terms (both ways) and
// existing pods' required affinity (× hardPodAffinityWeight) score them. All counts come from the
// cache's per-domain counters, so Filter and Score are O(terms) per node, never O(pods).
import type { Counter, ExistingTerm } from '../../cache';
import type { FilterPlugin, Handle, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework';
import { termMatches, type AffinityTerm, type PodInfo } from '../../pod-info';
import { MAX_NODE_SCORE, skip, unresolvable, unschedulable, type Status } from '../../types';

export const NAME = 'InterPodAffinity';
export const ERR_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

interface FilterState {
  existingAnti: ExistingTerm[];
  affinity: Array<{ t: AffinityTerm; c: Counter }>;
  /** No pod anywhere matches the affinity terms, but the pod matches them itself: the first of its group. */
  affinityWaived: boolean;
  anti: Array<{ t: AffinityTerm; c: Counter }>;
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
  return {
    name: NAME,
    preFilter(state, pod): Status | undefined {
      const existingAnti = [...h.cache.termsSelecting('requiredAntiAffinity', pod)].filter((e) => e.counts.size > 0);
      if (existingAnti.length === 0 && pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0) return skip;
      const affinity = pod.requiredAffinity.map((t) => ({ t, c: h.cache.termCounter(t) }));
      const affinityWaived = affinity.length > 0 && affinity.every((a) => a.c.counts.size === 0) && pod.requiredAffinity.every((t) => termMatches(t, pod));
      const anti = pod.requiredAntiAffinity.map((t) => ({ t, c: h.cache.termCounter(t) }));
      state.write(FILTER_KEY, { existingAnti, affinity, affinityWaived, anti } satisfies FilterState);
      return undefined;
    },
    filter(state, _pod, node) {
      const st = state.read<FilterState>(FILTER_KEY);
      if (!st) return undefined;
      // On a what-if node (preemption, nominated pods) correct the cluster-wide counts for its pods.
      const d = h.cache.whatIf(node);
      const adj = (t: AffinityTerm): number => (d ? d.added.filter((p) => termMatches(t, p)).length - d.removed.filter((p) => termMatches(t, p)).length : 0);
      const has = (p: PodInfo, key: string): boolean => p.requiredAntiAffinity.some((t) => t.key === key);
      const adjTerm = (key: string): number => (d ? d.added.filter((p) => has(p, key)).length - d.removed.filter((p) => has(p, key)).length : 0);
      if (!st.affinityWaived) {
        for (const a of st.affinity) {
          const v = node.labels[a.t.topologyKey];
          if (v === undefined || (a.c.counts.get(v) ?? 0) + adj(a.t) <= 0) return unresolvable(ERR_AFFINITY);
        }
      } else {
        for (const a of st.affinity) if (node.labels[a.t.topologyKey] === undefined) return unresolvable(ERR_AFFINITY);
      }
      for (const a of st.anti) {
        const v = node.labels[a.t.topologyKey];
        if (v !== undefined && (a.c.counts.get(v) ?? 0) + adj(a.t) > 0) return unschedulable(ERR_ANTI_AFFINITY);
      }
      for (const e of st.existingAnti) {
        const v = node.labels[e.term.topologyKey];
        if (v !== undefined && (e.counts.get(v) ?? 0) + adjTerm(e.term.key) > 0) return unschedulable(ERR_EXISTING_ANTI_AFFINITY);
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
        if (!termMatches(e.term, pod)) continue;
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
