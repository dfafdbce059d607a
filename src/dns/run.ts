// runDns: the cluster DNS server of one node.
//
//   ensure Service kube-system/kube-dns (ClusterIP 10.43.0.10, 53/udp dns, 53/tcp dns-tcp)
//   informers: services, endpointslices, pods (all namespaces, slimmed) ─► cluster zone
//   upstreams: opts.upstreams, else the nameservers of /etc/resolv.conf (minus our own addresses)
//   listen (after the caches synced, so no early NXDOMAIN): opts.listen, else ClusterIP:53,
//   falling back to 127.0.0.10:53 (root) or 127.0.0.10:10053 when the ClusterIP cannot be bound.
//
// Every node runs its own copy and writes nothing but the (idempotent) kube-dns Service, so there
// is no leader election.
import { readFileSync } from 'node:fs';
import {
  createClient, createInformer, isAlreadyExists, isNotFound, realClock, Resources, type Client, type ClientConfig, type Clock,
} from '../client';
import { createClusterZone, podIndexers, serviceIndexers, sliceIndexers } from './cluster-zone';
import { createAnswerCache } from './cache';
import { createForwarder, nameserversOf, parseUpstream, type Forwarder } from './forwarder';
import { createQueryHandler, listenDns, type DnsListeners, type ListenAddress } from './server';
import { DEFAULT_DNS_SERVICE_IP, DNS_SERVICE_NAME, DNS_SERVICE_NAMESPACE } from './names';
import { publishDnsEndpoint } from './publish-endpoint';
import type { EndpointSlice, LogFn, Pod, Service } from './types';

export { DEFAULT_DNS_SERVICE_IP, DNS_SERVICE_NAME, DNS_SERVICE_NAMESPACE };

export interface RunDnsOptions {
  config: ClientConfig;
  /** Addresses to bind (UDP and TCP each). A bind failure here is fatal. Default: see fallbackListen. */
  listen?: ListenAddress[];
  /** Used when `listen` is not given and the Service ClusterIP cannot be bound. */
  fallbackListen?: ListenAddress[];
  clusterDomain?: string;
  /** Upstream resolvers (`ip`, `ip:port`, `[v6]:port`); default: nameservers of resolvConfPath. */
  upstreams?: string[];
  resolvConfPath?: string;
  /** ClusterIP of kube-system/kube-dns (default 10.43.0.10). */
  serviceIP?: string;
  /** Create kube-system/kube-dns if missing (default true). */
  ensureService?: boolean;
  ttl?: number;
  negativeTtl?: number;
  cacheMaxTtl?: number;
  signal: AbortSignal;
  log?: LogFn;
  clock?: Clock;
  /**
   * Publish `ip` + the bound port as an EndpointSlice of kube-dns (name kube-dns-<nodeName|ip>), so the service
   * proxy can route the ClusterIP here. `ip` must be an address pods can reach (e.g. the node IP the server
   * listens on). Deleted on clean shutdown.
   */
  publishEndpoint?: { ip: string; nodeName?: string };
  /** Told where the server listens once it does. */
  onListening?: (addresses: ListenAddress[]) => void;
}

function slimPod(p: Pod): Pod {
  return {
    metadata: { name: p.metadata?.name, namespace: p.metadata?.namespace, resourceVersion: p.metadata?.resourceVersion, uid: p.metadata?.uid },
    spec: { hostname: p.spec?.hostname, subdomain: p.spec?.subdomain, hostNetwork: p.spec?.hostNetwork },
    status: { podIP: p.status?.podIP, podIPs: p.status?.podIPs },
  };
}

function slimService(s: Service): Service {
  return { metadata: { name: s.metadata?.name, namespace: s.metadata?.namespace, resourceVersion: s.metadata?.resourceVersion, uid: s.metadata?.uid }, spec: s.spec };
}

