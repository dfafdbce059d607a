// Small helpers over decoded JSON values (objects are plain records, lists are arrays).

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of two JSON values (object key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Obj;
  const bo = b as Obj;
  let n = 0;
  for (const k in ao) {
    if (!Object.prototype.hasOwnProperty.call(ao, k)) continue;
    n++;
    if (!Object.prototype.hasOwnProperty.call(bo, k) || !deepEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (Object.prototype.hasOwnProperty.call(bo, k)) n--;
  return n === 0;
}

/** A deep copy of a JSON value (used where a value is inserted at two places, e.g. JSON patch `copy`). */
export function cloneJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x: unknown) => cloneJson(x)) as T;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v as Obj)) out[k] = cloneJson(x);
  return out as T;
}

function hasNullMember(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasNullMember);
  if (!isObj(v)) return false;
  for (const k in v) {
    const x = v[k];
    if (x === null || hasNullMember(x)) return true;
  }
  return false;
}

/**
 * `v` without object members whose value is null, at any depth (RFC 7386: nulls in an added value are
 * not kept). Returns `v` itself when it has none, so the common case allocates nothing.
 */
export function dropNulls(v: unknown): unknown {
  if (!hasNullMember(v)) return v;
  if (Array.isArray(v)) return v.map(dropNulls);
  const out: Obj = {};
  for (const [k, x] of Object.entries(v as Obj)) if (x !== null) out[k] = dropNulls(x);
  return out;
}

/** Go's %v-ish rendering of a value for error messages. */
export function describe(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/**
 * Makes sure `result` does not share its root or its metadata object with `target`, so callers may set
 * metadata fields (resourceVersion, generation, ...) on a patch result without touching the original.
 */
export function freshRootAndMetadata(result: Obj, target: Obj): Obj {
  const out = result === target ? { ...result } : result;
  const md = out.metadata;
  if (isObj(md) && md === target.metadata) out.metadata = { ...md };
  return out;
}
