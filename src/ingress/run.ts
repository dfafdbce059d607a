// runIngress: the berth ingress controller of one node.
//
//   ensure IngressClass `berth` (default class, controller berth.io/ingress-controller)
//   informers: ingresses, ingressclasses, services, endpointslices, secrets (type kubernetes.io/tls)
//     ingress/class/secret change ─► rebuild (coalesced per tick) ─► { table, certs } swapped atomically
//     service/slice change        ─► resolver.invalidate()
//   HTTP + HTTPS (SNI) listeners ─► proxy (reads the current snapshot per request)
//   leader (Lease kube-system/berth-ingress-controller) ─► status.loadBalancer.ingress = [{ ip: nodeIP }]
//
// Every node serves traffic; only the leader writes status.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import {
  createClient, createInformer, createWorkQueue, isAlreadyExists, isNotFound, objectKey, realClock, resourceRef, Resources,
  runLeaderElection, splitKey, type Client, type ClientConfig, type Clock,
} from '../client';
import { createBackendResolver, sliceIndexers } from './backends';
import { FastUpstream } from './fast-upstream';
import { createIngressProxy, type ListenerInfo } from './proxy';
import { createRawFront, type RawFront } from './raw-front';
import { buildRoutingTable, isOurs, type RoutingTable } from './routing';
import { createCertCache, lookupCert, type CertTable } from './tls-store';
import type { EndpointSlice, Ingress, IngressClass, LogFn, Secret, Service } from './types';

export const INGRESS_CLASS = 'berth';
export const INGRESS_CONTROLLER = 'berth.io/ingress-controller';
const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const ingressClasses = resourceRef('networking.k8s.io', 'v1', 'ingressclasses');

export interface RunIngressOptions {
  config: ClientConfig;
  /** Written to status.loadBalancer.ingress of every Ingress we serve. */
  nodeIP: string;
  /** Default 80 (root) or 8080; 0 picks a free port. */
  httpPort?: number;
  /** Default 443 (root) or 8443; 0 picks a free port. */
  httpsPort?: number;
  /** Default 0.0.0.0. */
  bindAddress?: string;
  /** Write Ingress status only while holding the Lease (default true). */
  leaderElection?: boolean;
  identity?: string;
  signal: AbortSignal;
  log?: LogFn;
  clock?: Clock;
  /** Told the bound ports once listening. */
  onListening?: (ports: { http: number; https: number }) => void;
}

