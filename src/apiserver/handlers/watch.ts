// WATCH: a chunked stream of newline-delimited JSON events served from the watch cache.
//
//   resourceVersion unset or "0" → ADDED for every current object, then live events
//   resourceVersion N            → the cached events after N, then live (410 Expired when N is too old)
//   allowWatchBookmarks          → a BOOKMARK with the current revision every BOOKMARK_MS
//   Table Accept                 → each event's object is a one-row Table (column definitions on the first)
//
// A watcher whose socket falls behind by more than watchLimits.maxBufferedBytes is ended, with an ERROR event, so it
// never holds up writers or other watchers; the client re-watches from its last resourceVersion.
import { buildTable } from '../tables';
import { errors } from '../errors';
import type { ResourceRequest } from '../http/request-info';
import type { CacheEvent, CacheWatcher, Entry } from '../watch-cache';
import type { Obj } from '../registry/object';
import { warningHeaders, type RequestContext } from './context';
import { apiVersionOf, entryJson, listOptionsOf, outward, type Endpoint } from './resource';

const BOOKMARK_MS = 60_000;
/** How far (bytes queued in user space) a watcher may fall behind before it is dropped. */
export const watchLimits = { maxBufferedBytes: 32 * 1024 * 1024 };

export interface WatchStats {
  active: number;
}
export const watchStats: WatchStats = { active: 0 };

