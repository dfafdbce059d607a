// The merge step of server-side apply (structured-merge-diff's TypedValue.Merge): the applied
// configuration laid over the live object. Scalars, atomic lists and atomic maps are replaced; granular
// maps and structs merge member by member; associative lists and sets merge item by item, keeping live
// items the configuration does not mention, in structured-merge-diff's interleaved order. A null in the
// configuration removes the member (the Go types would drop it when decoding).
import type { SchemaNode } from '../../api/schema/types';
import { indexItems } from './field-walk';
import { dropNulls, isObj, type Obj } from './json-value';
import { childSchema, isAtomicMap, listSemantics } from './schema-view';

function mergeLists(lhs: unknown[], rhs: unknown[], s: SchemaNode | undefined): unknown[] {
  const ls = listSemantics(s);
  if (ls.type === 'atomic') return dropNulls(rhs) as unknown[];
  const l = indexItems(lhs, ls);
  const r = indexItems(rhs, ls);
  if (!l || !r) return dropNulls(rhs) as unknown[];
  const item = (k: string): unknown => mergeValues(l.byKey.get(k), r.byKey.get(k), s?.items);
  const shared = r.order.filter((k) => l.byKey.has(k));
  let si = 0;
  let nextShared = shared[si++];
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  while (li < l.order.length || ri < r.order.length) {
    if (li < l.order.length && ri < r.order.length) {
      const pe = l.order[li] as string;
      if (pe === r.order[ri]) {
        out.push(item(pe));
        li++;
        ri++;
        nextShared = shared[si++];
        continue;
      }
      if (r.byKey.has(pe) && nextShared !== undefined && nextShared !== pe) {
        li++; // a shared item, but not the one due in this round
        continue;
      }
    }
    if (li < l.order.length) {
      const pe = l.order[li] as string;
      if (!r.byKey.has(pe)) {
        out.push(l.byKey.get(pe));
        li++;
        continue;
      }
    }
    if (ri < r.order.length) {
      const pe = r.order[ri] as string;
      out.push(item(pe));
      ri++;
      if (nextShared === pe) nextShared = shared[si++];
    }
  }
  return out;
}

export function mergeValues(lhs: unknown, rhs: unknown, s: SchemaNode | undefined): unknown {
  if (rhs === undefined) return lhs;
  if (lhs === undefined || lhs === null) return dropNulls(rhs);
  if (Array.isArray(lhs) && Array.isArray(rhs)) return mergeLists(lhs, rhs, s);
  if (isObj(lhs) && isObj(rhs) && !isAtomicMap(s)) {
    const out: Obj = { ...lhs };
    for (const k in rhs) {
      const rv = rhs[k];
      if (rv === undefined) continue;
      if (rv === null) delete out[k];
      else out[k] = mergeValues(lhs[k], rv, childSchema(s, k));
    }
    return out;
  }
  return dropNulls(rhs);
}
