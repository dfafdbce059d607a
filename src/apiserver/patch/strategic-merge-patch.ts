// Strategic merge patch (application/strategic-merge-patch+json), the server side of
// k8s.io/apimachinery/pkg/util/strategicpatch (StrategicMergeMapPatch: MergeParallelList and
// IgnoreUnmatchedNulls on). Maps merge recursively and null deletes; a list whose schema says
// patchStrategy=merge is merged by its patchMergeKey (lists of primitives become unions); other lists are
// replaced. Directives: `$patch: replace|delete` on a map or as a list item, `$retainKeys`,
// `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`. Without a schema this is JSON merge patch
// plus the map directives. Unchanged subtrees are shared with the target, which is never mutated.
import type { SchemaNode } from '../../api/schema/types';
import { badRequest, noMergeKey, PatchError } from './errors';
import { describe, dropNulls, freshRootAndMetadata, isObj, typeName, type Obj } from './json-value';
import { childSchema, hasStrategy } from './schema-view';
import { normalizeElementOrder, type ElementKind } from './smp-order';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList';
const SET_ORDER = '$setElementOrder';

function badArgType(expected: string, actual: unknown): PatchError {
  return badRequest(`expected a ${expected}, but received a ${typeName(actual)}`);
}

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    throw badRequest(prefix === DELETE_PRIMITIVE ? 'invalid patch format of primitive list' : 'invalid patch format of setElementOrder list');
  }
  return s.slice(slash + 1);
}

function kindOf(v: unknown): 'map' | 'list' | 'scalar' {
  return Array.isArray(v) ? 'list' : isObj(v) ? 'map' : 'scalar';
}

/** The common kind of the elements of the lists; undefined when they have no elements. */
function elementKind(...lists: unknown[][]): ElementKind | undefined {
  let prev: string | undefined;
  for (const l of lists) {
    for (const v of l) {
      const t = typeName(v);
      if (Array.isArray(v)) throw new PatchError('lists of lists are not supported', 422, 'Invalid');
      if (prev !== undefined && prev !== t) throw badRequest(`list element types are not identical: ${describe(lists)}`);
      prev = t;
    }
  }
  if (prev === undefined) return undefined;
  return prev === 'map[string]interface {}' ? 'map' : 'scalar';
}

/** A patch value placed where the original has nothing: directives are resolved and nulls dropped. */
function fresh(pv: unknown, s: SchemaNode | undefined): unknown {
  if (isObj(pv)) return mergeMap(undefined, pv, s);
  if (Array.isArray(pv)) return mergeListField([], pv, s, false);
  return pv;
}

function mergeListField(orig: unknown[], patch: unknown[], s: SchemaNode | undefined, isDeleteList: boolean): unknown[] {
  if (hasStrategy(s, 'merge')) return mergeSlice(orig, patch, s?.items, s?.patchMergeKey ?? '', isDeleteList);
  return dropNulls(patch) as unknown[];
}

function sameKey(item: unknown, mergeKey: string, value: unknown): boolean {
  return isObj(item) && Object.prototype.hasOwnProperty.call(item, mergeKey) && item[mergeKey] === value;
}

