// Cluster DNS against the real in-process API server, queried with Node's resolver (c-ares) and our own client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { createClient, Resources, type Client } from '../client';
import { waitFor } from '../client/testing';
import { startTestServer } from '../../test/support/server';
import { runDns } from './run';
import { queryTcp, queryUdp, queryUdpRaw, startStubUpstream } from './testing';
import type { EndpointSlice, Service } from './types';
import { buildQuery, decodeMessage, encodeMessage, RCode, RRType } from './wire';

async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let last: unknown;
  for (let i = 0; i < 100; i++) {
    try {
      const v = await fn();
      if (ok(v)) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: last got ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

function slice(name: string, svc: string, ips: Array<{ ip: string; hostname?: string; ready?: boolean }>, port = 5432): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: ips.map((e) => ({ addresses: [e.ip], hostname: e.hostname, conditions: { ready: e.ready ?? true } })),
    ports: [{ name: 'pg', port, protocol: 'TCP' }],
  };
}

test('cluster DNS serves services, endpoints, PTR, ExternalName and forwards the rest', async (t) => {
  const srv = await startTestServer();
  const stub = await startStubUpstream({
    'www.example.test': [{ type: RRType.A, ttl: 60, data: { kind: 'A', address: '192.0.2.1' } }],
    'db.example.org': [{ type: RRType.A, ttl: 60, data: { kind: 'A', address: '192.0.2.7' } }],
  });
  const config = { server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token };
  const client: Client = createClient(config);
  const ac = new AbortController();
  let port = 0;
  const logs: string[] = [];
  const done = runDns({
    config, listen: [{ host: '127.0.0.1', port: 0 }], upstreams: [`127.0.0.1:${stub.port}`], signal: ac.signal,
    log: (l, m) => logs.push(`${l} ${m}`), onListening: (a) => { port = a[0]!.port; },
  });
  t.after(async () => {
    ac.abort();
    await done;
    client.close();
    stub.close();
    await srv.stop();
  });
  const services = client.resource<Service>(Resources.services);
  const slices = client.resource<EndpointSlice>(Resources.endpointslices);
  const web = await services.create('default', { metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }], selector: { app: 'web' } } });
  await services.create('default', { metadata: { name: 'db' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }], selector: { app: 'db' } } });
  await services.create('default', { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.org' } });
  await slices.create('default', slice('db-1', 'db', [{ ip: '10.42.0.5', hostname: 'db-0' }, { ip: '10.42.0.6' }, { ip: '10.42.0.7', ready: false }]));
  await waitFor(() => port !== 0, 'DNS server listening', 20_000);
  const webIP = web.spec?.clusterIP ?? '';
  assert.match(webIP, /^10\.43\./, `web ClusterIP got ${webIP}`);

  const r = new Resolver({ timeout: 2000, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);

  const a = await eventually('A web', () => r.resolve4('web.default.svc.cluster.local'), (v) => v.length === 1);
  assert.deepEqual(a, [webIP], `A web got ${a}, want ${webIP}`);
  const srvRecs = await r.resolveSrv('_http._tcp.web.default.svc.cluster.local');
  assert.deepEqual(srvRecs.map((s) => `${s.port} ${s.name}`), ['80 web.default.svc.cluster.local'], `SRV got ${JSON.stringify(srvRecs)}`);
  const ptr = await r.reverse(webIP);
  assert.deepEqual(ptr, ['web.default.svc.cluster.local'], `PTR got ${ptr}`);
  const headless = (await eventually('headless', () => r.resolve4('db.default.svc.cluster.local'), (v) => v.length === 2)).sort();
  assert.deepEqual(headless, ['10.42.0.5', '10.42.0.6'], `headless got ${headless}`);
  assert.deepEqual(await r.resolve4('db-0.db.default.svc.cluster.local'), ['10.42.0.5'], 'endpoint hostname');
  assert.deepEqual(await r.resolveCname('ext.default.svc.cluster.local'), ['db.example.org'], 'ExternalName CNAME');
  assert.deepEqual(await r.resolve4('ext.default.svc.cluster.local'), ['192.0.2.7'], 'ExternalName chased upstream');
  await assert.rejects(r.resolve4('nope.default.svc.cluster.local'), (e: NodeJS.ErrnoException) => e.code === 'ENOTFOUND', 'unknown service is NXDOMAIN');

  // NXDOMAIN carries the SOA (negative caching TTL) and is authoritative.
  const nx = await queryUdp('127.0.0.1', port, buildQuery(7, 'web.default.svc.cluster.local.default.svc.cluster.local', RRType.A));
  assert.equal(nx.rcode, RCode.NXDOMAIN, `search-path name rcode got ${nx.rcode}`);
  assert.equal(nx.aa, true, 'NXDOMAIN is authoritative');
  assert.equal(nx.authorities[0]?.data.kind, 'SOA', 'NXDOMAIN carries SOA');

  // Forwarding to the stub upstream, then from the cache.
  assert.deepEqual(await r.resolve4('www.example.test'), ['192.0.2.1'], 'forwarded A');
  assert.deepEqual(await r.resolve4('www.example.test'), ['192.0.2.1'], 'forwarded A again');
  assert.equal(stub.received.filter((x) => x === 'www.example.test 1').length, 1, `upstream asked ${JSON.stringify(stub.received)}; the second answer should come from the cache`);
  await assert.rejects(r.resolve4('missing.example.test'), (e: NodeJS.ErrnoException) => e.code === 'ENOTFOUND', 'upstream NXDOMAIN passed through');

  // The kube-dns Service exists with its well-known ClusterIP.
  const kubeDns = await services.get('kube-system', 'kube-dns');
  assert.equal(kubeDns.spec?.clusterIP, '10.43.0.10', `kube-dns ClusterIP got ${kubeDns.spec?.clusterIP}`);
  assert.deepEqual(kubeDns.spec?.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`), ['dns/UDP/53', 'dns-tcp/TCP/53']);

  // Answers follow changes: a big headless set needs TCP (c-ares retries after TC), a deleted service vanishes.
  await services.create('default', { metadata: { name: 'big' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }], selector: { app: 'big' } } });
  const many = Array.from({ length: 40 }, (_, i) => ({ ip: `10.42.1.${i + 1}` }));
  await slices.create('default', slice('big-1', 'big', many));
  const big = await eventually('big headless', () => r.resolve4('big.default.svc.cluster.local'), (v) => v.length === 40);
  assert.equal(big.length, 40, `big got ${big.length}`);
  const raw = decodeMessage(await queryUdpRaw('127.0.0.1', port, encodeMessage(buildQuery(8, 'big.default.svc.cluster.local', RRType.A))));
  assert.equal(raw.tc, true, 'UDP answer over 512 bytes is truncated');
  const [overTcp] = await queryTcp('127.0.0.1', port, [buildQuery(9, 'big.default.svc.cluster.local', RRType.A)]);
  assert.equal(overTcp?.answers.length, 40, `TCP answers got ${overTcp?.answers.length}`);

  await slices.update('default', { ...(await slices.get('default', 'db-1')), endpoints: [{ addresses: ['10.42.0.8'], conditions: { ready: true } }] });
  await eventually('headless follows slice update', () => r.resolve4('db.default.svc.cluster.local'), (v) => v.join() === '10.42.0.8');
  await services.delete('default', 'web');
  await eventually('deleted service', () => r.resolve4('web.default.svc.cluster.local').then(() => 'found', (e: NodeJS.ErrnoException) => e.code), (v) => v === 'ENOTFOUND');
  assert.ok(logs.some((l) => l.includes('serving cluster.local on 127.0.0.1:')), `logs: ${logs.join('\n')}`);
});

test('without a listen address and no way to bind the ClusterIP, it falls back and says so', async (t) => {
  const srv = await startTestServer();
  const config = { server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token };
  const ac = new AbortController();
  const logs: string[] = [];
  let addrs: Array<{ host: string; port: number }> = [];
  const done = runDns({
    config, serviceIP: '192.0.2.53', fallbackListen: [{ host: '127.0.0.1', port: 0 }], upstreams: [], ensureService: false,
    publishEndpoint: { ip: '127.0.0.1', nodeName: 'node-1' }, signal: ac.signal, log: (l, m) => logs.push(`${l} ${m}`), onListening: (a) => { addrs = a; },
  });
  const client = createClient(config);
  t.after(async () => { ac.abort(); await done; client.close(); await srv.stop(); });
  await waitFor(() => addrs.length > 0, 'listening', 20_000);
  const slices = client.resource<EndpointSlice>(Resources.endpointslices);
  const published = await slices.get('kube-system', 'kube-dns-node-1');
  assert.deepEqual(published.endpoints?.map((e) => e.addresses[0]), ['127.0.0.1'], 'published endpoint address');
  assert.deepEqual(published.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`), [`dns/UDP/${addrs[0]!.port}`, `dns-tcp/TCP/${addrs[0]!.port}`], 'published ports');
  assert.equal(published.metadata?.labels?.['kubernetes.io/service-name'], 'kube-dns', 'slice belongs to kube-dns');
  assert.ok(logs.some((l) => l.startsWith('warn') && l.includes('cannot listen on 192.0.2.53:53')), `logs: ${logs.join('\n')}`);
  const reply = await queryUdp('127.0.0.1', addrs[0]!.port, buildQuery(1, 'kubernetes.default.svc.cluster.local', RRType.A));
  assert.equal(reply.qr, true, 'got a reply from the fallback address');
  const outside = await queryUdp('127.0.0.1', addrs[0]!.port, buildQuery(2, 'www.example.test', RRType.A));
  assert.equal(outside.rcode, RCode.SERVFAIL, `no upstreams: rcode got ${outside.rcode}, want SERVFAIL`);
  ac.abort();
  await done;
  await assert.rejects(slices.get('kube-system', 'kube-dns-node-1'), (e: { code?: number }) => e.code === 404, 'slice deleted on shutdown');
});
