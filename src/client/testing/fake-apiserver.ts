// An in-process fake Kubernetes API server for tests (plain HTTP on 127.0.0.1). Small but honest:
// get/list/watch/create/update/updateStatus/patch(merge, json; strategic ≈ merge)/delete/deletecollection
// for any resource path, with resourceVersion semantics (409 Conflict, 410 Expired), paged lists at a
// consistent snapshot, watches that resume from a resourceVersion, selectors (label and field, an object
// moving in or out of a watcher's selection becomes ADDED/DELETED), bookmarks, finalizers, and
// pods/binding + pods/eviction. Not modelled: admission, defaulting, validation, SSA, graceful pod deletion.
//
// Test controls: compact() (old rvs → 410), closeWatches(), expireWatches() (ERROR 410 events),
// sendBookmarks(), failNext(), requests (the log), seed().
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { findResource } from '../../api/resources';
import { createClient, type Client } from '../client';
import type { Status } from '../errors';
import type { ResourceRef } from '../resource-ref';
import type { KubeObject } from '../types';
import { FakeStore, makeMatcher, translate, type Watcher } from './fake-store';
import { jsonPatch, mergePatch, PatchError } from './patch';

interface Target {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  sub?: string;
  res: string; // group/plural
}

class HttpError extends Error {
  retryAfter?: number;
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: Status['details']) {
    super(message);
  }
}

export interface FakeApiServer {
  readonly url: string;
  readonly store: FakeStore;
  /** Requests seen, in order (`GET /api/v1/pods?watch=true…`). */
  readonly requests: string[];
  /** A client for this server (plain HTTP). */
  client(): Client;
  /** Stores an object directly (as a create would), returning the stored copy. */
  seed<T extends KubeObject>(ref: ResourceRef, obj: T): T;
  /** Current objects of a resource. */
  list(ref: ResourceRef): KubeObject[];
  compact(): void;
  closeWatches(): void;
  expireWatches(): void;
  sendBookmarks(): void;
  /** The next `count` requests whose "METHOD path" matches get `code` (with a Retry-After header if given). */
  failNext(match: RegExp, code: number, count?: number, retryAfterSeconds?: number): void;
  openWatches(): number;
  close(): Promise<void>;
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const resKey = (r: { group: string; plural: string }): string => `${r.group}/${r.plural}`;

function parsePath(pathname: string): Target | undefined {
  const seg = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  let rest: string[];
  if (seg[0] === 'api') rest = seg.slice(1);
  else if (seg[0] === 'apis' && seg.length >= 3) {
    group = seg[1] as string;
    rest = seg.slice(2);
  } else return undefined;
  const version = rest.shift();
  if (!version || rest.length === 0) return undefined;
  let t: Omit<Target, 'res'>;
  if (rest[0] === 'namespaces' && rest.length >= 3 && (findResource(group, version, rest[2] as string)?.namespaced ?? !['status', 'finalize'].includes(rest[2] as string))) {
    t = { group, version, namespace: rest[1], plural: rest[2] as string, name: rest[3], sub: rest[4] };
  } else {
    t = { group, version, plural: rest[0] as string, name: rest[1], sub: rest[2] };
  }
  return { ...t, res: resKey(t) };
}

function statusBody(code: number, reason: string, message: string, details?: Status['details']): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 300 ? 'Success' : 'Failure', message, reason, details, code };
}

