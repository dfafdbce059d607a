// The API server: HTTPS, authentication, routing to discovery / OpenAPI / health / metrics and to the
// registry of every built-in resource, served from one watch cache fed by the store.
//
//   request ─▶ TLS ─▶ authn (token | client cert) ─▶ in-flight limit ─▶ route
//        route: /version /healthz /livez /readyz /metrics /openapi/v3 /api /apis   (non-resource)
//               /api/v1/... /apis/<g>/<v>/...  ─▶ Endpoint ─▶ Registry ─▶ Store + ResourceCache
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findResource, RESOURCES, type ResourceInfo } from '../api/resources';
import { openapiForPath, openapiRoot } from '../api/schema/openapi';
import type { Store } from '../store/types';
import { StoreUnavailableError, CompactedError } from '../store/errors';
import { ANONYMOUS, createAuthenticator, type StaticToken } from './auth/authn';
import type { Pki } from './auth/pki';
import { ApiError, errors } from './errors';
import { buildDiscovery, wantsAggregated, AGGREGATED_CONTENT_TYPE } from './handlers/discovery';
import type { RequestContext } from './handlers/context';
import { handleResource, type Endpoint } from './handlers/resource';
import { handleVirtual } from './handlers/virtual';
import { handleEviction } from './handlers/eviction';
import { handleTokenRequest } from './handlers/token-request';
import { createServiceAccountTokenAuth, ephemeralServiceAccountKey, jwks, openIdConfiguration, withServiceAccountTokens, type ServiceAccountKey } from './auth/service-account-token';
import { shutdownHooks, watchLimits, watchStats } from './handlers/watch';
import { createConnectHandler, proxyUpgrade, rejectUpgrade, type NodeProxyDeps } from './handlers/node-proxy';
import { negotiate, sendJson, sendStatus, sendText } from './http/respond';
import { parseRequestInfo, type ResourceRequest } from './http/request-info';
import { Metrics } from './metrics';
import { Allocator, parseCidr } from './registry/allocator';
import type { Obj } from './registry/object';
import { Registry } from './registry/registry';
import { strategyFor } from './registry/strategies';
import type { AdmissionContext } from './registry/strategy';
import { EventHub, ResourceCache } from './watch-cache';
import { bootstrap } from './bootstrap';
import { instrumentStore } from './instrumented-store';
import { createMetricsApi, METRICS_GROUP, METRICS_VERSION, type KubeMeta } from '../metrics';

export const KUBE_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4+berth',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface ApiServerOptions {
  store: Store;
  pki: Pki;
  port: number;
  bindAddress: string;
  /** The address clients reach the API server at (the kubernetes Service's endpoint). */
  advertiseAddress: string;
  serviceCidr?: string;
  eventTtlSeconds?: number;
  logLevel?: LogLevel;
  log?: (level: LogLevel, msg: string) => void;
  now?: () => number;
  maxRequestsInFlight?: number;
  maxMutatingRequestsInFlight?: number;
  /** Bytes a watcher may fall behind before it is dropped (default 32 MiB). */
  watchMaxBufferedBytes?: number;
  /** Signs and verifies service-account tokens: ensureServiceAccountKey(<data-dir>/tls). Default: a key that lives as long as the process. */
  serviceAccountKey?: ServiceAccountKey;
  /** How often metrics.k8s.io scrapes every kubelet's /stats/summary (metrics-server's --metric-resolution; default 15 000 ms). */
  metricsResolutionMs?: number;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  readonly hub: EventHub;
  readonly metrics: Metrics;
  /** Registry of a stored resource by group and plural. */
  registry(group: string, plural: string): Registry | undefined;
  /** Extra non-resource routes (e.g. /apis/metrics.k8s.io). Return true when handled. */
  addRoute(h: (ctx: RequestContext, path: string) => Promise<boolean>): void;
  stop(): Promise<void>;
}

const LONG_RUNNING = new Set(['watch', 'connect']);

