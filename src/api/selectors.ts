// Label and field selectors (k8s.io/apimachinery/pkg/labels and /fields), parsed once per request or watch,
// matched many times. Used by the API server's list/watch filtering and by every client-side component.

export type Operator = 'in' | 'notin' | 'exists' | 'doesnotexist' | '=' | '!=' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

export class SelectorParseError extends Error {
  override name = 'SelectorParseError';
}

export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  /** True when the selector selects everything. */
  readonly empty: boolean;
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  toString(): string;
}

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(k: string): void {
  if (!KEY_RE.test(k) || k.length > 317) throw new SelectorParseError(`unable to parse requirement: invalid label key "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
}
function checkValue(v: string): void {
  if (v.length > 63 || !VALUE_RE.test(v)) throw new SelectorParseError(`unable to parse requirement: values[0][${v}]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
}

function matchReq(r: Requirement, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key]! : undefined;
  switch (r.op) {
    case '=':
    case 'in':
      return has && r.values.includes(v!);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(v!);
    case 'exists':
      return has;
    case 'doesnotexist':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has) return false;
      const n = Number(v);
      const bound = Number(r.values[0]);
      if (!Number.isInteger(n)) return false;
      return r.op === 'gt' ? n > bound : n < bound;
    }
  }
}

function makeSelector(reqs: Requirement[]): LabelSelector {
  const sorted = [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    empty: sorted.length === 0,
    matches(labels) {
      for (const r of sorted) if (!matchReq(r, labels)) return false;
      return true;
    },
    toString() {
      return sorted
        .map((r) => {
          switch (r.op) {
            case '=': return `${r.key}=${r.values[0]}`;
            case '!=': return `${r.key}!=${r.values[0]}`;
            case 'in': return `${r.key} in (${r.values.join(',')})`;
            case 'notin': return `${r.key} notin (${r.values.join(',')})`;
            case 'exists': return r.key;
            case 'doesnotexist': return `!${r.key}`;
            case 'gt': return `${r.key}>${r.values[0]}`;
            case 'lt': return `${r.key}<${r.values[0]}`;
          }
          return '';
        })
        .join(',');
    },
  };
}

export const EVERYTHING: LabelSelector = makeSelector([]);

/** Parses the string form (`a=b,c!=d,e in (x,y),!f,g`), as in `?labelSelector=`. */
export function parseLabelSelector(input: string | undefined | null): LabelSelector {
  if (!input || input.trim() === '') return EVERYTHING;
  const reqs: Requirement[] = [];
  let i = 0;
  const s = input;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const ident = (): string => {
    ws();
    const start = i;
    while (i < s.length && !/[\s,=!()<>]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    ws();
    let neg = false;
    if (s[i] === '!') {
      neg = true;
      i++;
    }
    const key = ident();
    if (!key) throw new SelectorParseError(`unable to parse requirement: found '${s[i] ?? ''}', expected: identifier`);
    checkKey(key);
    ws();
    if (neg) {
      reqs.push({ key, op: 'doesnotexist', values: [] });
    } else if (i >= s.length || s[i] === ',') {
      reqs.push({ key, op: 'exists', values: [] });
    } else if (s.startsWith('==', i) || s[i] === '=' || s.startsWith('!=', i)) {
      const op: Operator = s[i] === '!' ? '!=' : '=';
      i += s.startsWith('==', i) || s.startsWith('!=', i) ? 2 : 1;
      const v = ident();
      checkValue(v);
      reqs.push({ key, op, values: [v] });
    } else if (s[i] === '>' || s[i] === '<') {
      const op: Operator = s[i] === '>' ? 'gt' : 'lt';
      i++;
      const v = ident();
      if (!/^-?\d+$/.test(v)) throw new SelectorParseError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
      reqs.push({ key, op, values: [v] });
    } else {
      const word = ident().toLowerCase();
      if (word !== 'in' && word !== 'notin') throw new SelectorParseError(`unable to parse requirement: found '${word}', expected: in, notin, =, ==, !=, gt, lt`);
      ws();
      if (s[i] !== '(') throw new SelectorParseError(`unable to parse requirement: found '${s[i] ?? ''}', expected: '('`);
      i++;
      const values: string[] = [];
      for (;;) {
        const v = ident();
        checkValue(v);
        values.push(v);
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ')') {
          i++;
          break;
        }
        throw new SelectorParseError(`unable to parse requirement: found '${s[i] ?? ''}', expected: ',', ')'`);
      }
      reqs.push({ key, op: word, values });
    }
    ws();
    if (i < s.length) {
      if (s[i] !== ',') throw new SelectorParseError(`unable to parse requirement: found '${s[i]}', expected: ','`);
      i++;
    }
  }
  return makeSelector(reqs);
}

interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/**
 * Converts a metav1.LabelSelector (as in Deployment.spec.selector). `null`/undefined selects nothing
 * (upstream's LabelSelectorAsSelector returns labels.Nothing()); `{}` selects everything.
 */
export function selectorFromSpec(spec: LabelSelectorSpec | null | undefined): LabelSelector {
  if (spec == null) return NOTHING;
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(spec.matchLabels ?? {})) reqs.push({ key: k, op: '=', values: [v] });
  for (const e of spec.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    const map: Record<string, Operator> = { in: 'in', notin: 'notin', exists: 'exists', doesnotexist: 'doesnotexist' };
    const o = map[op];
    if (!o) throw new SelectorParseError(`"${e.operator}" is not a valid label selector operator`);
    reqs.push({ key: e.key, op: o, values: [...(e.values ?? [])] });
  }
  return makeSelector(reqs);
}

export const NOTHING: LabelSelector = {
  requirements: [],
  empty: false,
  matches: () => false,
  toString: () => '<none>',
};

/** A map selector (Service.spec.selector, RC.spec.selector): every pair must match; empty selects everything. */
export function selectorFromMap(m: Record<string, string> | undefined | null): LabelSelector {
  return makeSelector(Object.entries(m ?? {}).map(([key, v]) => ({ key, op: '=' as const, values: [v] })));
}

// ---- field selectors ----

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  /** `fields` maps a supported field label to the object's value (see fieldsOf in the API server). */
  matches(fields: (field: string) => string | undefined): boolean;
  /** The value required for `field` by an `=` requirement, if any (used to index watchers, e.g. spec.nodeName). */
  exact(field: string): string | undefined;
  toString(): string;
}

/** Parses `a=b,c!=d` (also `==`); values may escape `\,` `\=` `\\` like upstream. */
export function parseFieldSelector(input: string | undefined | null): FieldSelector {
  const reqs: FieldRequirement[] = [];
  if (input && input.trim() !== '') {
    const parts: string[] = [];
    let cur = '';
    for (let i = 0; i < input.length; i++) {
      const c = input[i]!;
      if (c === '\\' && i + 1 < input.length) {
        cur += c + input[i + 1];
        i++;
      } else if (c === ',') {
        parts.push(cur);
        cur = '';
      } else cur += c;
    }
    parts.push(cur);
    for (const p of parts) {
      const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(p.trim());
      if (!m) throw new SelectorParseError(`invalid selector: '${p}'; can't understand '${p}'`);
      const value = m[3]!.replace(/\\(.)/g, '$1');
      reqs.push({ field: m[1]!.trim(), op: m[2] === '!=' ? '!=' : '=', value });
    }
  }
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matches(get) {
      for (const r of reqs) {
        const v = get(r.field) ?? '';
        if (r.op === '=' ? v !== r.value : v === r.value) return false;
      }
      return true;
    },
    exact(field) {
      for (const r of reqs) if (r.field === field && r.op === '=') return r.value;
      return undefined;
    },
    toString() {
      return reqs.map((r) => `${r.field}${r.op}${r.value}`).join(',');
    },
  };
}
