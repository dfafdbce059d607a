// Shared pure helpers: node selector terms, tolerations, default score normalization.
import type { NodeInfo } from '../node-info';
import type { NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from '../types';
import { MAX_NODE_SCORE } from '../types';

function matchRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && vals.includes(value);
    case 'NotIn':
      return value === undefined || !vals.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || vals.length !== 1) return false;
      const a = Number.parseInt(value, 10);
      const b = Number.parseInt(vals[0]!, 10);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A node selector term: every expression and field requirement must hold; an empty term matches nothing. */
export function matchNodeSelectorTerm(t: NodeSelectorTerm, node: NodeInfo): boolean {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!matchRequirement(r, node.labels[r.key])) return false;
  for (const r of fields) if (r.key !== 'metadata.name' || !matchRequirement(r, node.name)) return false;
  return true;
}

/** The terms are ORed. */
export function matchNodeSelectorTerms(terms: readonly NodeSelectorTerm[], node: NodeInfo): boolean {
  for (const t of terms) if (matchNodeSelectorTerm(t, node)) return true;
  return false;
}

export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  if (!tol.key && tol.operator !== 'Exists') return false;
  if (tol.operator === 'Exists') return true;
  return (tol.value ?? '') === (taint.value ?? '');
}

export function toleratedBy(tols: readonly Toleration[], taint: Taint): boolean {
  for (const t of tols) if (tolerates(t, taint)) return true;
  return false;
}

/** kube-scheduler's DefaultNormalizeScore: scale to [0, 100] by the maximum, reversed if asked. */
export function defaultNormalize(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  for (let i = 0; i < scores.length; i++) {
    if (max === 0) scores[i] = reverse ? MAX_NODE_SCORE : 0;
    else {
      const s = Math.floor((MAX_NODE_SCORE * scores[i]!) / max);
      scores[i] = reverse ? MAX_NODE_SCORE - s : s;
    }
  }
}
