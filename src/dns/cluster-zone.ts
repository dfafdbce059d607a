// The cluster zone: answers for names under the cluster domain (and reverse names of cluster IPs),
// computed from informer caches at query time. Pure with respect to its inputs: given the same listers
// and question it gives the same answer, so it is unit-tested with in-memory indexers.
//
//   <svc>.<ns>.svc.D                 A/AAAA: ClusterIP; headless: every ready endpoint; ExternalName: CNAME
//   <host>.<svc>.<ns>.svc.D          A/AAAA: the endpoint (or pod with hostname/subdomain) of a headless svc
//   <a-b-c-d>.<svc>.<ns>.svc.D       A: an endpoint without a hostname
//   _<port>._<proto>.<svc>.<ns>.svc.D SRV for a named port (+ A/AAAA of the targets as additionals)
//   <a-b-c-d>.<ns>.pod.D             A: a pod with that IP in that namespace
//   d.c.b.a.in-addr.arpa / ip6.arpa  PTR: service ClusterIP, headless endpoint with hostname, pod IP
//   anything else under D            NXDOMAIN + SOA (so search-path expansions fail fast)
//   anything else                    'forward' (upstream resolvers)
import { isIPv4, isIPv6 } from 'node:net';
import type { Lister } from '../client';
import type { EndpointSlice, Pod, Service } from './types';
import { ipv6Bytes, ipv6FromBytes, RCode, RRClass, RRType, type Question, type ResourceRecord } from './wire';

export const SERVICE_INDEX = 'service';
export const IP_INDEX = 'ip';
export const HOSTNAME_INDEX = 'hostname';

/** Index functions the zone's listers must carry. */
export const serviceIndexers = {
  [IP_INDEX]: (s: Service): string[] => {
    const ips = s.spec?.clusterIPs?.length ? s.spec.clusterIPs : s.spec?.clusterIP ? [s.spec.clusterIP] : [];
    return ips.filter((ip) => ip !== 'None' && ip !== '').map(normIP);
  },
};
export const sliceIndexers = {
  [SERVICE_INDEX]: (e: EndpointSlice): string[] => {
    const svc = e.metadata?.labels?.['kubernetes.io/service-name'];
    return svc ? [`${e.metadata?.namespace ?? ''}/${svc}`] : [];
  },
  [IP_INDEX]: (e: EndpointSlice): string[] => (e.endpoints ?? []).filter((ep) => ep.hostname).flatMap((ep) => ep.addresses.map(normIP)),
};
export const podIndexers = {
  [IP_INDEX]: (p: Pod): string[] => (p.spec?.hostNetwork ? [] : podIPs(p).map(normIP)),
  [HOSTNAME_INDEX]: (p: Pod): string[] =>
    p.spec?.hostname && p.spec.subdomain ? [`${p.metadata?.namespace ?? ''}/${p.spec.subdomain}/${p.spec.hostname}`.toLowerCase()] : [],
};

/** IPv6 addresses in one canonical text form, so index keys and reverse names agree. */
export function normIP(ip: string): string {
  return isIPv6(ip) ? ipv6FromBytes(ipv6Bytes(ip)) : ip;
}

function podIPs(p: Pod): string[] {
  const ips = p.status?.podIPs?.length ? p.status.podIPs.map((x) => x.ip) : p.status?.podIP ? [p.status.podIP] : [];
  return ips.filter((ip) => ip);
}

export interface ZoneSources {
  services: Lister<Service>;
  slices: Lister<EndpointSlice>;
  pods: Lister<Pod>;
}

export interface ZoneOptions {
  /** Cluster domain without trailing dot, e.g. cluster.local. */
  domain: string;
  /** TTL of positive answers (seconds; CoreDNS' default 5). */
  ttl?: number;
  /** SOA minimum and TTL of negative answers (seconds). */
  negativeTtl?: number;
  /** SOA serial (defaults to seconds since the epoch at creation). */
  serial?: number;
}

export type ZoneAnswer =
  | { kind: 'forward' }
  | {
      kind: 'answer';
      rcode: number;
      answers: ResourceRecord[];
      authorities: ResourceRecord[];
      additionals: ResourceRecord[];
      /** An ExternalName CNAME outside the cluster: the server resolves this name upstream and appends. */
      chase?: { name: string; type: number };
    };

