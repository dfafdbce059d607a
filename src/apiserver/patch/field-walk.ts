// Walks of an object together with its schema that produce or use field sets (structured-merge-diff's
// ToFieldSet, Compare and RemoveItems). One walk per call; nothing is cloned.
import type { SchemaNode } from '../../api/schema/types';
import { childNode, insertPath, newNode, type FieldNode } from './field-set';
import { deepEqual, isObj, type Obj } from './json-value';
import { childSchema, isAtomicMap, isDeclaredField, isStruct, LIST_MAP_KEY_DEFAULTS, listSemantics, type ListSemantics } from './schema-view';

/**
 * Fields the field manager never tracks (upstream's stripMeta plus the reset fields of the strategy): the
 * type, server-set metadata, and `status` on the main resource (`spec` on the status subresource).
 */
export interface Strip {
  /** Top-level fields to skip entirely. */
  top: ReadonlySet<string>;
}

const META_STRIP = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']);
const MAIN_STRIP: Strip = { top: new Set(['apiVersion', 'kind', 'status']) };
const STATUS_STRIP: Strip = { top: new Set(['apiVersion', 'kind', 'spec']) };

export function stripFor(subresource: string | undefined): Strip {
  return subresource === 'status' ? STATUS_STRIP : MAIN_STRIP;
}

type Level = 'root' | 'meta' | 'inner';

function skipKey(level: Level, key: string, strip: Strip | undefined): boolean {
  if (!strip) return false;
  if (level === 'root') return strip.top.has(key);
  if (level === 'meta') return META_STRIP.has(key);
  return false;
}

function nextLevel(level: Level, key: string): Level {
  return level === 'root' && key === 'metadata' ? 'meta' : 'inner';
}

/** The path element of a list item, or undefined when the item cannot be keyed (the list is then atomic). */
export function itemKey(item: unknown, ls: ListSemantics): string | undefined {
  if (ls.type === 'set') return 'v:' + JSON.stringify(item);
  if (ls.type !== 'map' || !isObj(item)) return undefined;
  const key: Obj = {};
  let n = 0;
  for (const name of ls.keys) {
    const v = Object.prototype.hasOwnProperty.call(item, name) ? item[name] : LIST_MAP_KEY_DEFAULTS[name];
    if (v === undefined || v === null) continue;
    key[name] = v;
    n++;
  }
  return n === 0 ? undefined : 'k:' + JSON.stringify(key);
}

/** Keys of every item, or undefined when some item has none. Duplicate keys keep the first item. */
export function indexItems(list: unknown[], ls: ListSemantics): { order: string[]; byKey: Map<string, unknown> } | undefined {
  const order: string[] = [];
  const byKey = new Map<string, unknown>();
  for (const item of list) {
    const k = itemKey(item, ls);
    if (k === undefined) return undefined;
    if (byKey.has(k)) continue;
    byKey.set(k, item);
    order.push(k);
  }
  return { order, byKey };
}

// ---- ToFieldSet ----

interface SetOpts {
  strip: Strip | undefined;
  /** Also make every present struct field a member (EnsureNamedFieldsAreMembers). */
  ensureNamed: boolean;
}

function setValue(node: FieldNode, v: unknown, s: SchemaNode | undefined, level: Level, o: SetOpts): void {
  if (Array.isArray(v)) {
    const ls = listSemantics(s);
    const idx = ls.type === 'atomic' ? undefined : indexItems(v, ls);
    if (!idx) {
      node.member = true;
      return;
    }
    for (const k of idx.order) {
      const c = childNode(node, k);
      c.member = true;
      const item = idx.byKey.get(k);
      if (isObj(item)) setEntries(c, item, s?.items, 'inner', o);
    }
    return;
  }
  if (isObj(v) && !isAtomicMap(s)) {
    setEntries(node, v, s, level, o);
    return;
  }
  node.member = true;
}

