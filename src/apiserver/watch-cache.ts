// The watch cache: per storage prefix, the latest state of every object plus a window of recent events,
// fed by ONE store watch over /registry/ (the EventHub below). LIST, GET and WATCH are served from memory.
//
//   store.watch('/registry/') ──▶ EventHub.route(key) ──▶ ResourceCache(prefix)
//                                                          ├─ items: key → Entry   (latest state)
//                                                          ├─ history: Event[]     (≥ 10,000 events or 75 s)
//                                                          └─ watchers, indexed by namespace and by an
//                                                             exact field (pods: spec.nodeName)
//
// Invariants:
// - Entries are immutable once built; the JSON of an object is encoded at most once (Entry.json()).
// - Events reach a cache in revision order; `hub.revision` is the newest revision applied to every cache.
// - A watcher never blocks the hub: delivery is a synchronous enqueue; a watcher whose socket falls too far
//   behind is closed by its owner (see watch.ts).
import type { KeyValue, Store, Watch, WatchEvent } from '../store/types';
import { prefixEnd } from '../store/types';

export type Obj = Record<string, unknown>;

export interface Entry {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** modRevision of this state (for a deletion: the deleting revision). */
  readonly rv: number;
  /** The object with metadata.resourceVersion set. Never mutate. */
  readonly obj: Obj;
  /** The object's JSON, encoded once on first use. */
  json(): Buffer;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: EventType;
  rv: number;
  cur: Entry;
  prev?: Entry;
}

export interface CacheWatcher {
  /** Namespace filter ('' = all namespaces). */
  namespace: string;
  /** For pods: the value of spec.nodeName required by the watcher's field selector, if any. */
  indexValue?: string;
  /** Called synchronously, in revision order. */
  deliver(events: CacheEvent[]): void;
}

function makeEntry(key: string, namespace: string, name: string, rv: number, obj: Obj): Entry {
  let buf: Buffer | undefined;
  return {
    key,
    namespace,
    name,
    rv,
    obj,
    json() {
      return (buf ??= Buffer.from(JSON.stringify(obj)));
    },
  };
}

/** Builds an entry from stored bytes: the stored JSON has no resourceVersion; it is the key's modRevision. */
export function entryFromKv(kv: KeyValue, keyParts: { namespace: string; name: string }, rv = kv.modRevision): Entry {
  const obj = JSON.parse(kv.value.toString('utf8')) as Obj;
  const meta = ((obj.metadata as Obj | undefined) ?? (obj.metadata = {})) as Obj;
  meta.resourceVersion = String(rv);
  return makeEntry(kv.key, keyParts.namespace, keyParts.name, rv, obj);
}

/** Entry for an object the API server already holds (saves a parse on its own writes). */
export function entryFromObject(key: string, keyParts: { namespace: string; name: string }, rv: number, obj: Obj): Entry {
  return makeEntry(key, keyParts.namespace, keyParts.name, rv, obj);
}

const HISTORY_MIN_EVENTS = 10_000;
const HISTORY_MIN_MS = 75_000;

export class ResourceCache {
  readonly items = new Map<string, Entry>();
  private history: Array<CacheEvent & { at: number }> = [];
  private historyStart = 0; // events with rv > historyStart are all in `history`
  private readonly allNs = new Set<CacheWatcher>();
  private readonly byNs = new Map<string, Set<CacheWatcher>>();
  private readonly byIndex = new Map<string, Set<CacheWatcher>>();

  constructor(
    readonly prefix: string,
    readonly namespaced: boolean,
    /** Extracts the indexed field (e.g. spec.nodeName) from an object, for resources that have one. */
    readonly indexOf?: (obj: Obj) => string | undefined,
  ) {}

  /** Key → namespace/name, for keys under this cache's prefix. */
  parseKey(key: string): { namespace: string; name: string } {
    const rest = key.slice(this.prefix.length);
    if (!this.namespaced) return { namespace: '', name: rest };
    const i = rest.indexOf('/');
    return i < 0 ? { namespace: '', name: rest } : { namespace: rest.slice(0, i), name: rest.slice(i + 1) };
  }

