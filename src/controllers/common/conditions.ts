// Status conditions: set (keeping lastTransitionTime while the status is unchanged) and remove.
import type { Condition } from './types';

export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function getCondition(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}

/** Returns new conditions with `c` set (upstream SetDeploymentCondition semantics). */
export function setCondition(conds: readonly Condition[] | undefined, c: Condition): Condition[] {
  const cur = getCondition(conds, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return [...(conds ?? [])];
  const next = { ...c };
  if (cur && cur.status === c.status && cur.lastTransitionTime) next.lastTransitionTime = cur.lastTransitionTime;
  return [...(conds ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(conds: readonly Condition[] | undefined, type: string): Condition[] {
  return (conds ?? []).filter((c) => c.type !== type);
}