function mergeSlice(orig: unknown[], patch: unknown[], elem: SchemaNode | undefined, mergeKey: string, isDeleteList: boolean): unknown[] {
  if (orig.length === 0 && patch.length === 0) return orig;
  const kind = elementKind(orig, patch) ?? 'scalar';
  let merged: unknown[];
  let origEff = orig;
  let patchEff = patch;
  if (kind === 'scalar') {
    if (isDeleteList) {
      const del = new Set(patch);
      return orig.filter((v) => !del.has(v));
    }
    merged = [...new Set([...orig, ...patch])];
  } else {
    if (!mergeKey) throw badRequest('cannot merge lists without merge key for type struct');
    let replace = false;
    const rest: Obj[] = [];
    for (const v of patch as Obj[]) {
      if (!Object.prototype.hasOwnProperty.call(v, DIRECTIVE)) {
        rest.push(v);
        continue;
      }
      const d = v[DIRECTIVE];
      if (d === 'delete') {
        if (!Object.prototype.hasOwnProperty.call(v, mergeKey)) throw noMergeKey(v, mergeKey);
        origEff = origEff.filter((x) => !sameKey(x, mergeKey, v[mergeKey]));
      } else if (d === 'replace') {
        replace = true;
      } else if (d === 'merge') {
        throw badRequest('merging lists cannot yet be specified in the patch');
      } else {
        throw badRequest(`unknown patch type: ${String(d)} in map: ${describe(v)}`);
      }
    }
    if (replace) {
      origEff = rest.map((v) => mergeMap(undefined, v, elem));
      patchEff = [];
      merged = origEff;
    } else {
      patchEff = rest;
      merged = origEff.slice();
      for (const v of rest) {
        if (!Object.prototype.hasOwnProperty.call(v, mergeKey)) throw noMergeKey(v, mergeKey);
        const i = merged.findIndex((x) => sameKey(x, mergeKey, v[mergeKey]));
        if (i >= 0) merged[i] = mergeMap(merged[i] as Obj, v, elem);
        else merged.push(mergeMap(undefined, v, elem));
      }
    }
  }
  const [patchItems, serverOnly] = partition(merged, patchEff, mergeKey, kind);
  return normalizeElementOrder(patchItems, serverOnly, patchEff, origEff, mergeKey, kind);
}

/** Splits `items` into those present in `by` (by merge key, or by value for primitives) and the others. */
function partition(items: unknown[], by: unknown[], mergeKey: string, kind: ElementKind): [unknown[], unknown[]] {
  const inBy = new Set<unknown>();
  for (const b of by) inBy.add(kind === 'map' ? (isObj(b) ? b[mergeKey] : undefined) : b);
  const yes: unknown[] = [];
  const no: unknown[] = [];
  for (const v of items) {
    let key: unknown = v;
    if (kind === 'map') {
      if (!isObj(v) || !Object.prototype.hasOwnProperty.call(v, mergeKey)) throw noMergeKey(v, mergeKey);
      key = v[mergeKey];
    }
    (inBy.has(key) ? yes : no).push(v);
  }
  return [yes, no];
}

function applyRetainKeys(out: Obj, patch: Obj, retain: unknown): void {
  if (!Array.isArray(retain)) throw badRequest('invalid patch format of retainKeys');
  const keep = new Set<unknown>(retain);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k === RETAIN_KEYS || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
    if (!keep.has(k)) throw badRequest('invalid patch format of retainKeys');
  }
  for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
}

function validateSetOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? patchList.filter((v) => !(isObj(v) && v[DIRECTIVE] === 'delete')) : patchList;
  let pi = 0;
  let si = 0;
  while (pi < nonDelete.length && si < order.length) {
    const p = nonDelete[pi];
    if (isObj(p) && Object.prototype.hasOwnProperty.call(p, DIRECTIVE)) {
      pi++;
      continue;
    }
    const o = order[si];
    let equal: boolean;
    if (!mergeKey) equal = p === o;
    else {
      if (!isObj(p) || !Object.prototype.hasOwnProperty.call(p, mergeKey)) throw noMergeKey(p, mergeKey);
      if (!isObj(o) || !Object.prototype.hasOwnProperty.call(o, mergeKey)) throw noMergeKey(o, mergeKey);
      equal = p[mergeKey] === o[mergeKey];
    }
    if (equal) pi++;
    si++;
  }
  if (pi < nonDelete.length && si >= order.length) {
    throw badRequest(`The order in patch list:\n${describe(patchList)}\n doesn't match ${SET_ORDER} list:\n${describe(order)}\n`);
  }
}

