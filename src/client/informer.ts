// The informer: a reflector feeding an indexer, and event handlers told about every change.
//
//   reflector ──► indexer (cache, lister reads it) ──► handlers.onAdd/onUpdate/onDelete ──► (your work queue)
//
// Contract:
// - Handlers run synchronously, after the cache holds the new state, in registration order. They
//   should only enqueue keys; a handler that throws is reported through onError and does not stop others.
// - Objects passed to handlers and returned by the lister are the cached instances. Never mutate them;
//   copy (structuredClone) before changing. Under `node --test` they are deep-frozen, so a mutation throws.
// - After a relist, objects that vanished are delivered to onDelete as a Tombstone (the final state
//   is unknown); objects whose resourceVersion did not change produce no event.
// - With resyncMs, every cached object is re-delivered as onUpdate(obj, obj) every resyncMs.
import { realClock, type Clock } from './clock';
import type { Client } from './client';
import { createIndexer, type IndexFunc, type Indexer, type Lister } from './indexer';
import { createReflector, type Reflector } from './reflector';
import type { ResourceRef } from './resource-ref';
import { objectKey, type KubeObject } from './types';

/** client-go's DeletedFinalStateUnknown: the object was deleted while we were not watching. */
export interface Tombstone<T> {
  readonly tombstone: true;
  readonly key: string;
  /** The last state we saw. */
  readonly obj: T;
}

export function isTombstone<T>(x: T | Tombstone<T>): x is Tombstone<T> {
  return typeof x === 'object' && x !== null && (x as Tombstone<T>).tombstone === true;
}

/** The object inside a delete notification, tombstone or not. */
export function deletedObject<T>(x: T | Tombstone<T>): T {
  return isTombstone(x) ? x.obj : x;
}

export interface EventHandlers<T> {
  onAdd?(obj: T, isInInitialList: boolean): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T | Tombstone<T>): void;
}

export interface InformerOptions<T extends KubeObject> {
  client: Client;
  resource: ResourceRef;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resyncMs?: number;
  clock?: Clock;
  indexers?: Record<string, IndexFunc<T>>;
  /** Applied to every object before it is cached (e.g. drop managedFields to save memory). */
  transform?: (obj: T) => T;
  /** Deep-freeze cached objects (default: on under `node --test`, off otherwise). */
  freeze?: boolean;
  pageSize?: number;
  watchTimeoutSeconds?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  onError?: (err: unknown, where: string) => void;
}

export interface Informer<T extends KubeObject> {
  readonly resource: ResourceRef;
  readonly lister: Lister<T>;
  readonly indexer: Indexer<T>;
  /**
   * Registers handlers; returns a function that removes them. Added after the initial sync, the handler
   * first receives onAdd for every cached object.
   */
  addEventHandler(h: EventHandlers<T>): () => void;
  /** Adds named indexes (allowed any time; existing objects are indexed at once). */
  addIndexers(fns: Record<string, IndexFunc<T>>): void;
  /** Runs until signal aborts; resolves then. Call once. */
  run(signal: AbortSignal): Promise<void>;
  /** True once the first complete list is in the cache. */
  hasSynced(): boolean;
  /** Resolves true once synced, false if signal aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  lastSyncResourceVersion(): string;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

export function createInformer<T extends KubeObject = KubeObject>(opts: InformerOptions<T>): Informer<T> {
  const clock = opts.clock ?? realClock;
  const indexer = createIndexer<T>(opts.indexers);
  const handlers: Array<EventHandlers<T>> = [];
  const onError = opts.onError ?? ((err: unknown, where: string) => console.warn(`informer ${opts.resource.plural}: ${where}: ${String(err)}`));
  const freeze = opts.freeze ?? !!process.env.NODE_TEST_CONTEXT;
  let synced = false;
  let started = false;
  const syncWaiters: Array<() => void> = [];

  const prep = (o: T): T => {
    const t = opts.transform ? opts.transform(o) : o;
    return freeze ? deepFreeze(t) : t;
  };
  const each = (fn: (h: EventHandlers<T>) => void): void => {
    for (const h of [...handlers]) {
      try {
        fn(h);
      } catch (e) {
        onError(e, 'event handler');
      }
    }
  };
  const sameVersion = (a: T, b: T): boolean => !!a.metadata?.resourceVersion && a.metadata.resourceVersion === b.metadata?.resourceVersion;

  const reflector: Reflector = createReflector<T>({
    client: opts.client.resource<T>(opts.resource),
    namespace: opts.namespace, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector,
    clock, pageSize: opts.pageSize, watchTimeoutSeconds: opts.watchTimeoutSeconds, backoff: opts.backoff,
    onError: (e, phase) => onError(e, phase),
  }, {
    replace(items, _rv) {
      const initial = !synced;
      const seen = new Set<string>();
      for (const raw of items) {
        const obj = prep(raw);
        const key = objectKey(obj);
        seen.add(key);
        const old = indexer.upsert(obj);
        if (!old) each((h) => h.onAdd?.(obj, initial));
        else if (!sameVersion(old, obj)) each((h) => h.onUpdate?.(old, obj));
      }
      for (const key of indexer.keys()) {
        if (seen.has(key)) continue;
        const old = indexer.remove(key) as T;
        const t: Tombstone<T> = { tombstone: true, key, obj: old };
        each((h) => h.onDelete?.(t));
      }
      if (!synced) {
        synced = true;
        for (const w of syncWaiters.splice(0)) w();
      }
    },
    added(raw) {
      const obj = prep(raw);
      const old = indexer.upsert(obj);
      if (old) each((h) => h.onUpdate?.(old, obj));
      else each((h) => h.onAdd?.(obj, false));
    },
    modified(raw) {
      this.added(raw);
    },
    deleted(raw) {
      const obj = prep(raw);
      if (indexer.remove(objectKey(obj))) each((h) => h.onDelete?.(obj));
    },
  });

  async function resyncLoop(signal: AbortSignal): Promise<void> {
    const every = opts.resyncMs ?? 0;
    if (every <= 0) return;
    while (!signal.aborted) {
      await clock.sleep(every, signal);
      if (signal.aborted || !synced) continue;
      for (const obj of [...indexer.values()]) each((h) => h.onUpdate?.(obj, obj));
    }
  }

  return {
    resource: opts.resource,
    lister: indexer,
    indexer,
    addEventHandler(h) {
      handlers.push(h);
      if (synced) {
        for (const obj of [...indexer.values()]) {
          try {
            h.onAdd?.(obj, true);
          } catch (e) {
            onError(e, 'event handler');
          }
        }
      }
      return () => {
        const i = handlers.indexOf(h);
        if (i >= 0) handlers.splice(i, 1);
      };
    },
    addIndexers: (fns) => indexer.addIndexers(fns),
    async run(signal) {
      if (started) throw new Error(`informer ${opts.resource.plural} already started`);
      started = true;
      await Promise.all([reflector.run(signal), resyncLoop(signal)]);
    },
    hasSynced: () => synced,
    waitForSync(signal) {
      if (synced) return Promise.resolve(true);
      if (signal?.aborted) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', abort);
          resolve(true);
        };
        const abort = (): void => {
          const i = syncWaiters.indexOf(done);
          if (i >= 0) syncWaiters.splice(i, 1);
          resolve(false);
        };
        syncWaiters.push(done);
        signal?.addEventListener('abort', abort, { once: true });
      });
    },
    lastSyncResourceVersion: () => reflector.lastSyncResourceVersion(),
  };
}
