// Field sets: which fields of an object a manager owns (structured-merge-diff's fieldpath.Set), stored in
// managedFields as FieldsV1. A set is a trie keyed by path elements in their FieldsV1 spelling:
//
//   f:<field name>         a struct field or map key            {"f:spec":{"f:replicas":{}}}
//   k:<json of the keys>   an item of an associative list       {"k:{\"name\":\"nginx\"}":{".":{},"f:image":{}}}
//   v:<json of the value>  an item of a set                     {"v:\"example.com/finalizer\"":{}}
//   i:<index>              an item of a list by position (read, never produced)
//
// A node is a member when the path itself is in the set (a leaf, or "." beside children in FieldsV1).
// Nodes are treated as immutable once built: the operations share untouched subtrees.
import { isObj, type Obj } from './json-value';

export interface FieldNode {
  member: boolean;
  children: Map<string, FieldNode> | undefined;
}

export function newNode(member = false): FieldNode {
  return { member, children: undefined };
}

export function isEmpty(n: FieldNode | undefined): boolean {
  return !n || (!n.member && (!n.children || n.children.size === 0));
}

/** The child for `key`, created if missing (for building a set). */
export function childNode(n: FieldNode, key: string): FieldNode {
  let c = n.children?.get(key);
  if (!c) {
    c = newNode();
    (n.children ??= new Map()).set(key, c);
  }
  return c;
}

export function insertPath(root: FieldNode, path: readonly string[]): void {
  let n = root;
  for (const k of path) n = childNode(n, k);
  n.member = true;
}

export function hasPath(root: FieldNode, path: readonly string[]): boolean {
  let n: FieldNode | undefined = root;
  for (const k of path) {
    n = n.children?.get(k);
    if (!n) return false;
  }
  return n.member;
}

export function union(a: FieldNode, b: FieldNode): FieldNode {
  if (isEmpty(b)) return a;
  if (isEmpty(a)) return b;
  let children: Map<string, FieldNode> | undefined;
  if (a.children?.size || b.children?.size) {
    children = new Map(a.children);
    for (const [k, bc] of b.children ?? []) {
      const ac = children.get(k);
      children.set(k, ac ? union(ac, bc) : bc);
    }
  }
  return { member: a.member || b.member, children };
}

/** Paths of `a` that are not paths of `b` (member by member; b's members do not remove a's subtrees). */
export function difference(a: FieldNode, b: FieldNode): FieldNode {
  if (isEmpty(b)) return a;
  let changed = a.member && b.member;
  let children: Map<string, FieldNode> | undefined;
  if (a.children?.size) {
    children = new Map();
    for (const [k, ac] of a.children) {
      const bc = b.children?.get(k);
      const d = bc ? difference(ac, bc) : ac;
      if (d !== ac) changed = true;
      if (!isEmpty(d)) children.set(k, d);
    }
  }
  // Unchanged sets come back as themselves, so callers can tell cheaply that nothing was taken away.
  return changed ? { member: a.member && !b.member, children } : a;
}

export function intersection(a: FieldNode, b: FieldNode): FieldNode {
  let children: Map<string, FieldNode> | undefined;
  if (a.children?.size && b.children?.size) {
    children = new Map();
    for (const [k, ac] of a.children) {
      const bc = b.children.get(k);
      if (!bc) continue;
      const i = intersection(ac, bc);
      if (!isEmpty(i)) children.set(k, i);
    }
  }
  return { member: a.member && b.member, children };
}

export function equalSets(a: FieldNode, b: FieldNode): boolean {
  if (a.member !== b.member) return false;
  const an = a.children?.size ?? 0;
  const bn = b.children?.size ?? 0;
  if (an !== bn) return false;
  if (an === 0) return true;
  for (const [k, ac] of a.children ?? []) {
    const bc = b.children?.get(k);
    if (!bc || !equalSets(ac, bc)) return false;
  }
  return true;
}

const RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  return ja < jb ? -1 : ja > jb ? 1 : 0;
}

function parsed(cache: Map<string, unknown>, s: string): unknown {
  if (cache.has(s)) return cache.get(s);
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    v = s;
  }
  cache.set(s, v);
  return v;
}