function setEntries(node: FieldNode, obj: Obj, s: SchemaNode | undefined, level: Level, o: SetOpts): void {
  for (const k in obj) {
    if (skipKey(level, k, o.strip)) continue;
    const x = obj[k];
    if (x === undefined) continue;
    const isMetaRoot = level === 'root' && k === 'metadata' && o.strip !== undefined;
    if (isMetaRoot && !isObj(x)) continue;
    const c = childNode(node, 'f:' + k);
    if (x === null || (isObj(x) && Object.keys(x).length === 0)) {
      if (isMetaRoot) node.children?.delete('f:' + k);
      else c.member = true;
      continue;
    }
    const declared = isDeclaredField(s, k);
    if ((!declared || o.ensureNamed) && !isMetaRoot) c.member = true;
    setValue(c, x, childSchema(s, k), nextLevel(level, k), o);
    if (!c.member && !c.children?.size) node.children?.delete('f:' + k);
  }
}

/** The set of fields an object (or an applied configuration) specifies. */
export function toFieldSet(obj: Obj, schema: SchemaNode | undefined, strip: Strip | undefined, ensureNamed = false): FieldNode {
  const root = newNode();
  setEntries(root, obj, schema, 'root', { strip, ensureNamed });
  return root;
}

/** The set with every struct field that has children made a member too (EnsureNamedFieldsAreMembers). */
export function ensureNamed(set: FieldNode, s: SchemaNode | undefined): FieldNode {
  if (!set.children?.size) return set;
  const children = new Map<string, FieldNode>();
  for (const [k, c] of set.children) {
    if (k.startsWith('f:')) {
      const name = k.slice(2);
      const e = ensureNamed(c, childSchema(s, name));
      children.set(k, c.children?.size && isDeclaredField(s, name) && !e.member ? { member: true, children: e.children } : e);
    } else {
      children.set(k, ensureNamed(c, s?.items));
    }
  }
  return { member: set.member, children };
}

// ---- Compare ----

export interface Comparison {
  added: FieldNode;
  modified: FieldNode;
  removed: FieldNode;
}

type Shape = 'absent' | 'scalar' | 'list' | 'map';

function shapeOf(v: unknown): Shape {
  if (v === undefined) return 'absent';
  if (Array.isArray(v)) return 'list';
  return isObj(v) ? 'map' : 'scalar';
}