export async function startFakeApiServer(opts: { maxHistory?: number } = {}): Promise<FakeApiServer> {
  const store = new FakeStore(opts.maxHistory);
  const requests: string[] = [];
  const failures: Array<{ match: RegExp; code: number; left: number; retryAfter?: number }> = [];
  const clients: Client[] = [];

  const typeMeta = (t: Target): { apiVersion: string; kind: string } => {
    const info = findResource(t.group, t.version, t.plural);
    return { apiVersion: t.group ? `${t.group}/${t.version}` : t.version, kind: info?.kind ?? t.plural };
  };
  const notFound = (t: Target): HttpError =>
    new HttpError(404, 'NotFound', `${t.plural}${t.group ? '.' + t.group : ''} "${t.name}" not found`, { name: t.name, group: t.group, kind: t.plural });
  const conflict = (t: Target, name: string): HttpError =>
    new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${t.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: t.plural });
  const keyFor = (t: Target, name: string): string => (t.namespace ? `${t.namespace}/${name}` : name);
  const hasStatus = (t: Target): boolean => !!findResource(t.group, t.version, t.plural)?.subresources.some((s) => s.name === 'status');
  const specOf = (o: KubeObject): string => {
    const { metadata: _m, status: _s, ...rest } = o as KubeObject & { status?: unknown };
    return JSON.stringify(rest);
  };

  function current(t: Target): KubeObject {
    const o = store.bucket(t.res).get(keyFor(t, t.name as string));
    if (!o) throw notFound(t);
    return o;
  }

  /** Writes a new version of an existing object (update, status, patch), honoring rv preconditions and finalizers. */
  function replace(t: Target, next: KubeObject, dryRun: boolean): KubeObject {
    const old = current(t);
    const want = next.metadata?.resourceVersion;
    if (want && want !== old.metadata?.resourceVersion) throw conflict(t, t.name as string);
    let obj: KubeObject;
    if (t.sub === 'status') obj = { ...old, status: (next as { status?: unknown }).status } as KubeObject;
    else {
      obj = { ...next, ...typeMeta(t) };
      if (hasStatus(t)) (obj as { status?: unknown }).status = (old as { status?: unknown }).status;
      const om = old.metadata ?? {};
      obj.metadata = { ...next.metadata, name: om.name, namespace: om.namespace, uid: om.uid, creationTimestamp: om.creationTimestamp, deletionTimestamp: om.deletionTimestamp, generation: om.generation };
      if (specOf(obj) !== specOf(old)) obj.metadata.generation = (om.generation ?? 1) + 1;
    }
    if (dryRun) return obj;
    if (obj.metadata?.deletionTimestamp && !(obj.metadata.finalizers?.length)) return store.write(t.res, 'DELETED', obj, old);
    return store.write(t.res, 'MODIFIED', obj, old);
  }

  function create(t: Target, body: KubeObject, dryRun: boolean): KubeObject {
    const m = { ...(body.metadata ?? {}) };
    if (t.namespace && m.namespace && m.namespace !== t.namespace)
      throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    if (!m.name && m.generateName) m.name = m.generateName + randomUUID().replace(/-/g, '').slice(0, 5);
    if (!m.name) throw new HttpError(422, 'Invalid', `${t.plural} "" is invalid: metadata.name: Required value: name or generateName is required`);
    if (t.namespace) m.namespace = t.namespace;
    else delete m.namespace;
    const key = keyFor(t, m.name);
    if (store.bucket(t.res).has(key)) throw new HttpError(409, 'AlreadyExists', `${t.plural} "${m.name}" already exists`, { name: m.name, kind: t.plural });
    Object.assign(m, { uid: randomUUID(), creationTimestamp: now(), generation: 1 });
    delete m.resourceVersion;
    const obj: KubeObject = { ...body, ...typeMeta(t), metadata: m };
    return dryRun ? obj : store.write(t.res, 'ADDED', obj);
  }

  function remove(t: Target, opts: { preconditions?: { uid?: string; resourceVersion?: string } }): KubeObject {
    const old = current(t);
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== old.metadata?.uid)
      throw new HttpError(409, 'Conflict', `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata?.uid ?? ''}`);
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata?.resourceVersion) throw conflict(t, t.name as string);
    if (old.metadata?.finalizers?.length) {
      if (old.metadata.deletionTimestamp) return old;
      return store.write(t.res, 'MODIFIED', { ...old, metadata: { ...old.metadata, deletionTimestamp: now() } }, old);
    }
    return store.write(t.res, 'DELETED', old, old);
  }

  function listAt(t: Target, q: URLSearchParams): unknown {
    const limit = Number(q.get('limit') ?? 0);
    let rv = store.rv;
    let start = '';
    const cont = q.get('continue');
    if (cont) {
      const tok = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')) as { rv: number; start: string };
      rv = tok.rv;
      start = tok.start;
    }
    const state = store.snapshot(t.res, rv);
    if (!state) throw new HttpError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
    const match = makeMatcher({ res: t.res, namespace: t.namespace, labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined });
    const keys = [...state.keys()].sort().filter((k) => k > start && match(state.get(k)));
    const page = limit > 0 ? keys.slice(0, limit) : keys;
    const more = keys.length > page.length;
    const tm = typeMeta(t);
    return {
      kind: `${tm.kind}List`, apiVersion: tm.apiVersion,
      metadata: {
        resourceVersion: String(rv),
        ...(more ? { continue: Buffer.from(JSON.stringify({ rv, start: page[page.length - 1] })).toString('base64'), remainingItemCount: keys.length - page.length } : {}),
      },
      items: page.map((k) => state.get(k)),
    };
  }

  function watch(t: Target, q: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse): void {
    const filter = { res: t.res, namespace: t.namespace, labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined };
    const matches = makeMatcher(filter);
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const line = (type: string, object: unknown): void => void res.write(`${JSON.stringify({ type, object })}\n`);
    const rvParam = q.get('resourceVersion') ?? '';
    let timer: NodeJS.Timeout | undefined;
    const w: Watcher = {
      filter,
      matches,
      send(type, obj) {
        if (type === 'BOOKMARK' && !bookmarks) return;
        line(type, obj);
      },
      close() {
        if (timer) clearTimeout(timer);
        store.watchers.delete(w);
        res.end();
      },
    };
    if (rvParam === '' || rvParam === '0') {
      for (const k of [...store.bucket(t.res).keys()].sort()) {
        const o = store.bucket(t.res).get(k);
        if (matches(o)) line('ADDED', o);
      }
    } else {
      const events = store.since(t.res, Number(rvParam));
      if (!events) {
        line('ERROR', statusBody(410, 'Expired', `too old resource version: ${rvParam} (${store.compactedRV})`));
        res.end();
        return;
      }
      for (const h of events) {
        const tr = translate(h.type, h.obj, h.prev, matches);
        if (tr) line(tr.type, tr.obj);
      }
    }
    store.watchers.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) timer = setTimeout(() => w.close(), timeout * 1000);
    req.on('close', () => w.close());
  }

  function subresourcePost(t: Target, body: Record<string, unknown>): Status {
    if (t.plural === 'pods' && t.sub === 'binding') {
      const pod = current(t) as KubeObject & { spec?: { nodeName?: string } };
      const node = (body.target as { name?: string } | undefined)?.name;
      if (!node) throw new HttpError(422, 'Invalid', 'Binding.target.name: Required value');
      if (pod.spec?.nodeName) throw new HttpError(409, 'Conflict', `pod ${t.name} is already assigned to node "${pod.spec.nodeName}"`);
      store.write(t.res, 'MODIFIED', { ...pod, spec: { ...pod.spec, nodeName: node } } as KubeObject, pod);
      return statusBody(201, '', '');
    }
    if (t.plural === 'pods' && t.sub === 'eviction') {
      remove(t, {});
      return statusBody(201, '', '');
    }
    throw new HttpError(404, 'NotFound', `the server could not find the requested resource (post ${t.plural}/${t.sub ?? ''})`);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://fake');
    const q = u.searchParams;
    const method = req.method ?? 'GET';
    requests.push(`${method} ${u.pathname}${u.search}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const send = (code: number, body: unknown, extra: Record<string, string> = {}): void => {
      res.writeHead(code, { 'content-type': 'application/json', ...extra });
      res.end(JSON.stringify(body));
    };
    try {
      const fail = failures.find((f) => f.left > 0 && f.match.test(`${method} ${u.pathname}${u.search}`));
      if (fail) {
        fail.left--;
        const err = new HttpError(fail.code, fail.code === 429 ? 'TooManyRequests' : fail.code === 410 ? 'Expired' : 'InternalError', `injected failure ${fail.code}`);
        err.retryAfter = fail.retryAfter;
        throw err;
      }
      if (u.pathname === '/version') return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.0-fake' });
      const t = parsePath(u.pathname);
      if (!t) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
      const body = (raw ? JSON.parse(raw) : {}) as KubeObject & Record<string, unknown>;
      const dryRun = q.get('dryRun') === 'All';
      if (!t.name) {
        if (method === 'GET' && (q.get('watch') === 'true' || q.get('watch') === '1')) return watch(t, q, req, res);
        if (method === 'GET') return send(200, listAt(t, q));
        if (method === 'POST') return send(201, create(t, body, dryRun));
        if (method === 'DELETE') {
          const listed = listAt(t, new URLSearchParams({ labelSelector: q.get('labelSelector') ?? '', fieldSelector: q.get('fieldSelector') ?? '' })) as { items: KubeObject[] };
          const items = listed.items.map((o) => remove({ ...t, namespace: o.metadata?.namespace, name: o.metadata?.name }, {}));
          return send(200, { ...listed, items });
        }
      } else {
        if (method === 'GET' && (!t.sub || t.sub === 'status')) return send(200, current(t));
        if (method === 'PUT' && (!t.sub || t.sub === 'status')) return send(200, replace(t, body, dryRun));
        if (method === 'PATCH' && (!t.sub || t.sub === 'status')) {
          const ct = String(req.headers['content-type'] ?? '');
          const old = current(t);
          let next: unknown;
          if (ct.startsWith('application/json-patch+json')) next = jsonPatch(old, body);
          else if (ct.startsWith('application/merge-patch+json') || ct.startsWith('application/strategic-merge-patch+json')) next = mergePatch(old, body);
          else throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${ct})`);
          const n = next as KubeObject;
          const clientRV = (body.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
          return send(200, replace(t, { ...n, metadata: { ...n.metadata, resourceVersion: clientRV } }, dryRun));
        }
        if (method === 'DELETE' && !t.sub) return send(200, remove(t, body as { preconditions?: { uid?: string; resourceVersion?: string } }));
        if (method === 'POST' && t.sub) return send(201, subresourcePost(t, body));
      }
      throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method} ${u.pathname})`);
    } catch (e) {
      if (e instanceof HttpError) return send(e.code, statusBody(e.code, e.reason, e.message, e.details), e.retryAfter !== undefined ? { 'retry-after': String(e.retryAfter) } : {});
      if (e instanceof PatchError || e instanceof SyntaxError) return send(400, statusBody(400, 'BadRequest', e.message));
      return send(500, statusBody(500, 'InternalError', String(e)));
    }
  }

  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    store,
    requests,
    client() {
      const c = createClient({ server: url, userAgent: 'berth-fake-test' });
      clients.push(c);
      return c;
    },
    seed<T extends KubeObject>(ref: ResourceRef, obj: T): T {
      const t: Target = { group: ref.group, version: ref.version, plural: ref.plural, namespace: ref.namespaced ? obj.metadata?.namespace ?? 'default' : undefined, res: resKey(ref) };
      return create(t, obj, false) as T;
    },
    list: (ref) => [...store.bucket(resKey(ref)).values()],
    compact: () => store.compact(),
    closeWatches: () => [...store.watchers].forEach((w) => w.close()),
    expireWatches() {
      for (const w of [...store.watchers]) {
        w.send('ERROR', statusBody(410, 'Expired', 'too old resource version'));
        w.close();
      }
    },
    sendBookmarks() {
      for (const w of store.watchers) w.send('BOOKMARK', { kind: 'Bookmark', apiVersion: 'v1', metadata: { resourceVersion: String(store.rv) } });
    },
    failNext(match, code, count = 1, retryAfterSeconds) {
      failures.push({ match, code, left: count, retryAfter: retryAfterSeconds });
    },
    openWatches: () => store.watchers.size,
    async close() {
      for (const w of [...store.watchers]) w.close();
      for (const c of clients) c.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
