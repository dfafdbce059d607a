// Label and field selectors, client side: parse once, match many (listers, the fake API server).
// The grammar and matching are the API's own (src/api/selectors.ts), so a client filters exactly as the
// server does; this file only adapts them to whole objects (field selectors read dotted paths).
import {
  parseFieldSelector as parseFieldRequirements,
  parseLabelSelector as parseLabels,
  selectorFromMap,
  type LabelSelector,
} from '../api/selectors';

export type Selector = Pick<LabelSelector, 'matches' | 'empty' | 'toString'>;

function parseOrThrow<T>(s: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new Error(`invalid selector ${JSON.stringify(s)}: ${(e as Error).message}`, { cause: e });
  }
}

/** Parses a label selector string (throws on bad syntax). The empty string matches everything. */
export function parseLabelSelector(s: string | undefined): Selector {
  const text = (s ?? '').trim();
  return parseOrThrow(text, () => parseLabels(text));
}

/** A selector from matchLabels (all must equal). */
export function selectorFromLabels(labels: Record<string, string>): Selector {
  return selectorFromMap(labels);
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
  const text = (s ?? '').trim();
  const fs = parseOrThrow(text, () => parseFieldRequirements(text));
  return { empty: fs.empty, matches: (obj) => fs.matches((f) => fieldValue(obj, f)) };
}
