// The in-memory state behind the fake API server: objects per resource, one cluster-wide
// resourceVersion counter, a bounded event history (for watch resume and paged-list snapshots), and
// the open watchers.
//
//   write ─► rv++ ─► objects[res][ns/name] = obj ─► history.push({rv, type, obj, prev}) ─► watchers
//
// A watch or continue token older than `compactedRV` is answered with 410 Expired, as etcd compaction does.
import { parseFieldSelector, parseLabelSelector } from '../selector';
import type { KubeObject } from '../types';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface HistoryEntry {
  rv: number;
  res: string;
  type: EventType;
  obj: KubeObject;
  prev?: KubeObject;
}

export interface WatchFilter {
  res: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface Watcher {
  filter: WatchFilter;
  matches(obj: KubeObject | undefined): boolean;
  /** Gets events already translated for this watcher's selector (ADDED/MODIFIED/DELETED). */
  send(type: EventType | 'BOOKMARK' | 'ERROR', obj: unknown): void;
  close(): void;
}

export function keyOf(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

export function makeMatcher(f: WatchFilter): (obj: KubeObject | undefined) => boolean {
  const ls = parseLabelSelector(f.labelSelector);
  const fs = parseFieldSelector(f.fieldSelector);
  return (obj) =>
    !!obj && (!f.namespace || obj.metadata?.namespace === f.namespace) && ls.matches(obj.metadata?.labels) && fs.matches(obj);
}

/**
 * What a watcher with a selector sees of a change: an object entering its selection is ADDED, one
 * leaving it is DELETED, as the apiserver's watch cache does.
 */
export function translate(type: EventType, obj: KubeObject, prev: KubeObject | undefined, matches: (o: KubeObject | undefined) => boolean): { type: EventType; obj: KubeObject } | undefined {
  const now = type !== 'DELETED' && matches(obj);
  const before = type === 'ADDED' ? false : matches(prev ?? (type === 'DELETED' ? obj : undefined));
  if (type === 'DELETED') return before || matches(obj) ? { type, obj } : undefined;
  if (now && before) return { type: 'MODIFIED', obj };
  if (now) return { type: 'ADDED', obj };
  if (before) return { type: 'DELETED', obj };
  return undefined;
}

export class FakeStore {
  rv = 1;
  compactedRV = 0;
  readonly objects = new Map<string, Map<string, KubeObject>>();
  readonly history: HistoryEntry[] = [];
  readonly watchers = new Set<Watcher>();

  constructor(private readonly maxHistory = 10_000) {}

  bucket(res: string): Map<string, KubeObject> {
    let b = this.objects.get(res);
    if (!b) this.objects.set(res, (b = new Map()));
    return b;
  }

  /** Stores obj (already carrying its new metadata) at the next rv and notifies watchers. */
  write(res: string, type: EventType, obj: KubeObject, prev?: KubeObject): KubeObject {
    const rv = ++this.rv;
    const stored: KubeObject = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
    const key = keyOf(stored);
    if (type === 'DELETED') this.bucket(res).delete(key);
    else this.bucket(res).set(key, stored);
    this.history.push({ rv, res, type, obj: stored, prev });
    while (this.history.length > this.maxHistory) this.compactedRV = (this.history.shift() as HistoryEntry).rv;
    for (const w of this.watchers) {
      if (w.filter.res !== res) continue;
      const t = translate(type, stored, prev, (o) => w.matches(o));
      if (t) w.send(t.type, t.obj);
    }
    return stored;
  }

  /** Forgets all history: every resourceVersion before now becomes too old (410). */
  compact(): void {
    this.history.length = 0;
    this.compactedRV = this.rv;
  }

  /** The objects of `res` as they were at `rv` (undoing later history); undefined if rv is compacted. */
  snapshot(res: string, rv: number): Map<string, KubeObject> | undefined {
    if (rv < this.compactedRV) return undefined;
    const state = new Map(this.bucket(res));
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i] as HistoryEntry;
      if (h.rv <= rv) break;
      if (h.res !== res) continue;
      const key = keyOf(h.obj);
      if (h.type === 'ADDED') state.delete(key);
      else if (h.prev) state.set(key, h.prev);
    }
    return state;
  }

  /** History entries of `res` after rv; undefined if rv is compacted. */
  since(res: string, rv: number): HistoryEntry[] | undefined {
    if (rv < this.compactedRV) return undefined;
    return this.history.filter((h) => h.rv > rv && h.res === res);
  }
}
