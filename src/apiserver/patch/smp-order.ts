// The element order of a merged strategic-merge-patch list (upstream's normalizeElementOrder): patch items
// keep the patch's (or $setElementOrder's) relative order, server-only items keep the live order, and the
// two sequences are interleaved by their positions in the live list. Items the patch adds that the live list
// does not have end up before the server-only items they are compared with — upstream does the same
// (a container added by `kubectl patch` comes first).
import { noMergeKey } from './errors';
import { isObj } from './json-value';

export type ElementKind = 'map' | 'scalar';

function keyOf(item: unknown, mergeKey: string, kind: ElementKind): unknown {
  if (kind !== 'map') return item;
  return isObj(item) ? item[mergeKey] : undefined;
}

function indexer(order: unknown[], mergeKey: string, kind: ElementKind): (item: unknown) => number {
  const pos = new Map<unknown, number>();
  order.forEach((o, i) => {
    const k = keyOf(o, mergeKey, kind);
    if (!pos.has(k)) pos.set(k, i);
  });
  return (item) => pos.get(keyOf(item, mergeKey, kind)) ?? -1;
}

/**
 * Sorts `toSort` by positions in `order` with upstream's comparator ("less" whenever either item is not
 * in `order`) run through an insertion sort, which is what Go's sort.SliceStable does for short lists.
 */
function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  let items = toSort;
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    for (const l of [toSort, order]) {
      for (const v of l) if (!isObj(v) || !Object.prototype.hasOwnProperty.call(v, mergeKey)) throw noMergeKey(v, mergeKey);
    }
    items = toSort.filter((v) => (v as Record<string, unknown>)['$patch'] !== 'delete');
    toDelete = toSort.filter((v) => (v as Record<string, unknown>)['$patch'] === 'delete');
  }
  const idx = indexer(order, mergeKey, kind);
  const a = items.map((v) => ({ v, i: idx(v) }));
  for (let i = 1; i < a.length; i++) {
    for (let j = i; j > 0; j--) {
      const x = a[j] as { v: unknown; i: number };
      const y = a[j - 1] as { v: unknown; i: number };
      const less = x.i >= 0 && y.i >= 0 ? x.i < y.i : true;
      if (!less) break;
      a[j] = y;
      a[j - 1] = x;
    }
  }
  const out = a.map((e) => e.v);
  return toDelete.length ? out.concat(toDelete) : out;
}

export function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElementKind,
): unknown[] {
  const right = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  const idx = indexer(serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = idx(left[i]);
      const ri = idx(right[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}
