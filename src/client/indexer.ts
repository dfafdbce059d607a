// The informer's cache: objects by key (`namespace/name`) plus named secondary indexes.
//
//   items:   key ──────────────► object            (the latest version seen)
//   indices: index name ─► value ─► Set<key>       (kept in step with items on every write)
//
// Invariant: for every index I and key k, k ∈ indices[I][v] ⇔ v ∈ indexFns[I](items[k]).
// Objects handed out are the cached instances: callers must not mutate them (copy first).
import { parseLabelSelector, type Selector } from './selector';
import { objectKey, type KubeObject } from './types';

/** Values an object is filed under for one index (may be several, or none). */
export type IndexFunc<T> = (obj: T) => string[];

export const NAMESPACE_INDEX = 'namespace';

export interface Lister<T extends KubeObject> {
  /** The cached object, or undefined. Do not mutate it. */
  get(namespace: string | undefined, name: string): T | undefined;
  /** Cached objects, in one namespace or all, optionally filtered by a label selector (string or parsed). */
  list(namespace?: string, selector?: string | Selector): T[];
  /** Objects whose index function returned `value`. */
  byIndex(index: string, value: string): T[];
  keys(): string[];
}

export interface Indexer<T extends KubeObject> extends Lister<T> {
  getByKey(key: string): T | undefined;
  /** Inserts or replaces; returns the previous object. */
  upsert(obj: T): T | undefined;
  /** Removes by key; returns the previous object. */
  remove(key: string): T | undefined;
  addIndexers(fns: Record<string, IndexFunc<T>>): void;
  size(): number;
  values(): IterableIterator<T>;
}

export function createIndexer<T extends KubeObject>(indexFns: Record<string, IndexFunc<T>> = {}): Indexer<T> {
  const items = new Map<string, T>();
  const fns = new Map<string, IndexFunc<T>>();
  const indices = new Map<string, Map<string, Set<string>>>();

  const file = (name: string, fn: IndexFunc<T>, key: string, obj: T, add: boolean): void => {
    const idx = indices.get(name) as Map<string, Set<string>>;
    for (const v of fn(obj)) {
      let set = idx.get(v);
      if (add) {
        if (!set) idx.set(v, (set = new Set()));
        set.add(key);
      } else if (set) {
        set.delete(key);
        if (set.size === 0) idx.delete(v);
      }
    }
  };

  const addIndexers = (more: Record<string, IndexFunc<T>>): void => {
    for (const [name, fn] of Object.entries(more)) {
      if (fns.has(name)) throw new Error(`indexer ${name} already exists`);
      fns.set(name, fn);
      indices.set(name, new Map());
      for (const [k, o] of items) file(name, fn, k, o, true);
    }
  };
  addIndexers({ [NAMESPACE_INDEX]: (o: T) => [o.metadata?.namespace ?? ''], ...indexFns });

  const byIndex = (index: string, value: string): T[] => {
    const idx = indices.get(index);
    if (!idx) throw new Error(`no index named ${index}`);
    return [...(idx.get(value) ?? [])].map((k) => items.get(k) as T);
  };

  return {
    get: (ns, name) => items.get(ns ? `${ns}/${name}` : name),
    getByKey: (key) => items.get(key),
    list(ns, selector) {
      const sel = typeof selector === 'string' ? parseLabelSelector(selector) : selector;
      const pool = ns ? byIndex(NAMESPACE_INDEX, ns) : [...items.values()];
      return sel && !sel.empty ? pool.filter((o) => sel.matches(o.metadata?.labels)) : pool;
    },
    byIndex,
    keys: () => [...items.keys()],
    upsert(obj) {
      const key = objectKey(obj);
      const old = items.get(key);
      if (old) for (const [n, fn] of fns) file(n, fn, key, old, false);
      items.set(key, obj);
      for (const [n, fn] of fns) file(n, fn, key, obj, true);
      return old;
    },
    remove(key) {
      const old = items.get(key);
      if (!old) return undefined;
      for (const [n, fn] of fns) file(n, fn, key, old, false);
      items.delete(key);
      return old;
    },
    addIndexers,
    size: () => items.size,
    values: () => items.values(),
  };
}