export async function createApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => undefined);
  const level = o.logLevel ?? 'info';
  const debug = level === 'debug';
  const metrics = new Metrics();
  if (o.watchMaxBufferedBytes) watchLimits.maxBufferedBytes = o.watchMaxBufferedBytes;
  const store = instrumentStore(o.store, metrics);
  const hub = new EventHub(store, now);
  const allocator = new Allocator(store, parseCidr(o.serviceCidr ?? '10.43.0.0/16'));

  // One cache and one registry per storage location; every served version maps onto one of them.
  const registries = new Map<string, Registry>(); // `${group}/${plural}` of the storage resource
  const caches = new Map<string, ResourceCache>();
  const endpoints = new Map<string, Endpoint>();
  const storageInfo = (r: ResourceInfo): ResourceInfo => {
    if (r.storageVersion === r.version) return r;
    if (r.storageVersion === 'core/v1') return RESOURCES.find((x) => x.group === '' && x.version === 'v1' && x.plural === r.plural)!;
    return RESOURCES.find((x) => x.group === r.group && x.version === r.storageVersion && x.plural === r.plural)!;
  };
  const admission: AdmissionContext = {
    lookup: (group, plural, ns, name) => registries.get(`${group}/${plural}`)?.peek(ns, name)?.obj,
    list: (group, plural, ns) => {
      const reg = registries.get(`${group}/${plural}`);
      return reg ? reg.d.cache.sortedEntries(ns).map((e) => e.obj) : [];
    },
    now,
  };
  let eventLease: { id: number; expires: number } | undefined;
  const leaseFor = async (ttl: number): Promise<number> => {
    const t = now();
    if (eventLease && eventLease.expires - t > (ttl - 60) * 1000) return eventLease.id;
    const id = await store.grantLease(ttl + 60);
    eventLease = { id, expires: t + (ttl + 60) * 1000 };
    return id;
  };
  for (const r of RESOURCES) {
    if (r.virtual) continue;
    const s = storageInfo(r);
    const regKey = `${s.group}/${s.plural}`;
    let reg = registries.get(regKey);
    if (!reg) {
      const prefix = `/registry/${s.storagePrefix}/`;
      let cache = caches.get(prefix);
      if (!cache) {
        const indexOf = s.group === '' && s.plural === 'pods' ? (obj: Obj) => ((obj.spec as Obj | undefined)?.nodeName as string | undefined) || undefined : undefined;
        cache = new ResourceCache(prefix, s.namespaced, indexOf);
        caches.set(prefix, cache);
        hub.register(cache);
      }
      reg = new Registry({
        store,
        hub,
        cache,
        info: s,
        strategy: strategyFor(s, { allocator, eventTtlSeconds: o.eventTtlSeconds ?? 3600 }),
        admission,
        now,
        leaseFor,
      });
      registries.set(regKey, reg);
    }
    endpoints.set(`${r.group}/${r.version}/${r.plural}`, { info: r, registry: reg });
  }
  // events.k8s.io shares the core events storage: same registry.
  await hub.start();

  metrics.gauges.push((): Array<{ name: string; help: string; labels: Record<string, string>; value: number }> => [
    { name: 'apiserver_longrunning_requests', help: 'Number of active long-running requests (watches).', labels: { verb: 'WATCH' }, value: watchStats.active },
    ...[...caches.values()].map((c) => ({ name: 'apiserver_watch_cache_objects', help: 'Objects in the watch cache per resource.', labels: { resource: c.prefix }, value: c.items.size })),
    { name: 'berth_store_revision', help: 'The newest store revision applied to the watch cache.', labels: {}, value: hub.revision },
  ]);

  const saTokens = createServiceAccountTokenAuth({ key: o.serviceAccountKey ?? ephemeralServiceAccountKey(), lookup: admission.lookup, now });
  const authenticator = withServiceAccountTokens(createAuthenticator([
    { token: o.pki.adminToken, user: { name: 'admin', groups: ['system:masters', 'system:authenticated'] } },
    { token: o.pki.nodeToken, user: { name: 'system:node-agent', groups: ['system:nodes', 'system:authenticated'] } },
  ] satisfies StaticToken[]), saTokens);
  const discovery = buildDiscovery(`${o.advertiseAddress}:${o.port}`);
  const nodeProxy: NodeProxyDeps = {
    pods: registries.get('/pods')!,
    nodes: registries.get('/nodes')!,
    clientCert: o.pki.issueClientCert({ commonName: 'berth-apiserver-kubelet-client', organizations: ['system:masters'] }),
  };
  const connectHandler = createConnectHandler(nodeProxy);
  const nodeReg = registries.get('/nodes')!;
  const podReg = registries.get('/pods')!;
  const metricsApi = createMetricsApi({
    clientCert: nodeProxy.clientCert, intervalMs: o.metricsResolutionMs, now, log,
    objects: {
      node: (name) => nodeReg.peek('', name)?.obj as KubeMeta | undefined,
      nodes: () => nodeReg.d.cache.sortedEntries('').map((e) => e.obj as KubeMeta),
      pod: (ns, name) => podReg.peek(ns, name)?.obj as KubeMeta | undefined,
      pods: (ns) => podReg.d.cache.sortedEntries(ns).map((e) => e.obj as KubeMeta),
    },
  });
  const extraRoutes: Array<(ctx: RequestContext, path: string) => Promise<boolean>> = [];
  let ready = false;
  // The cache's store watch ended (store gone, or history compacted under it): reads would be stale, so say
  // so loudly and stop reporting ready; requests fail with 503 rather than serving old data.
  hub.onFailure = (err) => {
    ready = false;
    log('error', `the watch cache lost its store watch (${err.message}); /readyz now fails — restart berth server`);
  };
  let inFlight = 0;
  let mutatingInFlight = 0;
  const maxInFlight = o.maxRequestsInFlight ?? 400;
  const maxMutating = o.maxMutatingRequestsInFlight ?? 200;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const start = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'https://x');
    const ctx: RequestContext = { req, res, query: url.searchParams, user: ANONYMOUS, negotiated: negotiate(req.headers.accept), warnings: [], now };
    let verbLabel = (req.method ?? 'GET').toUpperCase();
    let resourceLabel = '';
    let mutating = false;
    let counted = false;
    try {
      const who = authenticator.authenticate(req);
      const path = url.pathname;
      const isPublic = path === '/version' || path === '/cacerts' || path === '/healthz' || path === '/livez' || path === '/readyz' || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/');
      if (who === false || (who === undefined && !isPublic)) throw errors.unauthorized();
      if (who) ctx.user = who;
      const ri = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
      if (!ri.isResource) {
        resourceLabel = path.split('/').slice(0, 3).join('/');
        await handleNonResource(ctx, path);
        return;
      }
      verbLabel = ri.verb.toUpperCase();
      resourceLabel = ri.subresource ? `${ri.resource}/${ri.subresource}` : ri.resource;
      if (!LONG_RUNNING.has(ri.verb)) {
        mutating = ri.verb !== 'get' && ri.verb !== 'list';
        if (inFlight >= maxInFlight || (mutating && mutatingInFlight >= maxMutating)) {
          throw errors.tooManyRequests('Too many requests, please try again later.', 1);
        }
        inFlight++;
        if (mutating) mutatingInFlight++;
        counted = true;
      }
      await handleResourceRequest(ctx, ri);
    } catch (e) {
      respondError(res, e, req);
    } finally {
      if (counted) {
        inFlight--;
        if (mutating) mutatingInFlight--;
      }
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const code = res.statusCode;
      if (verbLabel !== 'WATCH' && verbLabel !== 'CONNECT') metrics.request(verbLabel, resourceLabel, code, seconds);
      if (debug || code >= 500) log(code >= 500 ? 'error' : 'debug', `${req.method} ${req.url} ${code} ${(seconds * 1000).toFixed(1)}ms user=${ctx.user.name} agent=${req.headers['user-agent'] ?? ''}`);
    }
  };

  function respondError(res: ServerResponse, e: unknown, req: IncomingMessage): void {
    let err: ApiError;
    if (e instanceof ApiError) err = e;
    else if (e instanceof StoreUnavailableError) err = errors.serviceUnavailable(`the cluster store is unavailable: ${e.message}`);
    else if (e instanceof CompactedError) err = errors.gone(e.message);
    else {
      log('error', `internal error on ${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      err = errors.internal(e instanceof Error ? e.message : String(e));
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendStatus(res, err);
  }

  async function handleResourceRequest(ctx: RequestContext, ri: ResourceRequest): Promise<void> {
    if (ri.resource === '') {
      // /api/v1 or /apis/<g>/<v>: the resource list
      const b = discovery.groupVersion(ri.group, ri.version);
      if (!b || ri.namespace) throw errors.notFoundPath();
      sendJson(ctx.res, 200, b);
      return;
    }
    if (ri.group === METRICS_GROUP && ri.version === METRICS_VERSION) {
      sendJson(ctx.res, 200, metricsApi.handle(ri, ctx.query));
      return;
    }
    const ep = endpoints.get(`${ri.group}/${ri.version}/${ri.resource}`);
    if (!ep) {
      const info = findResource(ri.group, ri.version, ri.resource);
      if (info?.virtual) return handleVirtual(ctx, info, ri, { registries: (g, p) => registries.get(`${g}/${p}`), endpoints: (g, v, p) => endpoints.get(`${g}/${v}/${p}`), pki: o.pki, storeHealth: () => store.revisions(), serviceAccountTokens: saTokens });
      throw errors.notFoundPath();
    }
    if (ri.group === '' && ri.resource === 'pods' && ['log', 'exec', 'attach', 'portforward'].includes(ri.subresource)) ctx.subresourceHandler = connectHandler;
    if (ri.group === '' && ri.resource === 'pods' && ri.subresource === 'eviction') ctx.subresourceHandler = (c, e, r) => handleEviction(c, e, r, { pdbs: registries.get('policy/poddisruptionbudgets')! });
    if (ri.group === '' && ri.resource === 'serviceaccounts' && ri.subresource === 'token') ctx.subresourceHandler = (c, e, r) => handleTokenRequest(c, e, r, { sa: saTokens, registry: (g, p) => registries.get(`${g}/${p}`) });
    await handleResource(ctx, ep, ri);
  }

  async function handleNonResource(ctx: RequestContext, path: string): Promise<void> {
    const res = ctx.res;
    const accept = ctx.req.headers.accept;
    switch (path) {
      case '/version':
        sendJson(res, 200, KUBE_VERSION);
        return;
      case '/cacerts':
        sendText(res, 200, o.pki.caPem, 'text/plain; charset=utf-8');
        return;
      case '/healthz':
      case '/livez':
      case '/readyz': {
        const ok = path !== '/readyz' || ready;
        if (ctx.query.has('verbose')) {
          const lines = ['[+]ping ok', `[${ready ? '+' : '-'}]informer-sync ${ready ? 'ok' : 'failed'}`, `[+]etcd ok`];
          sendText(res, ok ? 200 : 500, `${lines.join('\n')}\n${path.slice(1)} check ${ok ? 'passed' : 'failed'}\n`);
        } else sendText(res, ok ? 200 : 500, ok ? 'ok' : `[-]informer-sync failed: not ready\n${path.slice(1)} check failed`);
        return;
      }
      case '/metrics':
        sendText(res, 200, metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
        return;
      case '/api':
        if (wantsAggregated(accept)) sendJson(res, 200, discovery.apiV2, { 'Content-Type': AGGREGATED_CONTENT_TYPE });
        else sendJson(res, 200, discovery.api);
        return;
      case '/apis':
        if (wantsAggregated(accept)) sendJson(res, 200, discovery.apisV2, { 'Content-Type': AGGREGATED_CONTENT_TYPE });
        else sendJson(res, 200, discovery.apis);
        return;
      case '/openapi/v3':
        sendJson(res, 200, openapiRoot());
        return;
      case '/.well-known/openid-configuration': {
        const host = o.advertiseAddress.includes(':') ? `[${o.advertiseAddress}]` : o.advertiseAddress;
        sendJson(res, 200, openIdConfiguration(saTokens.issuer, `https://${host}:${port}/openid/v1/jwks`));
        return;
      }
      case '/openid/v1/jwks':
        sendJson(res, 200, jwks(saTokens.key), { 'Content-Type': 'application/jwk-set+json' });
        return;
      case '/':
        sendJson(res, 200, { paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/metrics', '/openapi/v3', '/readyz', '/version'] });
        return;
    }
    if (path.startsWith('/openapi/v3/')) {
      const doc = openapiForPath(path.slice('/openapi/v3/'.length));
      if (!doc) throw errors.notFoundPath();
      sendJson(res, 200, doc.body, { 'Content-Type': 'application/json', ETag: `"${doc.hash}"` });
      return;
    }
    if (path.startsWith('/livez/') || path.startsWith('/healthz/') || path.startsWith('/readyz/')) {
      sendText(res, 200, 'ok');
      return;
    }
    const gv = /^\/api\/(v1)\/?$/.exec(path) ?? /^\/apis\/([^/]+\/[^/]+)\/?$/.exec(path);
    if (gv) {
      const [g, v] = gv[1]!.includes('/') ? (gv[1]!.split('/') as [string, string]) : ['', gv[1]!];
      const b = discovery.groupVersion(g, v);
      if (b) {
        sendJson(res, 200, b);
        return;
      }
    }
    const m = /^\/apis\/([^/]+)\/?$/.exec(path);
    if (m) {
      const b = discovery.group(m[1]!);
      if (b) {
        sendJson(res, 200, b);
        return;
      }
    }
    for (const r of extraRoutes) if (await r(ctx, path)) return;
    throw errors.notFoundPath();
  }

  const server: Server = createHttpsServer(
    {
      key: o.pki.servingKeyPem,
      cert: o.pki.servingCertPem,
      ca: [o.pki.caPem],
      requestCert: true,
      rejectUnauthorized: false,
      keepAlive: true,
    },
    (req, res) => {
      handle(req, res).catch((e: unknown) => respondError(res, e, req));
    },
  );
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // watches and streams are long
  // exec, attach and port-forward arrive as upgrade requests (WebSocket or SPDY/3.1): authenticate, find the
  // pod's kubelet and pipe the connection to it.
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const fail = (e: unknown) => {
      const err = e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e));
      if (!(e instanceof ApiError)) log('error', `upgrade ${req.url}: ${String(e)}`);
      rejectUpgrade(socket, err);
    };
    try {
      const who = authenticator.authenticate(req);
      if (!who) throw errors.unauthorized();
      const ri = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      if (!ri.isResource || ri.group !== '' || ri.resource !== 'pods' || !['exec', 'attach', 'portforward'].includes(ri.subresource)) {
        throw errors.badRequest(`upgrade requests are only served for pods/exec, pods/attach and pods/portforward, not ${url.pathname}`);
      }
      if (debug) log('debug', `${req.method} ${req.url} upgrade ${String(req.headers.upgrade)} user=${who.name}`);
      proxyUpgrade(nodeProxy, req, socket, head, ri, url.searchParams).catch(fail);
    } catch (e) {
      fail(e);
    }
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.bindAddress, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    hub.stop(); // the caller closes the store next: that is not a lost watch
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const host = o.bindAddress.includes(':') ? `[${o.bindAddress}]` : o.bindAddress;
  const url = `https://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;

  try {
    await bootstrap({ registry: (g, p) => registries.get(`${g}/${p}`), allocator, advertiseAddress: o.advertiseAddress, port, log });
  } catch (e) {
    hub.stop();
    server.close();
    throw e;
  }
  ready = true;
  metricsApi.start();

  const api: ApiServer = {
    url,
    port,
    hub,
    metrics,
    registry: (g, p) => registries.get(`${g}/${p}`),
    addRoute(h) {
      extraRoutes.push(h);
    },
    async stop() {
      ready = false;
      metricsApi.stop();
      for (const h of [...shutdownHooks]) h();
      hub.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return api;
}