  keyFor(namespace: string, name: string): string {
    return this.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  /** Replaces the state wholesale (initial sync); history starts at `rv`. */
  reset(entries: Entry[], rv: number): void {
    this.items.clear();
    for (const e of entries) this.items.set(e.key, e);
    this.history = [];
    this.historyStart = rv;
  }

  /** Applies store events (already routed to this cache) and fans them out. */
  apply(events: WatchEvent[], now: number): void {
    const out: CacheEvent[] = [];
    for (const ev of events) {
      const parts = this.parseKey(ev.kv.key);
      const prev = this.items.get(ev.kv.key);
      if (ev.type === 'put') {
        let cur: Entry;
        try {
          cur = entryFromKv(ev.kv, parts);
        } catch {
          continue; // not JSON: cannot be served (written by something other than berth)
        }
        this.items.set(ev.kv.key, cur);
        out.push({ type: prev ? 'MODIFIED' : 'ADDED', rv: ev.kv.modRevision, cur, prev });
      } else {
        if (!prev) continue; // unknown key (e.g. a malformed value we skipped): nothing to tell
        this.items.delete(ev.kv.key);
        const obj = { ...prev.obj, metadata: { ...(prev.obj.metadata as Obj), resourceVersion: String(ev.kv.modRevision) } };
        const cur = entryFromObject(ev.kv.key, parts, ev.kv.modRevision, obj);
        out.push({ type: 'DELETED', rv: ev.kv.modRevision, cur, prev });
      }
    }
    if (out.length === 0) return;
    for (const e of out) this.history.push({ ...e, at: now });
    this.trimHistory(now);
    this.fanOut(out);
  }

  private trimHistory(now: number): void {
    const h = this.history;
    if (h.length <= HISTORY_MIN_EVENTS) return;
    let drop = 0;
    while (h.length - drop > HISTORY_MIN_EVENTS && now - h[drop]!.at > HISTORY_MIN_MS) drop++;
    if (drop > 0) {
      this.historyStart = h[drop - 1]!.rv;
      this.history = h.slice(drop);
    }
  }

  private fanOut(events: CacheEvent[]): void {
    if (this.allNs.size === 0 && this.byNs.size === 0 && this.byIndex.size === 0) return;
    // Group per watcher so each gets one delivery per batch.
    const per = new Map<CacheWatcher, CacheEvent[]>();
    const add = (w: CacheWatcher, e: CacheEvent) => {
      const l = per.get(w);
      if (l) {
        if (l[l.length - 1] !== e) l.push(e);
      } else per.set(w, [e]);
    };
    for (const e of events) {
      for (const w of this.allNs) add(w, e);
      const ns = this.byNs.get(e.cur.namespace);
      if (ns) for (const w of ns) add(w, e);
      if (this.indexOf && this.byIndex.size > 0) {
        const a = this.indexOf(e.cur.obj);
        const b = e.prev ? this.indexOf(e.prev.obj) : undefined;
        const wa = a !== undefined ? this.byIndex.get(a) : undefined;
        if (wa) for (const w of wa) add(w, e);
        if (b !== undefined && b !== a) {
          const wb = this.byIndex.get(b);
          if (wb) for (const w of wb) add(w, e);
        }
      }
    }
    for (const [w, evs] of per) w.deliver(evs);
  }

  addWatcher(w: CacheWatcher): () => void {
    let set: Set<CacheWatcher>;
    if (w.indexValue !== undefined && this.indexOf) {
      set = this.byIndex.get(w.indexValue) ?? new Set();
      this.byIndex.set(w.indexValue, set);
    } else if (w.namespace) {
      set = this.byNs.get(w.namespace) ?? new Set();
      this.byNs.set(w.namespace, set);
    } else set = this.allNs;
    set.add(w);
    return () => {
      set.delete(w);
      if (set.size === 0 && set !== this.allNs) {
        if (w.indexValue !== undefined && this.byIndex.get(w.indexValue) === set) this.byIndex.delete(w.indexValue);
        else if (this.byNs.get(w.namespace) === set) this.byNs.delete(w.namespace);
      }
    };
  }

  watcherCount(): number {
    let n = this.allNs.size;
    for (const s of this.byNs.values()) n += s.size;
    for (const s of this.byIndex.values()) n += s.size;
    return n;
  }

  /** Events with rv > fromRv, or undefined when that history is gone (the caller answers 410). */
  eventsSince(fromRv: number): CacheEvent[] | undefined {
    if (fromRv < this.historyStart) return undefined;
    const h = this.history;
    // binary search for first rv > fromRv
    let lo = 0;
    let hi = h.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (h[mid]!.rv <= fromRv) lo = mid + 1;
      else hi = mid;
    }
    return h.slice(lo);
  }

  oldestResumableRv(): number {
    return this.historyStart;
  }

  /** Entries sorted by key, optionally restricted to a namespace and starting after a key. */
  sortedEntries(namespace: string): Entry[] {
    const out: Entry[] = [];
    if (namespace && this.namespaced) {
      const p = `${this.prefix}${namespace}/`;
      for (const e of this.items.values()) if (e.key.startsWith(p)) out.push(e);
    } else for (const e of this.items.values()) out.push(e);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }
}

