// The REST client: createClient(config) → Client; client.resource(ref) → ResourceClient<T> with the
// Kubernetes verbs. JSON on the wire; non-2xx answers throw ApiError (see errors.ts).
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { realClock, type Clock } from './clock';
import { apiErrorFrom, type Status } from './errors';
import type { ClientConfig } from './kubeconfig';
import { collectionPath, objectPath, type ResourceRef } from './resource-ref';
import { createTransport, type RawResponse, type Transport } from './transport';
import type { KubeObject, ObjectList, WatchEvent } from './types';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  signal?: AbortSignal;
}

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  signal?: AbortSignal;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
  /** e.g. 'status' or 'scale'. */
  subresource?: string;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface ResourceClient<T extends KubeObject = KubeObject> {
  readonly ref: ResourceRef;
  get(namespace: string | undefined, name: string, opts?: { signal?: AbortSignal }): Promise<T>;
  /** One page (or the whole list when no limit). `namespace` undefined lists across namespaces. */
  list(namespace: string | undefined, opts?: ListOptions): Promise<ObjectList<T>>;
  /** Every page, following `continue` (all pages share one snapshot's resourceVersion). */
  listAll(namespace: string | undefined, opts?: Omit<ListOptions, 'continue'>): Promise<ObjectList<T>>;
  create(namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT; carries obj.metadata.resourceVersion so a concurrent change gives 409 Conflict. */
  update(namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T>;
  updateStatus(namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T>;
  patch(namespace: string | undefined, name: string, type: PatchType, body: unknown, opts?: PatchOptions): Promise<T>;
  /** Returns the server's answer: the object (graceful deletion / finalizers) or a Status. */
  delete(namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<T | Status>;
  deleteCollection(namespace: string | undefined, opts?: DeleteOptions & { labelSelector?: string; fieldSelector?: string }): Promise<unknown>;
  /** POST to a subresource, e.g. pods/binding or pods/eviction. */
  createSubresource<R = unknown>(namespace: string | undefined, name: string, subresource: string, body: unknown, opts?: WriteOptions): Promise<R>;
  getSubresource<R = unknown>(namespace: string | undefined, name: string, subresource: string, opts?: { signal?: AbortSignal }): Promise<R>;
  /**
   * Opens a watch. Iterate the result with `for await`; it ends when the server closes the stream
   * (timeoutSeconds, server restart) or when `signal` aborts (no error is thrown for an abort). Breaking
   * out of the loop closes the connection. A non-2xx answer to the request itself throws ApiError
   * (e.g. 410 when resourceVersion is too old); mid-stream errors arrive as ERROR events.
   */
  watch(namespace: string | undefined, opts: WatchOptions, signal?: AbortSignal): AsyncIterable<WatchEvent<T>>;
}

export interface Client {
  readonly config: ClientConfig;
  readonly clock: Clock;
  resource<T extends KubeObject = KubeObject>(ref: ResourceRef): ResourceClient<T>;
  /** Any request; 2xx bodies are parsed as JSON (or returned as text), others throw ApiError. */
  request<R = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>, signal?: AbortSignal): Promise<R>;
  /** A streaming GET (logs, follow); non-2xx throws ApiError. */
  stream(path: string, signal?: AbortSignal, headers?: Record<string, string>): Promise<IncomingMessage>;
  /** Releases idle connections. */
  close(): void;
}

type Query = Record<string, string | number | boolean | undefined>;

function withQuery(path: string, q: Query): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `${path}${path.includes('?') ? '&' : '?'}${parts.join('&')}` : path;
}

const PATCH_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

async function readError(res: IncomingMessage): Promise<Error> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return apiErrorFrom(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
}

/** Splits a newline-delimited JSON stream into values. Ends quietly when `signal` aborts. */
export async function* readJsonLines(res: IncomingMessage, signal?: AbortSignal): AsyncGenerator<unknown> {
  const dec = new StringDecoder('utf8');
  let buf = '';
  try {
    for await (const chunk of res) {
      buf += dec.write(chunk as Buffer);
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) yield JSON.parse(line);
      }
    }
    buf += dec.end();
    if (buf.trim()) yield JSON.parse(buf);
  } catch (e) {
    if (signal?.aborted) return;
    throw e;
  } finally {
    res.destroy();
  }
}

/** The server's Retry-After (ms) on a 429 or 5xx answer, if it sent one. */
function retryAfterMs(res: RawResponse): number | undefined {
  if (res.statusCode !== 429 && res.statusCode < 500) return undefined;
  const v = Number(res.headers['retry-after']);
  return Number.isFinite(v) && v >= 0 ? Math.min(v, 60) * 1000 : undefined;
}

/**
 * Creates a client. `maxRetries` (default 5) bounds resends of requests answered 429/5xx with a
 * Retry-After header, waiting as told on `clock`.
 */
