// NodeResourcesBalancedAllocation: favour nodes whose cpu and memory fractions (with the pod) stay close:
// score = (1 − standard deviation of the fractions) × 100.
import type { ScorePlugin } from '../../framework';
import { MAX_NODE_SCORE } from '../../types';

export const NAME = 'NodeResourcesBalancedAllocation';

export function createBalancedAllocation(args: { resources?: Array<{ name: string }> } = {}): ScorePlugin {
  const names = (args.resources ?? [{ name: 'cpu' }, { name: 'memory' }]).map((r) => r.name);
  return {
    name: NAME,
    nodeLocal: true,
    score(_s, pod, node) {
      const fr: number[] = [];
      for (const n of names) {
        const alloc = node.allocatable[n] ?? 0;
        if (alloc <= 0) continue;
        const req = (node.requested[n] ?? 0) + (pod.requests[n] ?? 0);
        fr.push(Math.min(1, req / alloc));
      }
      if (fr.length === 0) return 0;
      const mean = fr.reduce((a, b) => a + b, 0) / fr.length;
      const std = fr.length === 2 ? Math.abs(fr[0]! - fr[1]!) / 2 : Math.sqrt(fr.reduce((a, f) => a + (f - mean) ** 2, 0) / fr.length);
      return Math.floor((1 - std) * MAX_NODE_SCORE);
    },
  };
}