/** Creates IngressClass `berth` as the default class unless it exists (never fatal). */
export async function ensureIngressClass(client: Client, log: LogFn): Promise<void> {
  const classes = client.resource<IngressClass>(ingressClasses);
  try {
    await classes.get(undefined, INGRESS_CLASS);
    return;
  } catch (e) {
    if (!isNotFound(e)) { log('warn', `ingress: reading IngressClass ${INGRESS_CLASS}: ${String(e)}`); return; }
  }
  try {
    await classes.create(undefined, {
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
      metadata: { name: INGRESS_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
      spec: { controller: INGRESS_CONTROLLER },
    });
    log('info', `ingress: created IngressClass ${INGRESS_CLASS} (default)`);
  } catch (e) {
    if (!isAlreadyExists(e)) log('warn', `ingress: creating IngressClass ${INGRESS_CLASS}: ${String(e)}`);
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

/**
 * Puts the lean front (raw-front.ts) in front of a server's own connection handling: the server's
 * listener still accepts (and, for HTTPS, does the TLS handshake), the front serves simple requests and
 * hands the connection to the server's HTTP machinery for anything else.
 */
function takeOver(server: Server, event: 'connection' | 'secureConnection', front: RawFront, l: ListenerInfo): void {
  const [orig] = server.listeners(event) as Array<(this: Server, sock: Socket) => void>;
  if (!orig) throw new Error(`ingress: no ${event} listener to take over`);
  server.off(event, orig);
  server.on(event, (sock: Socket) => front.accept(sock, l, (s) => orig.call(server, s)));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // In-flight requests get a moment to finish, then are cut.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}

const sameStatus = (ing: Ingress, ip: string): boolean => {
  const lb = ing.status?.loadBalancer?.ingress ?? [];
  return lb.length === 1 && lb[0]?.ip === ip && !lb[0]?.hostname;
};

/** Runs the ingress controller until `signal` aborts. Rejects if it cannot listen. */
export async function runIngress(opts: RunIngressOptions): Promise<void> {
  const log: LogFn = opts.log ?? (() => undefined);
  const { signal } = opts;
  if (signal.aborted) return;
  const clock = opts.clock ?? realClock;
  const client = createClient(opts.config);
  const onError = (err: unknown, where: string): void => log('warn', `ingress: informer ${where}: ${String(err)}`);
  const ensured = ensureIngressClass(client, log);

  const ingresses = createInformer<Ingress>({ client, resource: Resources.ingresses, clock, onError });
  const classes = createInformer<IngressClass>({ client, resource: ingressClasses, clock, onError });
  const services = createInformer<Service>({ client, resource: Resources.services, clock, onError });
  const slices = createInformer<EndpointSlice>({ client, resource: Resources.endpointslices, clock, indexers: sliceIndexers, onError });
  const secrets = createInformer<Secret>({ client, resource: Resources.secrets, fieldSelector: 'type=kubernetes.io/tls', clock, onError });
  const informers = [ingresses, classes, services, slices, secrets];
  const runs = informers.map((i) => i.run(signal));

  const resolver = createBackendResolver({ services: services.lister, slices: slices.lister });
  const certCache = createCertCache(secrets.lister, log);
  let current: { table: RoutingTable; certs: CertTable } = { table: buildRoutingTable([]), certs: { exact: new Map(), wildcard: new Map() } };
  const statusQueue = createWorkQueue<string>({ clock });
  let httpsServer: ReturnType<typeof createHttpsServer> | undefined;
  let lastFallback: CertTable['fallbackPem'];

  const filter = () => {
    const cls = classes.lister.get(undefined, INGRESS_CLASS);
    return { className: INGRESS_CLASS, isDefault: cls?.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' };
  };
  const ours = (): Ingress[] => {
    const f = filter();
    return ingresses.lister.list().filter((i) => !i.metadata?.deletionTimestamp && isOurs(i, f));
  };
  let scheduled = false;
  const rebuild = (): void => {
    scheduled = false;
    const mine = ours();
    const table = buildRoutingTable(mine);
    const certs = certCache.build(table.tls);
    current = { table, certs }; // the atomic swap: requests read `current` once
    if (httpsServer && certs.fallbackPem && certs.fallbackPem !== lastFallback) {
      httpsServer.setSecureContext(certs.fallbackPem);
      lastFallback = certs.fallbackPem;
    }
    for (const i of mine) if (!sameStatus(i, opts.nodeIP)) statusQueue.add(objectKey(i));
    // An Ingress that left our class keeps no address of ours.
    for (const i of ingresses.lister.list()) if (sameStatus(i, opts.nodeIP) && !mine.includes(i)) statusQueue.add(objectKey(i));
    log('debug', `ingress: routing table rebuilt from ${table.ingresses.length} Ingress(es)`);
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(rebuild);
  };
  for (const inf of [ingresses, classes, secrets] as Array<{ addEventHandler: typeof ingresses.addEventHandler }>) {
    inf.addEventHandler({ onAdd: schedule, onUpdate: schedule, onDelete: schedule });
  }
  for (const inf of [services, slices] as Array<{ addEventHandler: typeof ingresses.addEventHandler }>) {
    inf.addEventHandler({ onAdd: () => resolver.invalidate(), onUpdate: () => resolver.invalidate(), onDelete: () => resolver.invalidate() });
  }

  const synced = await Promise.all(informers.map((i) => i.waitForSync(signal)));
  await ensured;
  if (!synced.every(Boolean) || signal.aborted) {
    statusQueue.shutDown();
    await Promise.all(runs);
    client.close();
    return;
  }
  rebuild();

  const upstream = new FastUpstream();
  const proxy = createIngressProxy({ table: () => current.table, resolver, log, upstream });
  const front = createRawFront({ table: () => current.table, resolver, upstream, log });
  const root = process.getuid?.() === 0;
  const host = opts.bindAddress ?? '0.0.0.0';
  const httpServer = createHttpServer({ keepAliveTimeout: 60_000 });
  const https = createHttpsServer({
    keepAliveTimeout: 60_000,
    SNICallback: (name, cb) => cb(null, lookupCert(current.certs, name)),
    ...(current.certs.fallbackPem ?? {}),
  });
  httpsServer = https;
  lastFallback = current.certs.fallbackPem;
  // Ports are filled in once bound (port 0 = a free one); nothing is served before both are.
  const httpL: ListenerInfo = { scheme: 'http', port: 0 };
  const httpsL: ListenerInfo = { scheme: 'https', port: 0 };
  takeOver(httpServer, 'connection', front, httpL);
  takeOver(https, 'secureConnection', front, httpsL);
  httpServer.on('request', (req, res) => proxy.handleRequest(req, res, httpL));
  httpServer.on('upgrade', (req, sock, head: Buffer) => proxy.handleUpgrade(req, sock, head, httpL));
  https.on('request', (req, res) => proxy.handleRequest(req, res, httpsL));
  https.on('upgrade', (req, sock, head: Buffer) => proxy.handleUpgrade(req, sock, head, httpsL));
  https.on('tlsClientError', (e) => log('debug', `ingress: TLS handshake: ${e.message}`));
  let httpPort = 0, httpsPort = 0;
  try {
    httpPort = await listen(httpServer, opts.httpPort ?? (root ? 80 : 8080), host);
    httpsPort = await listen(https, opts.httpsPort ?? (root ? 443 : 8443), host);
  } catch (e) {
    httpServer.close();
    https.close();
    statusQueue.shutDown();
    await Promise.all(runs.map((r) => r.catch(() => undefined)));
    client.close();
    throw e;
  }
  httpL.port = httpPort;
  httpsL.port = httpsPort;
  log('info', `ingress: serving http on ${host}:${httpPort} and https on ${host}:${httpsPort} (class ${INGRESS_CLASS})`);
  opts.onListening?.({ http: httpPort, https: httpsPort });

  const writeStatus = async (leading: AbortSignal): Promise<void> => {
    for (const i of ingresses.lister.list()) statusQueue.add(objectKey(i));
    const ingClient = client.resource<Ingress>(Resources.ingresses);
    while (!leading.aborted) {
      const next = await Promise.race([statusQueue.get(), new Promise<undefined>((r) => leading.addEventListener('abort', () => r(undefined), { once: true }))]);
      if (!next || next.shutdown) break;
      const key = next.item;
      try {
        const { namespace: ns, name } = splitKey(key);
        const ing = ingresses.lister.get(ns, name);
        const mine = !!ing && !ing.metadata?.deletionTimestamp && isOurs(ing, filter());
        if (ing && mine && !sameStatus(ing, opts.nodeIP)) {
          await ingClient.patch(ns, name, 'merge', { status: { loadBalancer: { ingress: [{ ip: opts.nodeIP }] } } }, { subresource: 'status' });
        } else if (ing && !mine && sameStatus(ing, opts.nodeIP)) {
          await ingClient.patch(ns, name, 'merge', { status: { loadBalancer: { ingress: null } } }, { subresource: 'status' });
        }
        statusQueue.forget(key);
      } catch (e) {
        if (!isNotFound(e)) {
          log('warn', `ingress: status of ${key}: ${String(e)}`);
          statusQueue.addRateLimited(key);
        }
      } finally {
        statusQueue.done(key);
      }
    }
  };
  const stand = async (): Promise<void> => {
    // runLeaderElection returns when leadership is lost; stand again until we stop.
    while (!signal.aborted) {
      await runLeaderElection({
        client, namespace: 'kube-system', name: 'berth-ingress-controller', clock, signal,
        identity: opts.identity ?? `${hostname()}_${opts.nodeIP}_${process.pid}`,
        onStartedLeading: (leading) => writeStatus(leading),
        onError: (e) => log('warn', `ingress: leader election: ${String(e)}`),
      });
    }
  };
  const election = opts.leaderElection === false ? writeStatus(signal) : stand();

  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  statusQueue.shutDown();
  await Promise.all([closeServer(httpServer), closeServer(https), front.close(2000)]);
  proxy.close();
  await election.catch((e: unknown) => log('warn', `ingress: status writer: ${String(e)}`));
  await Promise.all(runs);
  client.close();
}
