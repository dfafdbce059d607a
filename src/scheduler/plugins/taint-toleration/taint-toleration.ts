// TaintToleration: a node's NoSchedule and NoExecute taints must be tolerated; untolerated
// PreferNoSchedule taints lower the score (fewer is better).
import type { FilterPlugin, ScorePlugin } from '../../framework';
import type { NodeInfo } from '../../node-info';
import type { PodInfo } from '../../pod-info';
import { unresolvable, type Status, type Taint } from '../../types';
import { defaultNormalize, toleratedBy } from '../helpers';

export const NAME = 'TaintToleration';
export const untoleratedTaint = (t: Taint): string => `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;

export function firstUntolerated(pod: PodInfo, node: NodeInfo): Taint | undefined {
  for (const t of node.taints) {
    if (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') continue;
    if (!toleratedBy(pod.tolerations, t)) return t;
  }
  return undefined;
}

export function createTaintToleration(): FilterPlugin & ScorePlugin {
  return {
    name: NAME,
    nodeLocal: true,
    filter(_s, pod, node): Status | undefined {
      const t = firstUntolerated(pod, node);
      return t ? unresolvable(untoleratedTaint(t)) : undefined;
    },
    score(_s, pod, node) {
      let n = 0;
      const tols = pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
      for (const t of node.taints) if (t.effect === 'PreferNoSchedule' && !toleratedBy(tols, t)) n++;
      return n;
    },
    normalizeScore: (_s, _p, scores) => defaultNormalize(scores, true),
  };
}