/** structured-merge-diff's PathElement order: fields, then keys, then values, then indices. */
function comparePathElements(a: string, b: string, cache: Map<string, unknown>): number {
  const ra = RANK[a[0] as string] ?? 4;
  const rb = RANK[b[0] as string] ?? 4;
  if (ra !== rb) return ra - rb;
  const sa = a.slice(2);
  const sb = b.slice(2);
  if (ra === 1) {
    const ka = parsed(cache, sa);
    const kb = parsed(cache, sb);
    if (isObj(ka) && isObj(kb)) {
      const ea = Object.entries(ka);
      const eb = Object.entries(kb);
      if (ea.length !== eb.length) return ea.length - eb.length;
      for (let i = 0; i < ea.length; i++) {
        const [na, va] = ea[i] as [string, unknown];
        const [nb, vb] = eb[i] as [string, unknown];
        if (na !== nb) return na < nb ? -1 : 1;
        const c = compareValues(va, vb);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
  if (ra === 2) return compareValues(parsed(cache, sa), parsed(cache, sb));
  if (ra === 3) return Number(sa) - Number(sb);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function sortedKeys(n: FieldNode, cache: Map<string, unknown>): string[] {
  const keys = [...(n.children?.keys() ?? [])];
  if (keys.length > 1) {
    // Field names only (the common case): plain code-unit order equals upstream's byte order for them.
    if (keys.every((k) => k.charCodeAt(0) === 102 /* f */)) keys.sort();
    else keys.sort((a, b) => comparePathElements(a, b, cache));
  }
  return keys;
}

function encodeNode(n: FieldNode, cache: Map<string, unknown>): Obj {
  const out: Obj = {};
  if (n.member && n.children?.size) out['.'] = {};
  for (const k of sortedKeys(n, cache)) out[k] = encodeNode(n.children?.get(k) as FieldNode, cache);
  return out;
}

/** The FieldsV1 JSON of a set, children in upstream's order. */
export function encodeFieldsV1(root: FieldNode): Obj {
  return encodeNode({ member: false, children: root.children }, new Map());
}

/** Reads FieldsV1 JSON; returns undefined when it is not an object of objects. */
export function decodeFieldsV1(v: unknown): FieldNode | undefined {
  if (!isObj(v)) return undefined;
  const n = newNode();
  for (const [k, x] of Object.entries(v)) {
    if (k === '.') {
      n.member = true;
      continue;
    }
    const c = decodeFieldsV1(x);
    if (!c) return undefined;
    if (!c.children || c.children.size === 0) c.member = true;
    (n.children ??= new Map()).set(k, c);
  }
  return n;
}

function valueString(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v));
}

/** A path in structured-merge-diff's notation, e.g. `.spec.template.spec.containers[name="nginx"].image`. */
export function pathString(path: readonly string[]): string {
  let s = '';
  for (const pe of path) {
    const body = pe.slice(2);
    switch (pe[0]) {
      case 'f':
        s += '.' + body;
        break;
      case 'k': {
        let keys: unknown;
        try {
          keys = JSON.parse(body);
        } catch {
          keys = undefined;
        }
        s += isObj(keys) ? '[' + Object.entries(keys).map(([k, v]) => `${k}=${valueString(v)}`).join(',') + ']' : `[${body}]`;
        break;
      }
      case 'v': {
        let v: unknown;
        try {
          v = JSON.parse(body);
        } catch {
          v = body;
        }
        s += `[=${valueString(v)}]`;
        break;
      }
      case 'i':
        s += `[${body}]`;
        break;
      default:
        s += `{{invalid path element}}`;
    }
  }
  return s;
}

/** Every member path, in structured-merge-diff's iteration order (a node's members, then its children). */
export function memberPaths(root: FieldNode): string[][] {
  const out: string[][] = [];
  const cache = new Map<string, unknown>();
  const walk = (n: FieldNode, prefix: string[]): void => {
    const keys = sortedKeys(n, cache);
    for (const k of keys) if (n.children?.get(k)?.member) out.push([...prefix, k]);
    for (const k of keys) {
      const c = n.children?.get(k) as FieldNode;
      if (c.children?.size) walk(c, [...prefix, k]);
    }
  };
  walk(root, []);
  return out;
}
