// One informer per (resource, namespace, label selector, field selector), shared by every consumer in
// a process, as client-go's SharedInformerFactory: one LIST+WATCH and one cache however many
// controllers look at pods.
import type { Clock } from './clock';
import type { Client } from './client';
import type { IndexFunc } from './indexer';
import { createInformer, type Informer, type InformerOptions } from './informer';
import type { ResourceRef } from './resource-ref';
import type { KubeObject } from './types';

export interface InformerSelector {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface SharedInformerFactory {
  /**
   * The shared informer for this resource and selector, created on first use. `indexers` are added to
   * it (names must not clash across callers unless they are the same function).
   */
  informerFor<T extends KubeObject = KubeObject>(resource: ResourceRef, sel?: InformerSelector, indexers?: Record<string, IndexFunc<T>>): Informer<T>;
  /** Runs every informer created so far, and any created later, until signal aborts. Idempotent. */
  start(signal: AbortSignal): void;
  /** Resolves true when every informer created so far has synced; false if signal aborts first. */
  waitForCacheSync(signal?: AbortSignal): Promise<boolean>;
  /** Resolves when every started informer has stopped (after the start signal aborted). */
  shutdown(): Promise<void>;
}

export function createSharedInformerFactory(
  client: Client,
  defaults: Pick<InformerOptions<KubeObject>, 'resyncMs' | 'clock' | 'onError' | 'backoff' | 'pageSize' | 'watchTimeoutSeconds'> & { clock?: Clock } = {},
): SharedInformerFactory {
  const informers = new Map<string, Informer<KubeObject>>();
  const indexFns = new Map<string, Map<string, unknown>>();
  const running: Array<Promise<void>> = [];
  let startSignal: AbortSignal | undefined;

  const launch = (inf: Informer<KubeObject>): void => {
    if (!startSignal) return;
    running.push(inf.run(startSignal).catch((e: unknown) => console.error(`informer ${inf.resource.plural} stopped: ${String(e)}`)));
  };

  return {
    informerFor<T extends KubeObject>(resource: ResourceRef, sel: InformerSelector = {}, indexers?: Record<string, IndexFunc<T>>): Informer<T> {
      const key = JSON.stringify([resource.group, resource.version, resource.plural, sel.namespace ?? '', sel.labelSelector ?? '', sel.fieldSelector ?? '']);
      let inf = informers.get(key) as Informer<T> | undefined;
      if (!inf) {
        inf = createInformer<T>({ ...defaults, client, resource, ...sel } as InformerOptions<T>);
        informers.set(key, inf as unknown as Informer<KubeObject>);
        indexFns.set(key, new Map());
        launch(inf as unknown as Informer<KubeObject>);
      }
      const have = indexFns.get(key) as Map<string, unknown>;
      const fresh: Record<string, IndexFunc<T>> = {};
      for (const [name, fn] of Object.entries(indexers ?? {})) {
        if (have.get(name) === fn) continue;
        if (have.has(name)) throw new Error(`shared informer ${resource.plural}: index ${name} registered twice with different functions`);
        have.set(name, fn);
        fresh[name] = fn;
      }
      if (Object.keys(fresh).length) inf.addIndexers(fresh);
      return inf;
    },
    start(signal) {
      if (startSignal) return;
      startSignal = signal;
      for (const inf of informers.values()) launch(inf);
    },
    async waitForCacheSync(signal) {
      const all = await Promise.all([...informers.values()].map((i) => i.waitForSync(signal)));
      return all.every(Boolean);
    },
    async shutdown() {
      await Promise.all(running);
    },
  };
}
