// NodeAffinity: spec.nodeSelector and required node affinity must match the node; preferred terms add
// their weights to the score (normalized by the maximum).
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework';
import type { NodeInfo } from '../../node-info';
import type { PodInfo } from '../../pod-info';
import { unresolvable } from '../../types';
import { defaultNormalize, matchNodeSelectorTerm, matchNodeSelectorTerms } from '../helpers';

export const NAME = 'NodeAffinity';
export const ERR_REASON = "node(s) didn't match Pod's node affinity/selector";

/** nodeSelector and required node affinity (both must hold). Exported for PodTopologySpread's domains. */
export function podMatchesNodeAffinity(pod: PodInfo, node: NodeInfo): boolean {
  const sel = pod.pod.spec?.nodeSelector;
  if (sel) for (const [k, v] of Object.entries(sel)) if (node.labels[k] !== v) return false;
  const req = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (req) return matchNodeSelectorTerms(req.nodeSelectorTerms ?? [], node);
  return true;
}

export function createNodeAffinity(args: { addedAffinity?: unknown } = {}): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  void args;
  return {
    name: NAME,
    nodeLocal: true,
    preFilter(_s, pod) {
      const s = pod.pod.spec;
      return !s?.nodeSelector && !s?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ? { code: 'Skip', reasons: [] } : undefined;
    },
    preScore: (_s, pod) => (pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ? undefined : { code: 'Skip', reasons: [] }),
    filter: (_s, pod, node) => (podMatchesNodeAffinity(pod, node) ? undefined : unresolvable(ERR_REASON)),
    score(_s, pod, node) {
      let sum = 0;
      for (const p of pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
        if (p.weight !== 0 && matchNodeSelectorTerm(p.preference, node)) sum += p.weight;
      }
      return sum;
    },
    normalizeScore: (_s, _p, scores) => defaultNormalize(scores, false),
  };
}
