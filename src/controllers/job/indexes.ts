// Completion indexes of Indexed Jobs: the pod's index, the "1,3-5" interval lists of status.completedIndexes /
// status.failedIndexes / successPolicy.succeededIndexes, and the per-index failure counts pods carry.
import type { Pod } from '../common/types';

export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
/** Counted failures of earlier pods of the same index (set on the replacement pod). */
export const INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
/** Failures of earlier pods of the same index that a podFailurePolicy Ignore rule did not count. */
export const INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count';

function nonNegInt(v: string | undefined): number | undefined {
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** The completion index of an Indexed Job's pod. */
export function podIndex(p: Pod): number | undefined {
  return nonNegInt(p.metadata.annotations?.[COMPLETION_INDEX] ?? p.metadata.labels?.[COMPLETION_INDEX]);
}

export function indexFailureCount(p: Pod): number {
  return nonNegInt(p.metadata.annotations?.[INDEX_FAILURE_COUNT]) ?? 0;
}

export function indexIgnoredFailureCount(p: Pod): number {
  return nonNegInt(p.metadata.annotations?.[INDEX_IGNORED_FAILURE_COUNT]) ?? 0;
}

/** "1,3-5" ⇄ {1,3,4,5}. Malformed parts are skipped. */
export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    if (!Number.isInteger(a) || (b !== undefined && !Number.isInteger(b))) continue;
    for (let i = a; i <= (b ?? a); i++) out.add(i);
  }
  return out;
}

export function formatIndexes(set: Set<number>): string {
  const xs = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    parts.push(i === j ? String(xs[i]) : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