/**
 * The one store watch that feeds every ResourceCache. `revision` is the newest store revision applied.
 */
export class EventHub {
  revision = 0;
  private watch?: Watch;
  private readonly caches: ResourceCache[] = [];
  private waiters: Array<{ rv: number; resolve: () => void }> = [];
  private failed?: Error;
  onFailure?: (err: Error) => void;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  register(cache: ResourceCache): void {
    this.caches.push(cache);
    // longest prefix first so nested prefixes (services/specs vs services/endpoints) route right
    this.caches.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  route(key: string): ResourceCache | undefined {
    for (const c of this.caches) if (key.startsWith(c.prefix)) return c;
    return undefined;
  }

  /**
   * Loads the state and starts watching. The state is read as of an older revision (up to HISTORY_MIN_EVENTS
   * back, never below the compacted one) and the events since are replayed, so a client that was watching
   * before a restart can resume from its resourceVersion instead of relisting.
   */
  async start(): Promise<void> {
    const { current, compacted } = await this.store.revisions();
    // A fresh store (etcd starts at revision 1 with no keys) has no history to replay.
    const from = current <= 1 ? current : Math.max(compacted, current - HISTORY_MIN_EVENTS, 1);
    let res: { kvs: KeyValue[]; revision: number };
    try {
      const r = await this.store.range('/registry/', { end: prefixEnd('/registry/'), revision: from < current ? from : undefined });
      // The state is as of `from` when it was asked for (etcd's header carries the current revision instead).
      res = { kvs: r.kvs, revision: from < current ? from : r.revision };
    } catch {
      res = await this.store.range('/registry/', { end: prefixEnd('/registry/') });
    }
    const perCache = new Map<ResourceCache, Entry[]>();
    for (const kv of res.kvs) {
      const c = this.route(kv.key);
      if (!c) continue;
      try {
        const e = entryFromKv(kv, c.parseKey(kv.key));
        const l = perCache.get(c) ?? [];
        l.push(e);
        perCache.set(c, l);
      } catch {
        // A value that is not JSON cannot be served; it stays in the store untouched.
      }
    }
    this.revision = res.revision;
    for (const c of this.caches) c.reset(perCache.get(c) ?? [], res.revision);
    await new Promise<void>((resolve, reject) => {
      let started = false;
      // The whole keyspace, not just /registry/: every revision then has an event, so `revision` can always
      // catch up with the store's current revision (keys outside /registry/ are only counted, never served).
      this.watch = this.store.watch('\0', { end: '\u{10FFFF}', fromRevision: res.revision + 1 }, {
        onEvents: (events) => {
          this.apply(events);
        },
        onError: (err) => {
          this.failed = err;
          if (!started) {
            started = true;
            reject(err);
          }
          this.onFailure?.(err);
        },
      });
      setImmediate(() => {
        if (!started) {
          started = true;
          resolve();
        }
      });
    });
    // Serve nothing until the replay of recent history has caught up with the store.
    if (!(await this.waitFor(current, 30_000))) throw new Error(`the watch cache did not catch up with the store (at ${this.revision}, want ${current})`);
  }

  private apply(events: WatchEvent[]): void {
    const now = this.now();
    let i = 0;
    while (i < events.length) {
      const c = this.route(events[i]!.kv.key);
      let j = i + 1;
      while (j < events.length && this.route(events[j]!.kv.key) === c) j++;
      if (c) c.apply(events.slice(i, j), now);
      i = j;
    }
    const last = events[events.length - 1];
    if (last) this.revision = Math.max(this.revision, last.kv.modRevision);
    if (this.waiters.length) {
      const ready = this.waiters.filter((w) => w.rv <= this.revision);
      this.waiters = this.waiters.filter((w) => w.rv > this.revision);
      for (const w of ready) w.resolve();
    }
  }

  /** Resolves once every event up to `rv` has been applied (or after `timeoutMs`, with false). */
  waitFor(rv: number, timeoutMs = 3000): Promise<boolean> {
    if (this.failed) return Promise.reject(this.failed);
    if (rv <= this.revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { rv, resolve: () => { clearTimeout(t); resolve(true); } };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Makes the caches at least as new as the store's current revision (a consistent read). */
  async sync(): Promise<void> {
    const { current } = await this.store.revisions();
    await this.waitFor(current);
  }

  stop(): void {
    this.watch?.close();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }
}
