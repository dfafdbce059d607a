// Small helpers for in-place defaulting of untyped JSON objects.

import { type Obj, isObj } from '../validation/util';

export type { Obj };
export { isObj };

/** Returns obj[k] as an object, creating `{}` when absent (or not an object). */
export function ensureObj(o: Obj, k: string): Obj {
  const v = o[k];
  if (isObj(v)) return v;
  const n: Obj = {};
  o[k] = n;
  return n;
}
/** Sets o[k] = v when o[k] is absent (undefined or null). */
export function setDefault(o: Obj, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}
/** Sets o[k] = v when o[k] is absent or the empty string (Go's `if x == ""`). */
export function setDefaultStr(o: Obj, k: string, v: string): void {
  if (o[k] === undefined || o[k] === null || o[k] === '') o[k] = v;
}
/** Sets o[k] = v when o[k] is absent or 0 (Go's zero-valued int32 fields). */
export function setDefaultNum(o: Obj, k: string, v: number): void {
  if (o[k] === undefined || o[k] === null || o[k] === 0) o[k] = v;
}
export function eachObj(v: unknown, fn: (o: Obj) => void): void {
  if (Array.isArray(v)) for (const x of v) if (isObj(x)) fn(x);
}
