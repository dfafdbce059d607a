// Defensive, allocation-free accessors over untyped JSON objects, and the small formatting helpers
// Kubernetes' printers share (labels, label selectors, container lists, timestamps).
//
// Every accessor tolerates any input (null, wrong type, missing field) and returns a neutral value, so
// printers never throw on odd objects. The neutral object/array are shared frozen constants: reading
// through a missing branch allocates nothing.

import { humanDuration } from './duration';

export type Obj = Readonly<Record<string, unknown>>;

const EMPTY_OBJ: Obj = Object.freeze({});
const EMPTY_ARR: readonly unknown[] = Object.freeze([]);

/** `v` if it is a plain (non-array) object, else a shared empty object. */
export function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : EMPTY_OBJ;
}

/** `v` if it is an array, else a shared empty array. */
export function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : EMPTY_ARR;
}

/** `v` if it is a string, else ''. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** `v` if it is a finite number, else `dflt` (0). */
export function num(v: unknown, dflt = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

/** True if `v` is a finite number (a set optional integer field). */
export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Number of own keys of an object field (map length in Go); 0 for anything else. */
export function mapLen(v: unknown): number {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 0;
  let n = 0;
  for (const _k in v) n++;
  return n;
}

export function meta(o: Obj): Obj {
  return obj(o['metadata']);
}

export function nameOf(o: Obj): string {
  return str(meta(o)['name']);
}

/** Milliseconds since epoch of an RFC3339 timestamp, or NaN when absent/invalid (Go's zero time). */
export function parseTime(v: unknown): number {
  if (typeof v !== 'string' || v === '') return NaN;
  const t = fastRFC3339(v);
  return Number.isNaN(t) ? Date.parse(v) : t;
}

function digits(s: string, at: number, n: number): number {
  let out = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    out = out * 10 + c;
  }
  return out;
}

/**
 * 'YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)' without Date.parse (which costs ~0.6 µs, the largest share of a
 * pod row). NaN for anything else; the caller then falls back to Date.parse.
 */
function fastRFC3339(s: string): number {
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 116) return NaN; // 'T' | 't'
  let y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (Number.isNaN(y + mo + d + h + mi + sec) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return NaN;
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    const start = i;
    while (i < s.length) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      ms += c * scale;
      scale /= 10;
      i++;
    }
    if (i === start) return NaN;
    ms = Math.trunc(ms);
  }
  let offset = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    if (i + 1 !== s.length) return NaN;
  } else if ((z === 43 || z === 45) && i + 6 === s.length && s.charCodeAt(i + 3) === 58) {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (Number.isNaN(oh + om)) return NaN;
    offset = (z === 43 ? 1 : -1) * (oh * 60 + om) * 60000;
  } else {
    return NaN;
  }
  // Days from the civil date (H. Hinnant's algorithm), proleptic Gregorian, UTC.
  y -= mo <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return days * 86400000 + ((h * 60 + mi) * 60 + sec) * 1000 + ms - offset;
}

/** Kubernetes' translateTimestampSince: '<unknown>' for a zero time, else HumanDuration(now - t). */
export function since(ts: unknown, now: number): string {
  const t = parseTime(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

/** AGE cell from metadata.creationTimestamp. */
export function age(o: Obj, now: number): string {
  return since(meta(o)['creationTimestamp'], now);
}

/** labels.FormatLabels: sorted `k=v` joined by ',', '<none>' when empty. */
export function formatLabels(v: unknown): string {
  const m = obj(v);
  const keys = Object.keys(m);
  if (keys.length === 0) return '<none>';
  keys.sort();
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (i > 0) out += ',';
    out += `${k}=${str(m[k])}`;
  }
  return out;
}

interface Requirement {
  key: string;
  text: string;
}

/**
 * metav1.LabelSelectorAsSelector(...).String(). Returns undefined for an invalid selector (unknown
 * operator, missing values), '' for a nil or empty selector.
 */
export function labelSelectorString(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return '';
  const sel = obj(v);
  const ml = obj(sel['matchLabels']);
  const me = arr(sel['matchExpressions']);
  const reqs: Requirement[] = [];
  for (const k in ml) reqs.push({ key: k, text: `${k}=${str(ml[k])}` });
  for (const e of me) {
    const x = obj(e);
    const key = str(x['key']);
    const values = arr(x['values']).map(str);
    switch (str(x['operator'])) {
      case 'In':
        if (values.length === 0) return undefined;
        reqs.push({ key, text: `${key} in (${uniqSorted(values).join(',')})` });
        break;
      case 'NotIn':
        if (values.length === 0) return undefined;
        reqs.push({ key, text: `${key} notin (${uniqSorted(values).join(',')})` });
        break;
      case 'Exists':
        if (values.length > 0) return undefined;
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        if (values.length > 0) return undefined;
        reqs.push({ key, text: `!${key}` });
        break;
      default:
        return undefined;
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

function uniqSorted(values: string[]): string[] {
  return [...new Set(values)].sort();
}

/** metav1.FormatLabelSelector: '<error>' when invalid, '<none>' when empty. */
export function formatLabelSelector(v: unknown): string {
  const s = labelSelectorString(v);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

/** layoutContainerCells: container names and images, each joined by ','. */
export function containerCells(containers: unknown): [string, string] {
  let names = '';
  let images = '';
  const list = arr(containers);
  for (let i = 0; i < list.length; i++) {
    const c = obj(list[i]);
    if (i > 0) {
      names += ',';
      images += ',';
    }
    names += str(c['name']);
    images += str(c['image']);
  }
  return [names, images];
}

/** The pod template's containers of a workload: spec.template.spec.containers. */
export function templateContainers(spec: Obj): unknown {
  return obj(obj(obj(spec['template'])['spec']))['containers'];
}

/** printBool / printBoolPtr. */
export function boolText(v: unknown, unset = '<unset>'): string {
  if (typeof v !== 'boolean') return unset;
  return v ? 'True' : 'False';
}

/** intstr.IntOrString.String(). */
export function intOrString(v: unknown): string {
  if (typeof v === 'number') return String(Math.trunc(v));
  return str(v);
}

/** resource.Quantity as text: the stored canonical string (numbers are printed as is). */
export function quantity(v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v !== '' ? v : '0';
}

/** Go's net.JoinHostPort: brackets around IPv6 hosts. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Integer value of an int32/int64 field (JSON numbers may come in as floats from hand-made objects). */
export function int(v: unknown, dflt = 0): number {
  return Math.trunc(num(v, dflt));
}

/** Status of the first condition of `type` in a conditions array, or '' if absent. */
export function conditionStatus(conditions: unknown, type: string): string {
  for (const c of arr(conditions)) {
    const x = obj(c);
    if (x['type'] === type) return str(x['status']);
  }
  return '';
}

/** Lists at most `max` items, then ' + N more...'; '<unset>' when empty (listWithMoreString). */
export function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}