export function createClient(config: ClientConfig, opts: { clock?: Clock; transport?: Transport; maxRetries?: number } = {}): Client {
  const clock = opts.clock ?? realClock;
  const transport = opts.transport ?? createTransport(config, clock);
  const maxRetries = opts.maxRetries ?? 5;

  async function request<R>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<R> {
    const h = { ...headers };
    let payload: string | Buffer | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    let res = await transport.request({ method, path, body: payload, headers: h, signal });
    // Like client-go: a 429 (or 5xx) carrying Retry-After was not processed; wait and resend, a few times.
    for (let attempt = 0; attempt < maxRetries && retryAfterMs(res) !== undefined && !signal?.aborted; attempt++) {
      await clock.sleep(retryAfterMs(res) as number, signal);
      if (signal?.aborted) break;
      res = await transport.request({ method, path, body: payload, headers: h, signal });
    }
    const text = res.body.toString('utf8');
    if (res.statusCode < 200 || res.statusCode > 299) throw apiErrorFrom(res.statusCode, text);
    const ct = String(res.headers['content-type'] ?? '');
    if (ct.includes('json') || (ct === '' && /^\s*[[{]/.test(text))) return (text ? JSON.parse(text) : undefined) as R;
    return text as R;
  }

  async function stream(path: string, signal?: AbortSignal, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    const res = await transport.stream({ method: 'GET', path, headers, signal });
    if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) throw await readError(res);
    return res;
  }

  function resource<T extends KubeObject>(ref: ResourceRef): ResourceClient<T> {
    const nameOf = (obj: T): string => {
      const n = obj.metadata?.name;
      if (!n) throw new Error(`${ref.plural}: object has no metadata.name`);
      return n;
    };
    const nsOf = (ns: string | undefined, obj: T): string | undefined => (ref.namespaced ? ns ?? obj.metadata?.namespace : undefined);
    const write = (o?: WriteOptions): Query => ({ dryRun: o?.dryRun ? 'All' : undefined, fieldManager: o?.fieldManager });
    const deleteBody = (o?: DeleteOptions): Record<string, unknown> => ({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      ...(o?.propagationPolicy ? { propagationPolicy: o.propagationPolicy } : {}),
      ...(o?.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: o.gracePeriodSeconds } : {}),
      ...(o?.preconditions ? { preconditions: o.preconditions } : {}),
      ...(o?.dryRun ? { dryRun: ['All'] } : {}),
    });
    const rc: ResourceClient<T> = {
      ref,
      get: (ns, name, o) => request<T>('GET', objectPath(ref, ns, name), undefined, {}, o?.signal),
      list: (ns, o = {}) =>
        request<ObjectList<T>>('GET', withQuery(collectionPath(ref, ns), {
          labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, limit: o.limit, continue: o.continue,
          resourceVersion: o.resourceVersion, resourceVersionMatch: o.resourceVersionMatch,
        }), undefined, {}, o.signal),
      async listAll(ns, o = {}) {
        const items: T[] = [];
        let cont: string | undefined;
        let rv = '';
        do {
          const page = await rc.list(ns, { ...o, continue: cont, resourceVersion: cont ? undefined : o.resourceVersion, resourceVersionMatch: cont ? undefined : o.resourceVersionMatch });
          items.push(...(page.items ?? []));
          rv = page.metadata?.resourceVersion ?? rv;
          cont = page.metadata?.continue || undefined;
        } while (cont);
        return { items, metadata: { resourceVersion: rv } };
      },
      create: (ns, obj, o) => request<T>('POST', withQuery(collectionPath(ref, nsOf(ns, obj)), write(o)), obj, {}, o?.signal),
      update: (ns, obj, o) => request<T>('PUT', withQuery(objectPath(ref, nsOf(ns, obj), nameOf(obj)), write(o)), obj, {}, o?.signal),
      updateStatus: (ns, obj, o) => request<T>('PUT', withQuery(objectPath(ref, nsOf(ns, obj), nameOf(obj), 'status'), write(o)), obj, {}, o?.signal),
      patch(ns, name, type, body, o = {}) {
        if (type === 'apply' && !o.fieldManager) throw new Error('server-side apply needs a fieldManager');
        const q: Query = { ...write(o), force: type === 'apply' && o.force !== undefined ? o.force : undefined };
        return request<T>('PATCH', withQuery(objectPath(ref, ns, name, o.subresource), q), JSON.stringify(body), { 'content-type': PATCH_TYPES[type] }, o.signal);
      },
      delete: (ns, name, o) => request<T | Status>('DELETE', objectPath(ref, ns, name), deleteBody(o), {}, o?.signal),
      deleteCollection: (ns, o) =>
        request('DELETE', withQuery(collectionPath(ref, ns), { labelSelector: o?.labelSelector, fieldSelector: o?.fieldSelector }), deleteBody(o), {}, o?.signal),
      createSubresource: <R>(ns: string | undefined, name: string, sub: string, body: unknown, o?: WriteOptions) =>
        request<R>('POST', withQuery(objectPath(ref, ns, name, sub), write(o)), body, {}, o?.signal),
      getSubresource: <R>(ns: string | undefined, name: string, sub: string, o?: { signal?: AbortSignal }) =>
        request<R>('GET', objectPath(ref, ns, name, sub), undefined, {}, o?.signal),
      watch(ns, o, signal) {
        const path = withQuery(collectionPath(ref, ns), {
          watch: 'true', resourceVersion: o.resourceVersion, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector,
          allowWatchBookmarks: o.allowWatchBookmarks ? 'true' : undefined, timeoutSeconds: o.timeoutSeconds,
        });
        return {
          async *[Symbol.asyncIterator]() {
            if (signal?.aborted) return;
            let res: IncomingMessage;
            try {
              res = await stream(path, signal);
            } catch (e) {
              if (signal?.aborted) return;
              throw e;
            }
            for await (const ev of readJsonLines(res, signal)) yield ev as WatchEvent<T>;
          },
        };
      },
    };
    return rc;
  }

  return {
    config,
    clock,
    resource,
    request: (method, path, body, headers, signal) => request(method, path, body, headers, signal),
    stream,
    close: () => transport.close(),
  };
}
