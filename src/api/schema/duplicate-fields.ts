// Duplicate keys in a JSON text. JSON.parse keeps the last value silently; Kubernetes' strict decoder reports
// `duplicate field "<path>"` (fieldValidation=Strict rejects, Warn warns). Call on text that JSON.parse
// accepted: this scanner assumes well-formed JSON and stays linear in the text length.

type Frame = { kind: 'object'; path: string; keys: Set<string>; key?: string } | { kind: 'array'; path: string; index: number };

function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** Paths of duplicated keys in document order, e.g. ['metadata.name', 'spec.containers[0].image']. */
export function findDuplicateFields(text: string): string[] {
  const out: string[] = [];
  const stack: Frame[] = [];
  let i = 0;
  const n = text.length;
  // The path of the value that starts next.
  const valuePath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.kind === 'array') return `${top.path}[${top.index}]`;
    return childPath(top.path, top.key ?? '');
  };
  const readString = (): string => {
    // text[i] === '"'
    let j = i + 1;
    let simple = true;
    while (j < n && text[j] !== '"') {
      if (text[j] === '\\') {
        simple = false;
        j += 2;
      } else j++;
    }
    const raw = text.slice(i, j + 1);
    i = j + 1;
    return simple ? raw.slice(1, -1) : (JSON.parse(raw) as string);
  };
  let expectKey = false;
  while (i < n) {
    const c = text[i];
    if (c === '{') {
      stack.push({ kind: 'object', path: valuePath(), keys: new Set() });
      expectKey = true;
      i++;
    } else if (c === '[') {
      stack.push({ kind: 'array', path: valuePath(), index: 0 });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'array') top.index++;
      else expectKey = true;
      i++;
    } else if (c === '"') {
      const s = readString();
      const top = stack[stack.length - 1];
      if (expectKey && top?.kind === 'object') {
        if (top.keys.has(s)) out.push(childPath(top.path, s));
        else top.keys.add(s);
        top.key = s;
        expectKey = false;
      }
    } else i++;
  }
  return out;
}
