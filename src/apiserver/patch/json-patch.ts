// RFC 6902 JSON patch (application/json-patch+json), with the behaviour of gopkg.in/evanphx/json-patch.v4
// that the Kubernetes API server uses: negative array indices count from the end, `-` appends, a failed
// operation (including a failed `test`) is a 422 with upstream's generic message, a body that is not a
// list of operations is a 400. The target is never mutated: containers on the paths an operation writes are
// copied once per patch (copy-on-write), everything else is shared with the target.
import { badRequest, invalidPatch, type PatchError } from './errors';
import { cloneJson, deepEqual, describe, freshRootAndMetadata, isObj, type Obj } from './json-value';

type Container = Obj | unknown[];

interface Op {
  op: string;
  path: string | undefined;
  from: string | undefined;
  hasValue: boolean;
  value: unknown;
}

function parseOps(patch: unknown): Op[] {
  if (!Array.isArray(patch)) {
    const what = isObj(patch) ? 'object' : patch === null ? 'null' : typeof patch;
    throw badRequest(`json: cannot unmarshal ${what} into Go value of type jsonpatch.Patch`);
  }
  return patch.map((raw: unknown) => {
    if (!isObj(raw)) throw badRequest(`json: cannot unmarshal ${describe(raw)} into Go value of type jsonpatch.Operation`);
    const op = typeof raw.op === 'string' ? raw.op : 'unknown';
    return {
      op,
      path: typeof raw.path === 'string' ? raw.path : undefined,
      from: typeof raw.from === 'string' ? raw.from : undefined,
      hasValue: Object.prototype.hasOwnProperty.call(raw, 'value'),
      value: raw.value,
    };
  });
}

