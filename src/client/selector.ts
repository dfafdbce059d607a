// Label and field selectors, client side: parse once, match many (listers, the fake API server).
// Label syntax as kubectl: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma = AND.
// Field selectors: `path=value`, `path==value`, `path!=value` on dotted paths (metadata.name, spec.nodeName).

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

export interface Selector {
  matches(labels: Record<string, string> | undefined): boolean;
  readonly empty: boolean;
  toString(): string;
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

export function parseRequirements(s: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const term of splitTopLevel(s)) {
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^([^\s=!(),]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      reqs.push({ key: m[1] as string, op: m[2] as 'in' | 'notin', values: (m[3] as string).split(',').map((v) => v.trim()).filter((v) => v !== '') });
    } else if ((m = term.match(/^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/))) {
      reqs.push({ key: m[1] as string, op: m[2] === '!=' ? 'notin' : 'in', values: [m[3] as string] });
    } else if ((m = term.match(/^!\s*([^\s=!(),]+)$/))) {
      reqs.push({ key: m[1] as string, op: '!exists' });
    } else if ((m = term.match(/^([^\s=!(),]+)$/))) {
      reqs.push({ key: m[1] as string, op: 'exists' });
    } else {
      throw new Error(`invalid selector term ${JSON.stringify(term)}`);
    }
  }
  return reqs;
}

function matchRequirement(r: Requirement, get: (k: string) => string | undefined): boolean {
  const v = get(r.key);
  switch (r.op) {
    case 'exists':
      return v !== undefined;
    case '!exists':
      return v === undefined;
    case 'in':
      return v !== undefined && r.values.includes(v);
    case 'notin':
      return v === undefined || !r.values.includes(v);
  }
}

/** Parses a label selector string (throws on bad syntax). The empty string matches everything. */
export function parseLabelSelector(s: string | undefined): Selector {
  const text = (s ?? '').trim();
  const reqs = parseRequirements(text);
  return {
    empty: reqs.length === 0,
    matches: (labels) => reqs.every((r) => matchRequirement(r, (k) => labels?.[k])),
    toString: () => text,
  };
}

/** A selector from matchLabels (all must equal). */
export function selectorFromLabels(labels: Record<string, string>): Selector {
  return parseLabelSelector(Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','));
}

/** Reads a dotted path (e.g. spec.nodeName) as a string; '' for absent, like the apiserver's field sets. */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

/** Parses a field selector; matching reads dotted paths of the whole object. */
export function parseFieldSelector(s: string | undefined): { empty: boolean; matches(obj: unknown): boolean } {
  const reqs = parseRequirements((s ?? '').trim()).filter((r) => r.op === 'in' || r.op === 'notin');
  return {
    empty: reqs.length === 0,
    matches: (obj) => reqs.every((r) => matchRequirement(r, (k) => fieldValue(obj, k))),
  };
}