/** What of a pod the zone reads (undefined: nothing, so its coming and going changes no answer). */
export function dnsViewOfPod(p: Pod): string | undefined {
  const ips = p.status?.podIPs?.length ? p.status.podIPs.map((x) => x.ip) : p.status?.podIP ? [p.status.podIP] : [];
  if (!ips.length && !(p.spec?.hostname && p.spec.subdomain)) return undefined;
  return JSON.stringify([p.metadata?.namespace, p.metadata?.name, ips, p.spec?.hostname, p.spec?.subdomain, p.spec?.hostNetwork]);
}

export function dnsViewOfService(s: Service): string {
  return JSON.stringify([s.metadata?.namespace, s.metadata?.name, s.spec]);
}

export function dnsViewOfSlice(e: EndpointSlice): string {
  return JSON.stringify([e.metadata?.namespace, e.metadata?.name, e.metadata?.labels?.['kubernetes.io/service-name'], e.addressType, e.endpoints, e.ports]);
}

/** Creates kube-system/kube-dns unless it exists; never fatal (logs why). */
export async function ensureDnsService(client: Client, serviceIP: string, log: LogFn): Promise<void> {
  const svcs = client.resource<Service>(Resources.services);
  try {
    const got = await svcs.get(DNS_SERVICE_NAMESPACE, DNS_SERVICE_NAME);
    if (got.spec?.clusterIP !== serviceIP) log('warn', `dns: Service ${DNS_SERVICE_NAMESPACE}/${DNS_SERVICE_NAME} has ClusterIP ${got.spec?.clusterIP}, not ${serviceIP}`);
    return;
  } catch (e) {
    if (!isNotFound(e)) { log('warn', `dns: reading Service ${DNS_SERVICE_NAME}: ${String(e)}`); return; }
  }
  const svc: Service = {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: DNS_SERVICE_NAME, namespace: DNS_SERVICE_NAMESPACE, labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS', 'kubernetes.io/cluster-service': 'true' } },
    spec: {
      type: 'ClusterIP', clusterIP: serviceIP, selector: { 'k8s-app': 'kube-dns' },
      ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 }, { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 }],
    },
  };
  try {
    await svcs.create(DNS_SERVICE_NAMESPACE, svc);
    log('info', `dns: created Service ${DNS_SERVICE_NAMESPACE}/${DNS_SERVICE_NAME} (${serviceIP})`);
  } catch (e) {
    if (!isAlreadyExists(e)) log('warn', `dns: creating Service ${DNS_SERVICE_NAME}: ${String(e)}`);
  }
}

function upstreamsFrom(opts: RunDnsOptions, own: ListenAddress[], log: LogFn): Forwarder | undefined {
  let list = opts.upstreams;
  if (!list) {
    const path = opts.resolvConfPath ?? '/etc/resolv.conf';
    try {
      list = nameserversOf(readFileSync(path, 'utf8'));
    } catch (e) {
      log('warn', `dns: cannot read ${path} (${String(e)}); names outside the cluster will get SERVFAIL`);
      list = [];
    }
  }
  const ownKey = new Set(own.map((a) => `${a.host}:${a.port}`));
  const ups = list.map(parseUpstream).filter((u) => {
    if (!ownKey.has(`${u.host}:${u.port}`)) return true;
    log('warn', `dns: ignoring upstream ${u.host}:${u.port}: it is this server (a forwarding loop)`);
    return false;
  });
  if (!ups.length) return undefined;
  log('info', `dns: forwarding other names to ${ups.map((u) => `${u.host}:${u.port}`).join(', ')}`);
  return createForwarder({ upstreams: ups, clock: opts.clock, cache: createAnswerCache({ clock: opts.clock ?? realClock, maxTtl: opts.cacheMaxTtl }) });
}

async function bind(handler: ReturnType<typeof createQueryHandler>, opts: RunDnsOptions, serviceIP: string, log: LogFn): Promise<DnsListeners> {
  if (opts.listen) return listenDns(handler, opts.listen, log);
  try {
    return await listenDns(handler, [{ host: serviceIP, port: 53 }], log);
  } catch (e) {
    const root = process.getuid?.() === 0;
    const fallback = opts.fallbackListen ?? [{ host: '127.0.0.10', port: root ? 53 : 10053 }];
    log('warn', `dns: cannot listen on ${serviceIP}:53 (${(e as NodeJS.ErrnoException).code ?? String(e)}); listening on ${fallback.map((a) => `${a.host}:${a.port}`).join(', ')} instead`);
    return listenDns(handler, fallback, log);
  }
}