/** Splits a JSON pointer into unescaped reference tokens; undefined when it is not a pointer below the root. */
function tokens(pointer: string): string[] | undefined {
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function fail(msg: string): PatchError {
  return invalidPatch(msg);
}

const INDEX = /^-?\d+$/;

/** Index for reading or replacing an existing element. */
function existingIndex(arr: unknown[], key: string, path: string, verb: string): number {
  if (!INDEX.test(key)) throw fail(`error in ${verb} for path: '${path}': strconv.Atoi: parsing "${key}": invalid syntax`);
  let idx = Number(key);
  if (idx < 0) idx += arr.length;
  if (idx < 0 || idx >= arr.length) {
    throw fail(`error in ${verb} for path: '${path}': Unable to access invalid index: ${key}: invalid index referenced`);
  }
  return idx;
}

function childOf(c: Container, key: string): unknown {
  if (Array.isArray(c)) {
    if (!INDEX.test(key)) return undefined;
    const i = Number(key);
    return c[i < 0 ? i + c.length : i];
  }
  return Object.prototype.hasOwnProperty.call(c, key) ? c[key] : undefined;
}

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

class Doc {
  root: Container;
  private readonly fresh = new WeakSet<object>();

  constructor(target: Obj) {
    this.root = target;
  }

  private own<T extends Container>(c: T): T {
    if (this.fresh.has(c)) return c;
    const copy = (Array.isArray(c) ? c.slice() : { ...c }) as T;
    this.fresh.add(copy);
    return copy;
  }

  /** The container holding the last token, read-only; undefined when the path does not lead to a container. */
  peekParent(toks: string[]): Container | undefined {
    let cur: unknown = this.root;
    for (let i = 0; i < toks.length - 1; i++) {
      if (!isContainer(cur)) return undefined;
      cur = childOf(cur, toks[i] as string);
    }
    return isContainer(cur) ? cur : undefined;
  }

  /** Like peekParent, but copies every container on the way so the returned one may be written. */
  writableParent(toks: string[]): Container | undefined {
    if (!this.peekParent(toks)) return undefined;
    this.root = this.own(this.root);
    let cur: Container = this.root;
    for (let i = 0; i < toks.length - 1; i++) {
      const key = toks[i] as string;
      const child = childOf(cur, key) as Container;
      const mine = this.own(child);
      if (mine !== child) {
        if (Array.isArray(cur)) {
          const n = Number(key);
          cur[n < 0 ? n + cur.length : n] = mine;
        } else cur[key] = mine;
      }
      cur = mine;
    }
    return cur;
  }
}

function get(doc: Doc, pointer: string, opName: string, role: string): unknown {
  const toks = tokens(pointer);
  const parent = toks ? doc.peekParent(toks) : undefined;
  if (!toks || !parent) throw fail(`${opName} operation does not apply: doc is missing ${role} path: ${pointer}: missing value`);
  const key = toks[toks.length - 1] as string;
  if (Array.isArray(parent)) return parent[existingIndex(parent, key, pointer, opName)];
  if (!Object.prototype.hasOwnProperty.call(parent, key)) {
    throw fail(`${opName} operation does not apply: doc is missing ${role} path: ${pointer}: missing value`);
  }
  return parent[key];
}

function add(doc: Doc, pointer: string, value: unknown, opName: string): void {
  const toks = tokens(pointer);
  const parent = toks ? doc.writableParent(toks) : undefined;
  if (!toks || !parent) throw fail(`${opName} operation does not apply: doc is missing path: "${pointer}": missing value`);
  const key = toks[toks.length - 1] as string;
  if (!Array.isArray(parent)) {
    parent[key] = value;
    return;
  }
  if (key === '-') {
    parent.push(value);
    return;
  }
  if (!INDEX.test(key)) throw fail(`error in add for path: '${pointer}': value was not a proper array index: '${key}': strconv.Atoi: parsing "${key}": invalid syntax`);
  let idx = Number(key);
  const size = parent.length + 1;
  if (idx >= size || idx < -size) throw fail(`error in add for path: '${pointer}': Unable to access invalid index: ${idx}: invalid index referenced`);
  if (idx < 0) idx += size;
  parent.splice(idx, 0, value);
}

function remove(doc: Doc, pointer: string, opName: string): void {
  const toks = tokens(pointer);
  const parent = toks ? doc.writableParent(toks) : undefined;
  if (!toks || !parent) throw fail(`${opName} operation does not apply: doc is missing path: "${pointer}": missing value`);
  const key = toks[toks.length - 1] as string;
  if (Array.isArray(parent)) {
    parent.splice(existingIndex(parent, key, pointer, 'remove'), 1);
    return;
  }
  if (!Object.prototype.hasOwnProperty.call(parent, key)) {
    throw fail(`error in remove for path: '${pointer}': Unable to remove nonexistent key: ${key}: missing value`);
  }
  delete parent[key];
}

function replace(doc: Doc, pointer: string, value: unknown): void {
  const toks = tokens(pointer);
  const parent = toks ? doc.writableParent(toks) : undefined;
  if (!toks || !parent) throw fail(`replace operation does not apply: doc is missing path: ${pointer}: missing value`);
  const key = toks[toks.length - 1] as string;
  if (Array.isArray(parent)) {
    parent[existingIndex(parent, key, pointer, 'replace')] = value;
    return;
  }
  if (!Object.prototype.hasOwnProperty.call(parent, key)) {
    throw fail(`replace operation does not apply: doc is missing key: ${pointer}: missing value`);
  }
  parent[key] = value;
}

function test(doc: Doc, op: Op, pointer: string): void {
  const toks = tokens(pointer);
  const parent = toks ? doc.peekParent(toks) : undefined;
  if (!toks || !parent) throw fail(`test operation does not apply: is missing path: ${pointer}: missing value`);
  const actual = childOf(parent, toks[toks.length - 1] as string);
  if (actual === undefined && !op.hasValue) return;
  if (actual !== undefined && op.hasValue && deepEqual(actual, op.value)) return;
  throw fail(`testing value ${pointer} failed: test failed`);
}

function requireValue(op: Op): unknown {
  if (!op.hasValue) throw fail(`${op.op} operation does not apply: missing value field: missing value`);
  return op.value;
}

/**
 * Applies an RFC 6902 patch to `target` and returns the result. Throws PatchError 400 for a body that is not
 * a list of operation objects, 422 when an operation does not apply or a `test` fails.
 */
export function applyJsonPatch(target: Obj, patch: unknown): Obj {
  const ops = parseOps(patch);
  const doc = new Doc(target);
  for (const op of ops) {
    const path = op.path;
    if (path === undefined) throw fail(`${op.op} operation failed to decode path: operation missing path field: missing value`);
    switch (op.op) {
      case 'add':
        add(doc, path, requireValue(op), 'add');
        break;
      case 'remove':
        remove(doc, path, 'remove');
        break;
      case 'replace':
        replace(doc, path, requireValue(op));
        break;
      case 'move': {
        if (op.from === undefined) throw fail('move operation failed to decode from: operation, missing from field: missing value');
        const v = get(doc, op.from, 'move', 'from');
        if (path !== op.from) {
          remove(doc, op.from, 'move');
          add(doc, path, v, 'move');
        }
        break;
      }
      case 'copy': {
        if (op.from === undefined) throw fail('copy operation failed to decode from: operation, missing from field: missing value');
        const v = get(doc, op.from, 'copy', 'from');
        add(doc, path, cloneJson(v), 'copy');
        break;
      }
      case 'test':
        test(doc, op, path);
        break;
      default:
        throw fail(`Unexpected kind: ${op.op}`);
    }
  }
  if (!isObj(doc.root)) throw fail('the patched document is not an object');
  return freshRootAndMetadata(doc.root, target);
}