export async function handleWatch(ctx: RequestContext, ep: Endpoint, ri: ResourceRequest): Promise<void> {
  const o = listOptionsOf(ctx);
  const reg = ep.registry;
  reg.checkFieldSelector(o.fieldSelector);
  if (ri.name) {
    // GET .../pods/name?watch=true is a watch with a metadata.name field selector.
    o.fieldSelector = { ...o.fieldSelector, empty: false, requirements: [...o.fieldSelector.requirements, { field: 'metadata.name', op: '=', value: ri.name }], matches: (get) => get('metadata.name') === ri.name && o.fieldSelector.matches(get), exact: (f) => (f === 'metadata.name' ? ri.name : o.fieldSelector.exact(f)) };
  }
  const q = ctx.query;
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const timeoutRaw = q.get('timeoutSeconds');
  const timeoutSec = timeoutRaw ? Number(timeoutRaw) : 0;
  if (timeoutRaw && (!Number.isFinite(timeoutSec) || timeoutSec < 0)) throw errors.badRequest(`invalid timeoutSeconds: ${timeoutRaw}`);
  const rvRaw = o.resourceVersion ?? '';
  if (rvRaw !== '' && !/^\d+$/.test(rvRaw)) throw errors.badRequest(`invalid resource version: ${rvRaw}`);
  const sendInitial = q.get('sendInitialEvents') === 'true';
  const ns = ri.namespace;
  const hub = reg.d.hub;
  const cache = reg.d.cache;
  const table = ctx.negotiated.form === 'table';
  const av = apiVersionOf(ep.info);
  const res = ctx.res;

  let startRv: number;
  let initial: CacheEvent[] = [];
  let replay: CacheEvent[] | undefined = [];
  if (rvRaw === '' || rvRaw === '0' || sendInitial) {
    if (rvRaw === '') await hub.sync();
    startRv = hub.revision;
  } else {
    startRv = Number(rvRaw);
    if (startRv > hub.revision) {
      const ok = await hub.waitFor(startRv, 3000);
      if (!ok) throw errors.timeout(`Too large resource version: ${startRv}, current: ${hub.revision}`);
    }
  }
  // From here to addWatcher everything is synchronous: no event can slip between snapshot and registration.
  if (rvRaw === '' || rvRaw === '0' || sendInitial) {
    initial = cache.sortedEntries(ns).map((e): CacheEvent => ({ type: 'ADDED', rv: e.rv, cur: e }));
  } else {
    replay = cache.eventsSince(startRv);
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private', ...warningHeaders(ctx) });
  res.flushHeaders?.();
  watchStats.active++;

  let closed = false;
  let headersSent = false;
  let lastRv = startRv;
  const selectorMatches = (obj: Obj) => reg.matches(obj, o);

  const encode = (type: string, e: Entry): Buffer => {
    if (table) {
      const t = buildTable({ group: ep.info.group, plural: ep.info.plural, objects: [outward(ep, e.obj)], listMeta: { resourceVersion: String(e.rv) }, now: ctx.now(), noHeaders: headersSent, includeObject: 'Metadata' });
      headersSent = true;
      return Buffer.from(`{"type":"${type}","object":${JSON.stringify(t)}}\n`);
    }
    return Buffer.concat([Buffer.from(`{"type":"${type}","object":`), entryJson(ep, e), NL_CLOSE]);
  };

  const write = (b: Buffer) => {
    if (closed) return;
    res.write(b);
    if (res.writableLength > watchLimits.maxBufferedBytes) {
      const status = errors.gone('the watcher fell too far behind and was closed; watch again from the last resourceVersion').toStatus();
      status.code = 410;
      res.write(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
      close();
    }
  };

  const deliver = (events: CacheEvent[]) => {
    if (closed) return;
    const parts: Buffer[] = [];
    for (const ev of events) {
      if (ev.rv <= lastRv && ev.type !== 'ADDED') continue;
      const curMatch = selectorMatches(ev.cur.obj);
      const prevMatch = ev.prev ? selectorMatches(ev.prev.obj) : false;
      let type: string | undefined;
      if (ev.type === 'ADDED') type = curMatch ? 'ADDED' : undefined;
      else if (ev.type === 'DELETED') type = prevMatch ? 'DELETED' : undefined;
      else if (curMatch && prevMatch) type = 'MODIFIED';
      else if (curMatch) type = 'ADDED';
      else if (prevMatch) type = 'DELETED';
      if (ev.rv > lastRv) lastRv = ev.rv;
      if (!type) continue;
      parts.push(encode(type, type === 'DELETED' && ev.type !== 'DELETED' ? { ...ev.cur } : ev.cur));
    }
    if (parts.length) write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  };

  const indexValue = ep.info.plural === 'pods' && ep.info.group === '' ? o.fieldSelector.exact('spec.nodeName') : undefined;
  const watcher: CacheWatcher = { namespace: ns, indexValue, deliver };

  if (replay === undefined) {
    const status = errors.gone(`too old resource version: ${startRv} (${cache.oldestResumableRv()})`).toStatus();
    res.write(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
    res.end();
    watchStats.active--;
    return;
  }
  const unregister = cache.addWatcher(watcher);
  if (initial.length) {
    const parts: Buffer[] = [];
    for (const ev of initial) if (selectorMatches(ev.cur.obj)) parts.push(encode('ADDED', ev.cur));
    if (parts.length) write(Buffer.concat(parts));
  }
  if (replay.length) deliver(replay);
  if (sendInitial && bookmarks) {
    write(Buffer.from(`{"type":"BOOKMARK","object":{"kind":${JSON.stringify(ep.info.kind)},"apiVersion":${JSON.stringify(av)},"metadata":{"resourceVersion":"${hub.revision}","annotations":{"k8s.io/initial-events-end":"true"}}}}\n`));
  }

  let bookmarkTimer: NodeJS.Timeout | undefined;
  if (bookmarks) {
    bookmarkTimer = setInterval(() => {
      const rv = Math.max(lastRv, hub.revision);
      write(Buffer.from(`{"type":"BOOKMARK","object":{"kind":${JSON.stringify(ep.info.kind)},"apiVersion":${JSON.stringify(av)},"metadata":{"resourceVersion":"${rv}"}}}\n`));
    }, BOOKMARK_MS);
    bookmarkTimer.unref();
  }
  let timeout: NodeJS.Timeout | undefined;
  if (timeoutSec > 0) {
    timeout = setTimeout(() => close(), timeoutSec * 1000);
    timeout.unref();
  }

  function close(): void {
    if (closed) return;
    closed = true;
    watchStats.active--;
    unregister();
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    if (timeout) clearTimeout(timeout);
    res.end();
  }
  ctx.req.on('close', close);
  res.on('close', close);
  shutdownHooks.add(close);
  res.on('close', () => shutdownHooks.delete(close));
}

const NL_CLOSE = Buffer.from('}\n');

/** Ends every open watch (server shutdown). */
export const shutdownHooks = new Set<() => void>();