interface Endpoint { ip: string; hostname?: string; ports: Map<string, { port: number; protocol: string }> }

export interface ClusterZone {
  resolve(q: Question): ZoneAnswer;
  readonly domain: string;
}

export function createClusterZone(src: ZoneSources, opts: ZoneOptions): ClusterZone {
  const domain = opts.domain.replace(/\.$/, '').toLowerCase();
  const ttl = opts.ttl ?? 5;
  const negTtl = opts.negativeTtl ?? 5;
  const serial = opts.serial ?? Math.floor(Date.now() / 1000);
  const domainLabels = domain.split('.').length;

  const soa = (): ResourceRecord => ({
    name: domain, type: RRType.SOA, class: RRClass.IN, ttl: negTtl,
    data: { kind: 'SOA', mname: `ns.dns.${domain}`, rname: `hostmaster.${domain}`, serial, refresh: 7200, retry: 1800, expire: 86400, minimum: negTtl },
  });
  const answer = (answers: ResourceRecord[], additionals: ResourceRecord[] = []): ZoneAnswer =>
    ({ kind: 'answer', rcode: RCode.NOERROR, answers, authorities: answers.length ? [] : [soa()], additionals });
  const nxdomain = (): ZoneAnswer => ({ kind: 'answer', rcode: RCode.NXDOMAIN, answers: [], authorities: [soa()], additionals: [] });
  const addr = (name: string, ip: string): ResourceRecord | undefined =>
    isIPv4(ip) ? { name, type: RRType.A, class: RRClass.IN, ttl, data: { kind: 'A', address: ip } }
      : isIPv6(ip) ? { name, type: RRType.AAAA, class: RRClass.IN, ttl, data: { kind: 'AAAA', address: ip } } : undefined;
  /** Address records of `ips` matching qtype (A, AAAA or ANY). */
  const addrs = (name: string, ips: Iterable<string>, qtype: number): ResourceRecord[] => {
    const out: ResourceRecord[] = [];
    for (const ip of ips) {
      const rr = addr(name, ip);
      if (rr && (qtype === rr.type || qtype === RRType.ANY)) out.push(rr);
    }
    return out;
  };

  const clusterIPs = (s: Service): string[] => serviceIndexers[IP_INDEX](s);
  const isHeadless = (s: Service): boolean => s.spec?.type !== 'ExternalName' && (s.spec?.clusterIP === 'None' || !s.spec?.clusterIP);

  function endpointsOf(s: Service): Endpoint[] {
    const ns = s.metadata?.namespace ?? '';
    const all = s.spec?.publishNotReadyAddresses === true;
    const byIP = new Map<string, Endpoint>();
    for (const slice of src.slices.byIndex(SERVICE_INDEX, `${ns}/${s.metadata?.name ?? ''}`)) {
      for (const ep of slice.endpoints ?? []) {
        if (!all && ep.conditions?.ready === false) continue;
        for (const ip of ep.addresses) {
          const e = byIP.get(ip) ?? { ip, hostname: ep.hostname, ports: new Map() };
          for (const p of slice.ports ?? []) if (p.name !== undefined && p.port !== undefined) e.ports.set(p.name, { port: p.port, protocol: p.protocol ?? 'TCP' });
          byIP.set(ip, e);
        }
      }
    }
    return [...byIP.values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  }

  const dashed = (ip: string): string => (isIPv4(ip) ? ip.replace(/\./g, '-') : ip.replace(/:/g, '-'));
  const undashed = (label: string): string | undefined => {
    const v4 = label.replace(/-/g, '.');
    if (isIPv4(v4)) return v4;
    const v6 = label.replace(/-/g, ':');
    return isIPv6(v6) ? normIP(v6) : undefined;
  };
  const endpointName = (e: Endpoint, svc: string, ns: string): string => `${e.hostname ?? dashed(e.ip)}.${svc}.${ns}.svc.${domain}`;

  function serviceRecords(qname: string, qtype: number, s: Service, depth: number): ZoneAnswer {
    if (s.spec?.type === 'ExternalName' && s.spec.externalName) {
      const target = s.spec.externalName.replace(/\.$/, '');
      const cname: ResourceRecord = { name: qname, type: RRType.CNAME, class: RRClass.IN, ttl, data: { kind: 'CNAME', target } };
      if (qtype === RRType.CNAME) return answer([cname]);
      const lower = target.toLowerCase();
      if ((lower === domain || lower.endsWith(`.${domain}`)) && depth < 8) {
        const inner = resolveName(target, qtype, depth + 1);
        if (inner.kind === 'answer') return { ...inner, rcode: inner.rcode, answers: [cname, ...inner.answers], authorities: inner.answers.length ? [] : inner.authorities };
        return answer([cname]);
      }
      return { kind: 'answer', rcode: RCode.NOERROR, answers: [cname], authorities: [], additionals: [], chase: { name: target, type: qtype } };
    }
    if (qtype === RRType.SRV) return srvRecords(qname, s, undefined);
    if (!isHeadless(s)) return answer(addrs(qname, clusterIPs(s), qtype));
    return answer(addrs(qname, endpointsOf(s).map((e) => e.ip), qtype));
  }

  /** SRV for one named port (`port` = {name, proto}) or for every named port (undefined). */
  function srvRecords(qname: string, s: Service, port: { name: string; proto: string } | undefined): ZoneAnswer {
    const name = s.metadata?.name ?? '', ns = s.metadata?.namespace ?? '';
    const want = (pn: string | undefined, proto: string): boolean =>
      !!pn && (!port || (pn.toLowerCase() === port.name && proto.toLowerCase() === port.proto));
    const answers: ResourceRecord[] = [], additionals: ResourceRecord[] = [];
    if (s.spec?.type === 'ExternalName') return answer([]);
    if (!isHeadless(s)) {
      const target = `${name}.${ns}.svc.${domain}`;
      for (const p of s.spec?.ports ?? []) {
        if (!want(p.name, p.protocol ?? 'TCP')) continue;
        answers.push({ name: qname, type: RRType.SRV, class: RRClass.IN, ttl, data: { kind: 'SRV', priority: 0, weight: 100, port: p.port, target } });
      }
      if (answers.length) additionals.push(...addrs(target, clusterIPs(s), RRType.ANY));
      return answers.length || !port ? answer(answers, additionals) : nxdomain();
    }
    const eps = endpointsOf(s);
    let found = false;
    for (const e of eps) {
      const target = endpointName(e, name, ns);
      let any = false;
      for (const [pn, p] of e.ports) {
        if (!want(pn, p.protocol)) continue;
        found = true;
        any = true;
        const weight = Math.max(1, Math.floor(100 / eps.length));
        answers.push({ name: qname, type: RRType.SRV, class: RRClass.IN, ttl, data: { kind: 'SRV', priority: 0, weight, port: p.port, target } });
      }
      if (any) additionals.push(...addrs(target, [e.ip], RRType.ANY));
    }
    // A named port that exists on the service but has no ready endpoints is NODATA, not NXDOMAIN.
    const declared = (s.spec?.ports ?? []).some((p) => want(p.name, p.protocol ?? 'TCP'));
    return found || declared || !port ? answer(answers, additionals) : nxdomain();
  }

  function podHostRecords(qname: string, qtype: number, host: string, s: Service): ZoneAnswer | undefined {
    const name = s.metadata?.name ?? '', ns = s.metadata?.namespace ?? '';
    const eps = endpointsOf(s).filter((e) => e.hostname?.toLowerCase() === host || dashed(e.ip) === host);
    if (eps.length) return answer(addrs(qname, eps.map((e) => e.ip), qtype));
    if (!isHeadless(s)) return undefined;
    const pods = src.pods.byIndex(HOSTNAME_INDEX, `${ns}/${name}/${host}`.toLowerCase());
    if (pods.length) return answer(addrs(qname, pods.flatMap(podIPs), qtype));
    return undefined;
  }

  function resolveName(qname: string, qtype: number, depth: number): ZoneAnswer {
    const lower = qname.toLowerCase().replace(/\.$/, '');
    if (lower !== domain && !lower.endsWith(`.${domain}`)) return { kind: 'forward' };
    const labels = lower.split('.');
    const rel = labels.slice(0, labels.length - domainLabels); // labels before the domain, left to right
    const n = rel.length;
    if (n === 0) {
      if (qtype === RRType.SOA || qtype === RRType.ANY) return answer([{ ...soa(), name: qname, ttl }]);
      if (qtype === RRType.NS) return answer([{ name: qname, type: RRType.NS, class: RRClass.IN, ttl, data: { kind: 'NS', target: `ns.dns.${domain}` } }]);
      return answer([]);
    }
    const kind = rel[n - 1]!;
    if (kind === 'svc') {
      if (n === 1) return answer([]);
      const ns = rel[n - 2]!;
      if (n === 2) return src.services.list(ns).length ? answer([]) : nxdomain();
      const svc = src.services.get(ns, rel[n - 3]!);
      if (!svc) return nxdomain();
      if (n === 3) return serviceRecords(qname, qtype, svc, depth);
      if (n === 4) return podHostRecords(qname, qtype, rel[0]!, svc) ?? nxdomain();
      if (n === 5 && rel[0]!.startsWith('_') && rel[1]!.startsWith('_')) {
        if (qtype !== RRType.SRV && qtype !== RRType.ANY) return answer([]);
        return srvRecords(qname, svc, { name: rel[0]!.slice(1), proto: rel[1]!.slice(1) });
      }
      return nxdomain();
    }
    if (kind === 'pod') {
      if (n === 1) return answer([]);
      if (n !== 3) return n === 2 ? answer([]) : nxdomain();
      const ip = undashed(rel[0]!);
      const ns = rel[1]!;
      if (!ip) return nxdomain();
      const exists = src.pods.byIndex(IP_INDEX, ip).some((p) => p.metadata?.namespace === ns);
      return exists ? answer(addrs(qname, [ip], qtype)) : nxdomain();
    }
    return nxdomain();
  }

  function resolvePtr(qname: string): ZoneAnswer {
    const ip = reverseToIP(qname);
    if (!ip) return { kind: 'forward' };
    const targets = new Set<string>();
    for (const s of src.services.byIndex(IP_INDEX, ip)) targets.add(`${s.metadata?.name}.${s.metadata?.namespace}.svc.${domain}`);
    for (const slice of src.slices.byIndex(IP_INDEX, ip)) {
      const svc = slice.metadata?.labels?.['kubernetes.io/service-name'];
      for (const ep of slice.endpoints ?? []) {
        if (svc && ep.hostname && ep.addresses.some((a) => normIP(a) === ip)) targets.add(`${ep.hostname}.${svc}.${slice.metadata?.namespace}.svc.${domain}`);
      }
    }
    if (targets.size === 0) for (const p of src.pods.byIndex(IP_INDEX, ip)) targets.add(`${dashed(ip)}.${p.metadata?.namespace}.pod.${domain}`);
    if (targets.size === 0) return { kind: 'forward' };
    return answer([...targets].sort().map((target) => ({ name: qname, type: RRType.PTR, class: RRClass.IN, ttl, data: { kind: 'PTR', target } })));
  }

  return {
    domain,
    resolve(q) {
      if (q.class !== RRClass.IN && q.class !== 255) return { kind: 'forward' };
      if (q.type === RRType.PTR) {
        const r = resolvePtr(q.name);
        if (r.kind === 'answer') return r;
      }
      return resolveName(q.name, q.type, 0);
    },
  };
}

/** `4.3.2.1.in-addr.arpa` → 1.2.3.4; a full 32-nibble ip6.arpa name → the IPv6 address; else undefined. */
export function reverseToIP(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (lower.endsWith('.in-addr.arpa')) {
    const parts = lower.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4) return undefined;
    const ip = parts.reverse().join('.');
    return isIPv4(ip) ? ip : undefined;
  }
  if (lower.endsWith('.ip6.arpa')) {
    const nibbles = lower.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || nibbles.some((x) => !/^[0-9a-f]$/.test(x))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups = hex.match(/.{4}/g) ?? [];
    const ip = groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
    return isIPv6(ip) ? ipv6FromBytes(ipv6Bytes(ip)) : undefined;
  }
  return undefined;
}

/** The reverse name of an IP (for tests and PTR lookups). */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  return `${[...ipv6Bytes(ip).toString('hex')].reverse().join('.')}.ip6.arpa`;
}
