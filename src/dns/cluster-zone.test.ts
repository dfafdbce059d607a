import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndexer } from '../client';
import { createClusterZone, podIndexers, reverseName, reverseToIP, serviceIndexers, sliceIndexers } from './cluster-zone';
import type { EndpointSlice, Pod, Service } from './types';
import { RCode, RRClass, RRType, type ResourceRecord } from './wire';

function fixture() {
  const services = createIndexer<Service>(serviceIndexers);
  const slices = createIndexer<EndpointSlice>(sliceIndexers);
  const pods = createIndexer<Pod>(podIndexers);
  const svc = (ns: string, name: string, spec: Service['spec']): void => void services.upsert({ metadata: { namespace: ns, name }, spec });
  svc('default', 'web', { clusterIP: '10.43.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] });
  svc('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] });
  svc('default', 'ext', { type: 'ExternalName', externalName: 'db.example.org' });
  svc('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' });
  slices.upsert({
    metadata: { namespace: 'default', name: 'db-abc', labels: { 'kubernetes.io/service-name': 'db' } },
    endpoints: [
      { addresses: ['10.42.0.5'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.42.0.6'], conditions: {} },
      { addresses: ['10.42.0.7'], conditions: { ready: false } },
    ],
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  });
  pods.upsert({ metadata: { namespace: 'default', name: 'p1' }, spec: { hostname: 'node-a', subdomain: 'db' }, status: { podIP: '10.42.0.9' } });
  pods.upsert({ metadata: { namespace: 'default', name: 'hn' }, spec: { hostNetwork: true }, status: { podIP: '127.0.0.1' } });
  return createClusterZone({ services, slices, pods }, { domain: 'cluster.local', ttl: 5, negativeTtl: 7, serial: 1 });
}

const show = (rrs: ResourceRecord[]): string[] => rrs.map((r) => {
  const d = r.data;
  const v = d.kind === 'A' || d.kind === 'AAAA' ? d.address : d.kind === 'CNAME' || d.kind === 'PTR' || d.kind === 'NS' ? d.target
    : d.kind === 'SRV' ? `${d.port} ${d.target}` : d.kind;
  return `${d.kind} ${v}`;
}).sort();

test('cluster zone answers', () => {
  const zone = fixture();
  const cases: Array<{ name: string; q: string; type: number; rcode?: number; want: string[]; additionals?: string[]; forward?: boolean; chase?: string }> = [
    { name: 'ClusterIP service A', q: 'web.default.svc.cluster.local', type: RRType.A, want: ['A 10.43.0.20'] },
    { name: 'case-insensitive, trailing dot', q: 'WEB.Default.svc.cluster.local.', type: RRType.A, want: ['A 10.43.0.20'] },
    { name: 'ClusterIP service AAAA is NODATA', q: 'web.default.svc.cluster.local', type: RRType.AAAA, want: [] },
    { name: 'headless: ready endpoints only', q: 'db.default.svc.cluster.local', type: RRType.A, want: ['A 10.42.0.5', 'A 10.42.0.6'] },
    { name: 'headless endpoint hostname', q: 'db-0.db.default.svc.cluster.local', type: RRType.A, want: ['A 10.42.0.5'] },
    { name: 'headless endpoint by dashed IP', q: '10-42-0-6.db.default.svc.cluster.local', type: RRType.A, want: ['A 10.42.0.6'] },
    { name: 'pod hostname/subdomain', q: 'node-a.db.default.svc.cluster.local', type: RRType.A, want: ['A 10.42.0.9'] },
    { name: 'SRV ClusterIP named port', q: '_http._tcp.web.default.svc.cluster.local', type: RRType.SRV, want: ['SRV 80 web.default.svc.cluster.local'], additionals: ['A 10.43.0.20'] },
    { name: 'SRV udp port', q: '_dns._udp.web.default.svc.cluster.local', type: RRType.SRV, want: ['SRV 53 web.default.svc.cluster.local'] },
    { name: 'SRV wrong proto', q: '_http._udp.web.default.svc.cluster.local', type: RRType.SRV, rcode: RCode.NXDOMAIN, want: [] },
    {
      name: 'SRV headless', q: '_pg._tcp.db.default.svc.cluster.local', type: RRType.SRV,
      want: ['SRV 5432 10-42-0-6.db.default.svc.cluster.local', 'SRV 5432 db-0.db.default.svc.cluster.local'], additionals: ['A 10.42.0.5', 'A 10.42.0.6'],
    },
    { name: 'ExternalName outside: CNAME and chase', q: 'ext.default.svc.cluster.local', type: RRType.A, want: ['CNAME db.example.org'], chase: 'db.example.org' },
    { name: 'ExternalName inside: CNAME followed', q: 'alias.default.svc.cluster.local', type: RRType.A, want: ['A 10.43.0.20', 'CNAME web.default.svc.cluster.local'] },
    { name: 'pod A record', q: '10-42-0-9.default.pod.cluster.local', type: RRType.A, want: ['A 10.42.0.9'] },
    { name: 'pod A wrong namespace', q: '10-42-0-9.other.pod.cluster.local', type: RRType.A, rcode: RCode.NXDOMAIN, want: [] },
    { name: 'unknown service', q: 'nope.default.svc.cluster.local', type: RRType.A, rcode: RCode.NXDOMAIN, want: [] },
    { name: 'search-path expansion', q: 'web.default.svc.cluster.local.default.svc.cluster.local', type: RRType.A, rcode: RCode.NXDOMAIN, want: [] },
    { name: 'unknown namespace', q: 'nons.svc.cluster.local', type: RRType.A, rcode: RCode.NXDOMAIN, want: [] },
    { name: 'known namespace is NODATA', q: 'default.svc.cluster.local', type: RRType.A, want: [] },
    { name: 'apex NS', q: 'cluster.local', type: RRType.NS, want: ['NS ns.dns.cluster.local'] },
    { name: 'PTR of ClusterIP', q: reverseName('10.43.0.20'), type: RRType.PTR, want: ['PTR web.default.svc.cluster.local'] },
    { name: 'PTR of headless endpoint with hostname', q: reverseName('10.42.0.5'), type: RRType.PTR, want: ['PTR db-0.db.default.svc.cluster.local'] },
    { name: 'PTR of pod IP', q: reverseName('10.42.0.9'), type: RRType.PTR, want: ['PTR 10-42-0-9.default.pod.cluster.local'] },
    { name: 'PTR of host-network pod IP is forwarded', q: reverseName('127.0.0.1'), type: RRType.PTR, forward: true, want: [] },
    { name: 'outside name forwarded', q: 'www.example.com', type: RRType.A, forward: true, want: [] },
  ];
  for (const c of cases) {
    const got = zone.resolve({ name: c.q, type: c.type, class: RRClass.IN });
    if (c.forward) {
      assert.equal(got.kind, 'forward', `${c.name}: got ${got.kind}, want forward`);
      continue;
    }
    assert.equal(got.kind, 'answer', `${c.name}: got forward, want answer`);
    if (got.kind !== 'answer') continue;
    assert.equal(got.rcode, c.rcode ?? RCode.NOERROR, `${c.name}: rcode got ${got.rcode}`);
    assert.deepEqual(show(got.answers), c.want, `${c.name}: answers got ${show(got.answers)}, want ${c.want}`);
    if (c.additionals) assert.deepEqual(show(got.additionals), c.additionals, `${c.name}: additionals got ${show(got.additionals)}`);
    if (!got.answers.length) {
      const soa = got.authorities[0];
      assert.equal(soa?.data.kind, 'SOA', `${c.name}: negative answer carries an SOA`);
      assert.equal(soa?.ttl, 7, `${c.name}: SOA ttl = negative TTL`);
    }
    assert.equal(got.chase?.name, c.chase, `${c.name}: chase got ${got.chase?.name}`);
  }
});

test('reverse names', () => {
  const cases = [
    { ip: '10.43.0.10', name: '10.0.43.10.in-addr.arpa' },
    { ip: 'fd00::1', name: `1.${'0.'.repeat(27)}0.0.d.f.ip6.arpa` },
  ];
  for (const c of cases) {
    assert.equal(reverseName(c.ip), c.name, `reverseName(${c.ip})`);
    assert.equal(reverseToIP(c.name), c.ip, `reverseToIP(${c.name})`);
  }
  assert.equal(reverseToIP('1.2.3.in-addr.arpa'), undefined, 'partial reverse name');
});