/** Merges the list named by a `$setElementOrder/<field>` directive and orders it; returns the field's name. */
function applySetElementOrder(out: Obj, patch: Obj, directiveKey: string, schema: SchemaNode | undefined): string | undefined {
  const order = patch[directiveKey];
  if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
  const field = extractKey(directiveKey, SET_ORDER);
  const origV = out[field];
  const patchV = patch[field];
  const hasOrig = origV !== undefined && origV !== null;
  const hasPatch = patchV !== undefined;
  if (hasOrig && !Array.isArray(origV)) throw badArgType('[]interface {}', origV);
  if (hasPatch && !Array.isArray(patchV)) throw badArgType('[]interface {}', patchV);
  const origList = hasOrig ? (origV as unknown[]) : [];
  const patchList = hasPatch ? (patchV as unknown[]) : [];
  const fs = childSchema(schema, field);
  const mergeKey = hasStrategy(fs, 'merge') ? (fs?.patchMergeKey ?? '') : '';
  validateSetOrder(patchList, order, mergeKey);
  let merged: unknown[];
  if (hasOrig && !hasPatch) merged = origList;
  else if (!hasOrig && hasPatch) merged = mergeListField([], patchList, fs, false);
  else if (hasOrig && hasPatch) merged = mergeListField(origList, patchList, fs, false);
  else return undefined;
  const kind = elementKind(origList, patchList);
  if (kind === undefined || (kind === 'map' && !mergeKey)) {
    out[field] = merged;
    return field;
  }
  const [patchItems, serverOnly] = partition(merged, order, mergeKey, kind);
  out[field] = normalizeElementOrder(patchItems, serverOnly, order, origList, mergeKey, kind);
  return field;
}

function mergeMap(original: Obj | undefined, patch: Obj, schema: SchemaNode | undefined): Obj {
  if (Object.prototype.hasOwnProperty.call(patch, DIRECTIVE)) {
    const d = patch[DIRECTIVE];
    if (d === 'replace') {
      const rest = { ...patch };
      delete rest[DIRECTIVE];
      return mergeMap(undefined, rest, schema);
    }
    if (d === 'delete') return {};
    throw badRequest(`unknown patch type: ${String(d)} in map: ${describe(patch)}`);
  }
  const out: Obj = original ? { ...original } : {};
  if (Object.prototype.hasOwnProperty.call(patch, RETAIN_KEYS)) applyRetainKeys(out, patch, patch[RETAIN_KEYS]);
  let handled: Set<string> | undefined;
  for (const k of Object.keys(patch)) {
    if (!k.startsWith(SET_ORDER)) continue;
    const field = applySetElementOrder(out, patch, k, schema);
    if (field !== undefined) (handled ??= new Set()).add(field);
  }
  for (const [k0, pv] of Object.entries(patch)) {
    if (k0 === RETAIN_KEYS || k0.startsWith(SET_ORDER) || handled?.has(k0)) continue;
    let k = k0;
    let isDeleteList = false;
    if (k0.startsWith(DELETE_PRIMITIVE)) {
      k = extractKey(k0, DELETE_PRIMITIVE);
      isDeleteList = true;
    } else if (k0.startsWith('$')) {
      continue; // an unknown directive: dropped, as decoding into the Go type would drop it
    }
    if (pv === null) {
      delete out[k];
      continue;
    }
    const fs = childSchema(schema, k);
    const ov = out[k];
    if (ov === undefined || kindOf(ov) !== kindOf(pv)) {
      if (!isDeleteList) out[k] = fresh(pv, fs);
      continue;
    }
    if (isObj(ov)) out[k] = hasStrategy(fs, 'replace') ? fresh(pv, fs) : mergeMap(ov, pv as Obj, fs);
    else if (Array.isArray(ov)) out[k] = mergeListField(ov, pv as unknown[], fs, isDeleteList);
    else out[k] = pv;
  }
  return out;
}

/**
 * Applies a strategic merge patch to `target` under `schema` (the object's root type; undefined for an
 * unknown type). Throws PatchError 400 for a malformed patch (bad directive, missing merge key, ...),
 * 422 for lists of lists.
 */
export function applyStrategicMergePatch(target: Obj, patch: unknown, schema: SchemaNode | undefined): Obj {
  if (!isObj(patch)) {
    throw badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeName(patch)} into Go value of type map[string]interface {}`);
  }
  return freshRootAndMetadata(mergeMap(target, patch, schema), target);
}
