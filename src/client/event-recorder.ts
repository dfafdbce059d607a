// Records core/v1 Events about objects (what `kubectl describe` shows), aggregating repeats like a
// simplified client-go EventCorrelator: the same (object, type, reason, message, source) within 10
// minutes bumps `count` and `lastTimestamp` on the existing Event instead of creating a new one.
// Writes are fire-and-forget (failures go to onError); flush() waits for them (tests, shutdown).
import { realClock, type Clock } from './clock';
import type { Client } from './client';
import { isNotFound } from './errors';
import { Resources } from './resource-ref';
import type { KubeObject } from './types';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
  /** Resolves once every event recorded so far has been written (or failed). */
  flush(): Promise<void>;
}

export interface EventRecorderOptions {
  component: string;
  host?: string;
  clock?: Clock;
  /** Repeats within this window are aggregated (default 10 minutes). */
  windowMs?: number;
  /** Most distinct events remembered for aggregation (default 4096). */
  cacheSize?: number;
  onError?: (err: unknown) => void;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  last: number;
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function createEventRecorder(client: Client, opts: EventRecorderOptions): EventRecorder {
  const clock = opts.clock ?? realClock;
  const windowMs = opts.windowMs ?? 10 * 60_000;
  const cacheSize = opts.cacheSize ?? 4096;
  const onError = opts.onError ?? ((e: unknown) => console.warn(`event recorder ${opts.component}: ${String(e)}`));
  const events = client.resource<KubeObject>(Resources.events);
  const seen = new Map<string, Seen>();
  const chains = new Map<string, Promise<void>>();
  const pending = new Set<Promise<void>>();
  let seq = 0;

  async function write(key: string, obj: KubeObject, type: EventType, reason: string, message: string, now: number): Promise<void> {
    const m = obj.metadata ?? {};
    const namespace = m.namespace || 'default';
    const prev = seen.get(key);
    if (prev && now - prev.last <= windowMs) {
      try {
        await events.patch(prev.namespace, prev.name, 'merge', { count: prev.count + 1, lastTimestamp: rfc3339(now), message });
        prev.count++;
        prev.last = now;
        seen.delete(key);
        seen.set(key, prev); // most recently used last
        return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    const ts = rfc3339(now);
    const name = `${m.name ?? 'unknown'}.${(BigInt(now) * 1_000_000n + BigInt(seq++ % 1_000_000)).toString(16)}`;
    await events.create(namespace, {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion },
      type, reason, message,
      source: { component: opts.component, ...(opts.host ? { host: opts.host } : {}) },
      reportingComponent: opts.component, reportingInstance: opts.host ?? '',
      firstTimestamp: ts, lastTimestamp: ts, count: 1,
    } as KubeObject);
    seen.delete(key);
    seen.set(key, { name, namespace, count: 1, firstTimestamp: ts, last: now });
    while (seen.size > cacheSize) seen.delete(seen.keys().next().value as string);
  }

  return {
    event(obj, type, reason, message) {
      const m = obj.metadata ?? {};
      const key = JSON.stringify([obj.apiVersion, obj.kind, m.namespace, m.name, m.uid, type, reason, message]);
      const now = clock.now();
      // Serialize writes per key so repeats aggregate instead of racing into duplicates.
      const p = (chains.get(key) ?? Promise.resolve())
        .then(() => write(key, obj, type, reason, message, now))
        .catch(onError);
      chains.set(key, p);
      pending.add(p);
      void p.finally(() => {
        pending.delete(p);
        if (chains.get(key) === p) chains.delete(key);
      });
    },
    async flush() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
