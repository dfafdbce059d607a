// metav1.LabelSelector: validation (apis/meta/v1/validation) and matching.

import { type FieldError, GoLiteral, forbidden, goQuote, invalid, required } from './field-error';
import { validateLabels } from './object-meta';
import { isQualifiedName, isValidLabelValue } from './names';
import { arr, child, index, isObj, obj, objs, str, strMap } from './util';

export function validateLabelSelector(sel: unknown, path: string, errs: FieldError[]): void {
  const s = obj(sel);
  if (!s) return;
  validateLabels(s.matchLabels, child(path, 'matchLabels'), errs);
  objs(s.matchExpressions).forEach((req, i) => {
    const p = index(child(path, 'matchExpressions'), i);
    const op = str(req.operator);
    const values = arr(req.values);
    switch (op) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(child(p, 'operator'), op, 'not a valid selector operator'));
    }
    const k = str(req.key);
    for (const m of isQualifiedName(k)) errs.push(invalid(child(p, 'key'), k, m));
    values.forEach((v, vi) => {
      for (const m of isValidLabelValue(str(v))) errs.push(invalid(index(child(p, 'values'), vi), str(v), m));
    });
  });
}

/** True when the selector has no requirements (matches everything). */
export function selectorIsEmpty(sel: unknown): boolean {
  const s = obj(sel);
  if (!s) return true;
  return Object.keys(strMap(s.matchLabels)).length === 0 && arr(s.matchExpressions).length === 0;
}

/** LabelSelectorAsSelector(sel).Matches(labels). A nil selector matches nothing, an empty one everything. */
export function selectorMatches(sel: unknown, labels: Record<string, string>): boolean {
  const s = obj(sel);
  if (!s) return false;
  for (const [k, v] of Object.entries(strMap(s.matchLabels))) if (labels[k] !== v) return false;
  for (const req of objs(s.matchExpressions)) {
    const k = str(req.key);
    const has = Object.prototype.hasOwnProperty.call(labels, k);
    const values = arr(req.values).map(str);
    switch (str(req.operator)) {
      case 'In':
        if (!has || !values.includes(labels[k] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[k] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Go's `%#v` of a map[string]string (nil when absent), keys sorted. */
export function goStringMap(m: unknown): string {
  if (!isObj(m)) return 'map[string]string(nil)';
  const entries = Object.entries(strMap(m)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]string{${entries.map(([k, v]) => `${goQuote(k)}:${goQuote(v)}`).join(', ')}}`;
}

/** Go's `%#v` of a *metav1.LabelSelector, as printed in `field is immutable` errors. */
export function goLabelSelector(sel: unknown): GoLiteral {
  const s = obj(sel);
  if (!s) return new GoLiteral('null');
  const exprs = objs(s.matchExpressions);
  const ex =
    Array.isArray(s.matchExpressions) && exprs.length >= 0 && s.matchExpressions !== undefined
      ? `[]v1.LabelSelectorRequirement{${exprs
          .map((r) => {
            const vals = Array.isArray(r.values) ? `[]string{${arr(r.values).map((v) => goQuote(str(v))).join(', ')}}` : '[]string(nil)';
            return `v1.LabelSelectorRequirement{Key:${goQuote(str(r.key))}, Operator:${goQuote(str(r.operator))}, Values:${vals}}`;
          })
          .join(', ')}}`
      : '[]v1.LabelSelectorRequirement(nil)';
  return new GoLiteral(`v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${ex}}`);
}