function isEmptyValue(v: unknown): boolean {
  if (v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObj(v) && Object.keys(v).length === 0;
}

class Comparer {
  readonly c: Comparison = { added: newNode(), modified: newNode(), removed: newNode() };
  private readonly path: string[] = [];
  constructor(private readonly strip: Strip | undefined) {}

  private leaf(l: unknown, r: unknown): void {
    if (l === undefined) insertPath(this.c.added, this.path);
    else if (r === undefined) insertPath(this.c.removed, this.path);
    else if (!deepEqual(l, r)) insertPath(this.c.modified, this.path);
  }

  /** A non-leaf appeared or disappeared. Struct fields and required lists are not recorded as appearing. */
  private post(l: unknown, r: unknown, s: SchemaNode | undefined, required: boolean): void {
    if (this.path.length === 0) return;
    if (l === undefined) {
      const isItem = !(this.path[this.path.length - 1] as string).startsWith('f:');
      if (isItem || (!isStruct(s) && !required)) insertPath(this.c.added, this.path);
    } else if (r === undefined) insertPath(this.c.removed, this.path);
  }

  value(l0: unknown, r0: unknown, s: SchemaNode | undefined, level: Level, required: boolean): void {
    // A null is no value: the Go types upstream compares cannot tell it from an absent field.
    const l = l0 === null ? undefined : l0;
    const r = r0 === null ? undefined : r0;
    if (l === undefined && r === undefined) return;
    const ls = shapeOf(l);
    const rs = shapeOf(r);
    const shape = ls === 'absent' ? rs : rs === 'absent' ? ls : ls === rs ? ls : 'scalar';
    if (level === 'meta' && this.strip) {
      // The metadata struct itself is never tracked, only the fields in it.
      if (ls !== 'scalar' && rs !== 'scalar' && ls !== 'list' && rs !== 'list') this.entries(l as Obj | undefined, r as Obj | undefined, s, level);
      return;
    }
    if (shape === 'list') {
      const sem = listSemantics(s);
      if (sem.type === 'atomic' || (isEmptyValue(l) && isEmptyValue(r))) return this.leaf(l, r);
      const li = indexItems((l as unknown[] | undefined) ?? [], sem);
      const ri = indexItems((r as unknown[] | undefined) ?? [], sem);
      if (!li || !ri) return this.leaf(l, r);
      for (const k of ri.order) this.child(k, li.byKey.get(k), ri.byKey.get(k), s?.items, 'inner', false);
      for (const k of li.order) if (!ri.byKey.has(k)) this.child(k, li.byKey.get(k), undefined, s?.items, 'inner', false);
      return this.post(l, r, s, required);
    }
    if (shape === 'map' && !isAtomicMap(s) && !(isEmptyValue(l) && isEmptyValue(r))) {
      this.entries(l as Obj | undefined, r as Obj | undefined, s, level);
      return this.post(l, r, s, required);
    }
    this.leaf(l, r);
  }

  private entries(lo: Obj | undefined, ro: Obj | undefined, s: SchemaNode | undefined, level: Level): void {
    const req = s?.required;
    for (const k in ro) {
      if (skipKey(level, k, this.strip) || ro[k] === undefined) continue;
      this.child('f:' + k, lo?.[k], ro[k], childSchema(s, k), nextLevel(level, k), req?.includes(k) ?? false);
    }
    for (const k in lo) {
      if (skipKey(level, k, this.strip) || lo[k] === undefined || (ro && ro[k] !== undefined)) continue;
      this.child('f:' + k, lo[k], undefined, childSchema(s, k), nextLevel(level, k), req?.includes(k) ?? false);
    }
  }

  private child(key: string, l: unknown, r: unknown, s: SchemaNode | undefined, level: Level, required: boolean): void {
    this.path.push(key);
    this.value(l, r, s, level, required);
    this.path.pop();
  }
}

/** What changed between two versions of an object, as field sets (structured-merge-diff's Compare). */
export function compareObjects(l: Obj, r: Obj, schema: SchemaNode | undefined, strip: Strip | undefined): Comparison {
  const c = new Comparer(strip);
  c.value(l, r, schema, 'root', false);
  return c.c;
}

// ---- RemoveItems ----

/** Never removed by pruning: the identity of the object. */
function protectedKey(level: Level, key: string): boolean {
  if (level === 'root') return key === 'apiVersion' || key === 'kind' || key === 'metadata';
  return level === 'meta' && META_STRIP.has(key);
}

function removeFromValue(v: unknown, set: FieldNode, s: SchemaNode | undefined, level: Level, protect: boolean): unknown {
  if (!set.children?.size) return v;
  if (Array.isArray(v)) {
    const ls = listSemantics(s);
    if (ls.type === 'atomic') return v;
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const k = itemKey(item, ls);
      const c = k === undefined ? undefined : set.children.get(k);
      let nv: unknown = item;
      if (c?.member) nv = undefined;
      else if (c) nv = removeFromValue(item, c, s?.items, 'inner', protect);
      if (nv !== item && !out) out = v.slice(0, i);
      if (out && nv !== undefined) out.push(nv);
    }
    return out ?? v;
  }
  if (!isObj(v) || isAtomicMap(s)) return v;
  let out: Obj | undefined;
  for (const [ck, c] of set.children) {
    if (!ck.startsWith('f:')) continue;
    const name = ck.slice(2);
    if (!Object.prototype.hasOwnProperty.call(v, name)) continue;
    const keep = protect && protectedKey(level, name);
    if (c.member && !keep) {
      out ??= { ...v };
      delete out[name];
      continue;
    }
    if (keep && level === 'meta') continue;
    const x = v[name];
    const nx = removeFromValue(x, c, childSchema(s, name), nextLevel(level, name), protect);
    if (nx !== x) {
      out ??= { ...v };
      out[name] = nx;
    }
  }
  return out ?? v;
}

/**
 * `obj` without the fields of `set` (a member removes its whole subtree). With `protect`, the type, the
 * metadata struct and server-set metadata fields are kept whatever the set says.
 */
export function removeItems(obj: Obj, set: FieldNode, schema: SchemaNode | undefined, protect: boolean): Obj {
  return removeFromValue(obj, set, schema, 'root', protect) as Obj;
}
