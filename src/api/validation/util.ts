// Safe accessors over untyped JSON objects. Validation never throws on a wrong shape: a value of the
// wrong JSON type reads as absent (type errors are the schema/decoder layer's job).

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function obj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
export function objs(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
export function bool(v: unknown): boolean {
  return v === true;
}
/** A map<string,string>; entries with non-string values are kept as their String() form. */
export function strMap(v: unknown): Record<string, string> {
  if (!isObj(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' ? x : String(x);
  return out;
}
/** Path helpers in Kubernetes' field.Path notation. */
export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

function isNilish(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v !== 'object') return false;
  for (const _k in v) return false;
  return true;
}

/**
 * Structural equality of JSON values, like upstream's apiequality.Semantic.DeepEqual: an absent field, null,
 * an empty list and an empty object are equal (Go's nil and empty slices/maps, and zero structs, compare equal
 * there; a nil vs empty struct pointer also counts as equal here, erring on the side of "no change").
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNilish(a) && isNilish(b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Obj;
  const bo = b as Obj;
  for (const k in ao) if (!deepEqual(ao[k], bo[k])) return false;
  for (const k in bo) if (!(k in ao) && !isNilish(bo[k])) return false;
  return true;
}

/** Go-style integer check (JSON numbers that are whole). */
export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}
