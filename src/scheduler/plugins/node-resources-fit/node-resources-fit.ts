// NodeResourcesFit: the pod's requests must fit the node's allocatable minus what its pods request
// (cpu, memory, ephemeral-storage, pods, extended resources). Scores with LeastAllocated (default),
// MostAllocated or RequestedToCapacityRatio over weighted resources (default cpu:1, memory:1), using
// non-zero requests for cpu and memory as kube-scheduler does.
import type { FilterPlugin, ScorePlugin } from '../../framework';
import type { NodeInfo } from '../../node-info';
import type { PodInfo } from '../../pod-info';
import { MAX_NODE_SCORE, unschedulable, type Status } from '../../types';

export const NAME = 'NodeResourcesFit';
export const ERR_TOO_MANY_PODS = 'Too many pods';
export const insufficient = (r: string): string => `Insufficient ${r}`;

export type ScoringType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';
export interface FitArgs {
  scoringStrategy?: {
    type?: ScoringType;
    resources?: Array<{ name: string; weight?: number }>;
    requestedToCapacityRatio?: { shape?: Array<{ utilization: number; score: number }> };
  };
}

/** Every resource the pod requests that the node lacks room for ("Too many pods" first). */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const out: string[] = [];
  if (node.pods.size + 1 > node.allowedPods) out.push(ERR_TOO_MANY_PODS);
  for (const [name, req] of Object.entries(pod.requests)) {
    if (req <= 0 || name === 'pods') continue;
    const free = (node.allocatable[name] ?? 0) - (node.requested[name] ?? 0);
    if (req > free) out.push(insufficient(name));
  }
  return out;
}

function requestedWithPod(name: string, pod: PodInfo, node: NodeInfo): number {
  if (name === 'cpu') return node.nonZeroCpu + pod.nonZeroCpu;
  if (name === 'memory') return node.nonZeroMem + pod.nonZeroMem;
  return (node.requested[name] ?? 0) + (pod.requests[name] ?? 0);
}

function shapeScore(shape: Array<{ utilization: number; score: number }>, util: number): number {
  if (shape.length === 0) return 0;
  const pts = shape.map((p) => ({ u: p.utilization, s: (p.score * MAX_NODE_SCORE) / 10 }));
  if (util <= pts[0]!.u) return pts[0]!.s;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    if (util <= b.u) return a.s + ((b.s - a.s) * (util - a.u)) / (b.u - a.u);
  }
  return pts[pts.length - 1]!.s;
}

export function createNodeResourcesFit(args: FitArgs = {}): FilterPlugin & ScorePlugin {
  const type = args.scoringStrategy?.type ?? 'LeastAllocated';
  const resources = args.scoringStrategy?.resources ?? [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }];
  const shape = args.scoringStrategy?.requestedToCapacityRatio?.shape ?? [{ utilization: 0, score: 10 }, { utilization: 100, score: 0 }];
  return {
    name: NAME,
    nodeLocal: true,
    filter(_s, pod, node): Status | undefined {
      const reasons = insufficientResources(pod, node);
      return reasons.length ? unschedulable(...reasons) : undefined;
    },
    score(_s, pod, node) {
      let sum = 0;
      let weights = 0;
      for (const r of resources) {
        const alloc = node.allocatable[r.name] ?? 0;
        const w = r.weight ?? 1;
        if (alloc <= 0) continue;
        const req = requestedWithPod(r.name, pod, node);
        let s: number;
        if (type === 'MostAllocated') s = req > alloc ? MAX_NODE_SCORE : Math.floor((req * MAX_NODE_SCORE) / alloc);
        else if (type === 'LeastAllocated') s = req > alloc ? 0 : Math.floor(((alloc - req) * MAX_NODE_SCORE) / alloc);
        else s = Math.round(shapeScore(shape, Math.min(100, (req * 100) / alloc)));
        sum += s * w;
        weights += w;
      }
      return weights === 0 ? 0 : Math.floor(sum / weights);
    },
  };
}
