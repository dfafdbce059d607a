// The reflector: keeps a sink in step with the server by LIST (paged) then WATCH from the list's
// resourceVersion, forever, until the signal aborts.
//
//        ┌────────── 410 Expired (HTTP or ERROR event) ───────────┐
//        ▼                                                        │
//   LIST pages (limit/continue) ──► sink.replace(items, rv) ──► WATCH from rv (bookmarks on)
//                                                               │   ADDED/MODIFIED/DELETED → sink, rv = obj's rv
//                                                               │   BOOKMARK → rv = bookmark's rv
//                                                               ├── stream ended → WATCH again from rv
//                                                               └── other error  → back off, WATCH again from rv
//
// Re-watching from the last seen rv is always safe: if that rv is too old the server answers 410 and we
// relist. Backoff doubles from initialMs to maxMs and resets once a list or watch delivers something.
import type { Clock } from './clock';
import type { ResourceClient } from './client';
import { apiErrorFromStatus, isExpired } from './errors';
import type { KubeObject } from './types';

export interface ReflectorSink<T> {
  /** A complete, consistent list at resourceVersion rv (initial list or relist). */
  replace(items: T[], rv: string): void;
  added(obj: T): void;
  modified(obj: T): void;
  deleted(obj: T): void;
}

export interface ReflectorOptions<T extends KubeObject> {
  client: ResourceClient<T>;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  clock: Clock;
  /** Page size for LIST (default 500; 0 = no paging). */
  pageSize?: number;
  /** Server-side watch timeout (default 300–600 s, randomized like client-go so watches do not expire together). */
  watchTimeoutSeconds?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** Called for every failure the loop recovers from (default: console.warn). */
  onError?: (err: unknown, phase: 'list' | 'watch') => void;
}

export interface Reflector {
  run(signal: AbortSignal): Promise<void>;
  /** The resourceVersion the sink reflects ('' before the first list). */
  lastSyncResourceVersion(): string;
}

function rvOf(o: unknown): string | undefined {
  const rv = (o as KubeObject | undefined)?.metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

export function createReflector<T extends KubeObject>(opts: ReflectorOptions<T>, sink: ReflectorSink<T>): Reflector {
  const { client, clock } = opts;
  const initialMs = opts.backoff?.initialMs ?? 800;
  const maxMs = opts.backoff?.maxMs ?? 30_000;
  const onError = opts.onError ?? ((err: unknown, phase: string) => console.warn(`reflector ${client.ref.plural}: ${phase} failed: ${String(err)}`));
  let lastRV = '';

  async function list(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    const limit = opts.pageSize ?? 500;
    do {
      const page = await client.list(opts.namespace, {
        labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector,
        limit: limit > 0 ? limit : undefined, continue: cont, signal,
      });
      items.push(...(page.items ?? []));
      rv = page.metadata?.resourceVersion ?? rv;
      cont = page.metadata?.continue || undefined;
    } while (cont && !signal.aborted);
    if (signal.aborted) return;
    sink.replace(items, rv);
    lastRV = rv;
  }

  /** Watches until the stream ends; returns whether anything arrived. Throws on errors (410 included). */
  async function watch(signal: AbortSignal): Promise<boolean> {
    let got = false;
    const timeoutSeconds = opts.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
    // Watchdog: the server ends the stream after timeoutSeconds; if it has not a minute later, the
    // connection is presumed dead (half-open TCP after a host crash) and we re-watch.
    const inner = new AbortController();
    const stop = (): void => inner.abort();
    signal.addEventListener('abort', stop, { once: true });
    const cancelWatchdog = clock.setTimeout(stop, (timeoutSeconds + 60) * 1000);
    const events = client.watch(opts.namespace, {
      resourceVersion: lastRV, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector,
      allowWatchBookmarks: true, timeoutSeconds,
    }, inner.signal);
    try {
      for await (const ev of events) {
        got = true;
        if (ev.type === 'ERROR') throw apiErrorFromStatus(ev.object);
        const rv = rvOf(ev.object);
        switch (ev.type) {
          case 'ADDED':
            sink.added(ev.object);
            break;
          case 'MODIFIED':
            sink.modified(ev.object);
            break;
          case 'DELETED':
            sink.deleted(ev.object);
            break;
          case 'BOOKMARK':
            break;
          default:
            throw new Error(`unknown watch event type ${String((ev as { type: unknown }).type)}`);
        }
        if (rv) lastRV = rv;
      }
    } finally {
      cancelWatchdog();
      signal.removeEventListener('abort', stop);
    }
    return got;
  }

  return {
    lastSyncResourceVersion: () => lastRV,
    async run(signal) {
      let needList = true;
      let delay = initialMs;
      const backoff = async (): Promise<void> => {
        await clock.sleep(delay, signal);
        delay = Math.min(maxMs, delay * 2);
      };
      while (!signal.aborted) {
        const phase = needList ? 'list' : 'watch';
        try {
          if (needList) {
            await list(signal);
            needList = false;
            delay = initialMs;
            continue;
          }
          const got = await watch(signal);
          if (got) delay = initialMs;
          else if (!signal.aborted) await backoff(); // a stream that ends empty-handed: do not spin
        } catch (e) {
          if (signal.aborted) break;
          if (isExpired(e)) {
            // Our rv (or continue token) is too old: start over with a fresh consistent list.
            const wasListing = needList;
            needList = true;
            if (wasListing) await backoff();
            continue;
          }
          onError(e, phase);
          await backoff();
        }
      }
    },
  };
}
