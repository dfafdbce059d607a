// Quantities as the API server serves them: every resource.Quantity is re-encoded in canonical form
// ("1000m" -> "1", "1024Mi" -> "1Gi", numbers -> strings), and ResourceLists are rounded up to milli scale
// (SetDefaults_ResourceList). Malformed values are left alone for validation to report.

import { formatQuantity, parseQuantity } from '../validation/quantity';
import { type Obj, eachObj, isObj } from './util';

function canonical(v: unknown, roundToMilli: boolean): unknown {
  if (typeof v !== 'string' && typeof v !== 'number') return v;
  const q = parseQuantity(v);
  if (!q) return v;
  if (roundToMilli) {
    const milli = q.num * 1000n;
    if (milli % q.den !== 0n) {
      // Round away from zero to the next milli unit, as Quantity.RoundUp(-3) does.
      const m = milli / q.den + (q.num < 0n ? -1n : 1n);
      return formatQuantity({ num: m, den: 1000n, format: q.format });
    }
  }
  return formatQuantity(q);
}

/** Canonicalizes every value of a ResourceList-shaped map in place. */
export function canonicalizeResourceList(list: unknown): void {
  if (!isObj(list)) return;
  for (const k of Object.keys(list)) list[k] = canonical(list[k], true);
}

/** Canonicalizes a single Quantity field (not a ResourceList: no milli rounding). */
export function canonicalizeQuantityField(o: Obj, k: string): void {
  if (o[k] !== undefined && o[k] !== null) o[k] = canonical(o[k], false);
}

export function canonicalizeRequirements(res: unknown): void {
  if (!isObj(res)) return;
  canonicalizeResourceList(res.limits);
  canonicalizeResourceList(res.requests);
}

/** Container resources, pod overhead and emptyDir size limits of a PodSpec. */
export function canonicalizePodSpecQuantities(spec: Obj): void {
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) eachObj(spec[list], (c) => canonicalizeRequirements(c.resources));
  canonicalizeResourceList(spec.overhead);
  canonicalizeRequirements(spec.resources);
  eachObj(spec.volumes, (v) => {
    if (isObj(v.emptyDir)) canonicalizeQuantityField(v.emptyDir, 'sizeLimit');
  });
}