/** Runs cluster DNS until `signal` aborts. Rejects only if it cannot listen at all. */
export async function runDns(opts: RunDnsOptions): Promise<void> {
  const log: LogFn = opts.log ?? (() => undefined);
  const { signal } = opts;
  if (signal.aborted) return;
  const clock = opts.clock ?? realClock;
  const domain = (opts.clusterDomain ?? 'cluster.local').replace(/\.$/, '');
  const serviceIP = opts.serviceIP ?? DEFAULT_DNS_SERVICE_IP;
  const client = createClient(opts.config);
  const onError = (err: unknown, where: string): void => log('warn', `dns: informer ${where}: ${String(err)}`);

  const ensured = opts.ensureService === false ? Promise.resolve() : ensureDnsService(client, serviceIP, log);
  const services = createInformer<Service>({ client, resource: Resources.services, clock, indexers: serviceIndexers, transform: slimService, onError });
  const slices = createInformer<EndpointSlice>({ client, resource: Resources.endpointslices, clock, indexers: sliceIndexers, onError });
  const pods = createInformer<Pod>({ client, resource: Resources.pods, clock, indexers: podIndexers, transform: slimPod, onError });
  const runs = [services, slices, pods].map((i) => i.run(signal));
  const synced = await Promise.all([services, slices, pods].map((i) => i.waitForSync(signal)));
  await ensured;
  if (!synced.every(Boolean) || signal.aborted) {
    await Promise.all(runs);
    client.close();
    return;
  }

  const zone = createClusterZone({ services: services.lister, slices: slices.lister, pods: pods.lister }, { domain, ttl: opts.ttl, negativeTtl: opts.negativeTtl });
  let forwarder: Forwarder | undefined;
  let version = 0;
  // Memoised answers are dropped only by events that can change an answer: a pod's phase or conditions
  // changing (the bulk of pod events in a busy cluster) leaves them alone.
  const watchRelevant = <T,>(inf: { addEventHandler: (h: { onAdd: (o: T) => void; onUpdate: (a: T, b: T) => void; onDelete: (o: T) => void }) => void }, view: (o: T) => string | undefined): void => {
    inf.addEventHandler({
      onAdd: (o) => { if (view(o) !== undefined) version++; },
      onUpdate: (a, b) => { if (view(a) !== view(b)) version++; },
      onDelete: (o) => { if (view(o) !== undefined) version++; },
    });
  };
  watchRelevant<Service>(services, dnsViewOfService);
  watchRelevant<EndpointSlice>(slices, dnsViewOfSlice);
  watchRelevant<Pod>(pods, dnsViewOfPod);
  const handler = createQueryHandler({ zone, version: () => version, forwarder: { query: (q) => forwarder ? forwarder.query(q) : Promise.reject(new Error('no upstream resolvers')), close: () => undefined }, log });
  let listeners: DnsListeners;
  try {
    listeners = await bind(handler, opts, serviceIP, log);
  } catch (e) {
    await Promise.all(runs.map((r) => r.catch(() => undefined)));
    client.close();
    throw e;
  }
  forwarder = upstreamsFrom(opts, listeners.addresses, log);
  log('info', `dns: serving ${domain} on ${listeners.addresses.map((a) => `${a.host}:${a.port}`).join(', ')} (udp+tcp)`);
  const unpublish = opts.publishEndpoint && listeners.addresses[0]
    ? await publishDnsEndpoint(client, { ...opts.publishEndpoint, port: listeners.addresses[0].port }, log)
    : undefined;
  opts.onListening?.(listeners.addresses);

  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await listeners.close();
  await unpublish?.();
  forwarder?.close();
  await Promise.all(runs);
  client.close();
}
