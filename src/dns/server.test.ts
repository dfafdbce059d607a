import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterZone, ZoneAnswer } from './cluster-zone';
import { dnsViewOfPod, dnsViewOfService } from './run';
import { createQueryHandler, memoKey } from './server';
import type { Pod } from './types';
import { buildQuery, decodeMessage, encodeMessage, RCode, RRClass, RRType, type DnsMessage } from './wire';

const wire = (m: DnsMessage): Buffer => encodeMessage(m);

test('memoKey: plain queries only, keyed by question bytes, RD, size limit and EDNS', () => {
  const base = memoKey(wire(buildQuery(1, 'a.ns.svc.cluster.local', RRType.A)), 'udp');
  assert.ok(base, 'a plain query has a key');
  const response = { ...buildQuery(1, 'a.ns.svc.cluster.local', RRType.A), qr: true };
  const twoQuestions = buildQuery(1, 'a.ns.svc.cluster.local', RRType.A);
  twoQuestions.questions.push({ name: 'b.ns.svc.cluster.local', type: RRType.A, class: RRClass.IN });
  const cases: Array<{ name: string; buf: Buffer; transport?: 'udp' | 'tcp'; want: 'same' | 'other' | 'none' }> = [
    { name: 'another id', buf: wire(buildQuery(999, 'a.ns.svc.cluster.local', RRType.A)), want: 'same' },
    { name: 'name in other case', buf: wire(buildQuery(1, 'A.ns.svc.cluster.local', RRType.A)), want: 'other' },
    { name: 'other type', buf: wire(buildQuery(1, 'a.ns.svc.cluster.local', RRType.AAAA)), want: 'other' },
    { name: 'RD clear', buf: wire(buildQuery(1, 'a.ns.svc.cluster.local', RRType.A, { rd: false })), want: 'other' },
    { name: 'EDNS', buf: wire(buildQuery(1, 'a.ns.svc.cluster.local', RRType.A, { udpSize: 1232 })), want: 'other' },
    { name: 'TCP (no size limit)', buf: wire(buildQuery(1, 'a.ns.svc.cluster.local', RRType.A)), transport: 'tcp', want: 'other' },
    { name: 'a response', buf: wire(response), want: 'none' },
    { name: 'two questions', buf: wire(twoQuestions), want: 'none' },
    { name: 'trailing bytes', buf: Buffer.concat([wire(buildQuery(1, 'a.ns.svc.cluster.local', RRType.A)), Buffer.from([0])]), want: 'none' },
    { name: 'truncated', buf: wire(buildQuery(1, 'a.ns.svc.cluster.local', RRType.A)).subarray(0, 20), want: 'none' },
  ];
  for (const c of cases) {
    const k = memoKey(c.buf, c.transport ?? 'udp');
    const got: string = k === undefined ? 'none' : k === base ? 'same' : 'other';
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
  const e1 = memoKey(wire(buildQuery(1, 'x.cluster.local', RRType.A, { udpSize: 4096 })), 'udp');
  const e2 = memoKey(wire(buildQuery(1, 'x.cluster.local', RRType.A, { udpSize: 1232 })), 'udp');
  assert.equal(e1, e2, 'advertised sizes past 1232 share the clamped limit');
});

test('query handler: zone answers memoised until the version moves, forwarded ones never', async () => {
  let resolves = 0;
  const zone: ClusterZone = {
    domain: 'cluster.local',
    resolve(q): ZoneAnswer {
      resolves++;
      if (!q.name.endsWith('cluster.local')) return { kind: 'forward' };
      return { kind: 'answer', rcode: RCode.NOERROR, answers: [{ name: q.name, type: RRType.A, class: RRClass.IN, ttl: 5, data: { kind: 'A', address: '10.43.0.7' } }], authorities: [], additionals: [] };
    },
  };
  let version = 1;
  let forwarded = 0;
  const h = createQueryHandler({
    zone, version: () => version,
    forwarder: { query: async (qq) => { forwarded++; return { ...buildQuery(0, qq.name, qq.type), qr: true, rcode: RCode.NXDOMAIN }; }, close: () => undefined },
  });
  const q = (id: number, name: string): Buffer => wire(buildQuery(id, name, RRType.A));

  assert.equal(h.cached(q(1, 'a.ns.svc.cluster.local'), 'udp'), undefined, 'nothing cached at first');
  const first = decodeMessage((await h.handle(q(1, 'a.ns.svc.cluster.local'), 'udp'))!);
  assert.equal(first.answers.length, 1, `first answer count got ${first.answers.length}`);
  const hit = h.cached(q(77, 'a.ns.svc.cluster.local'), 'udp');
  assert.ok(hit, 'second query served from the memo');
  const second = decodeMessage(hit);
  assert.equal(second.id, 77, `memo hit carries the new id: got ${second.id}`);
  assert.deepEqual(second.answers, first.answers, 'memo hit has the same answers');
  assert.equal(resolves, 1, `zone resolved ${resolves} times, want 1`);

  version++;
  assert.equal(h.cached(q(2, 'a.ns.svc.cluster.local'), 'udp'), undefined, 'a version change drops the memo');

  await h.handle(q(3, 'example.org'), 'udp');
  await h.handle(q(4, 'example.org'), 'udp');
  assert.equal(forwarded, 2, `forwarded answers are not memoised: ${forwarded} upstream queries, want 2`);
  assert.equal(h.cached(q(5, 'example.org'), 'udp'), undefined, 'no memo for forwarded names');
});

test('DNS views: only changes that can change an answer drop the memo', () => {
  const pod = (over: Partial<{ ip: string; phase: string; hostname: string }>): Pod => ({
    metadata: { name: 'p', namespace: 'ns' },
    spec: { hostname: over.hostname, subdomain: over.hostname ? 'sub' : undefined },
    status: { podIP: over.ip, ...(over.phase ? { phase: over.phase } : {}) },
  } as Pod);
  const cases = [
    { name: 'phase change', a: pod({ ip: '10.42.0.5', phase: 'Pending' }), b: pod({ ip: '10.42.0.5', phase: 'Running' }), changed: false },
    { name: 'IP assigned', a: pod({}), b: pod({ ip: '10.42.0.5' }), changed: true },
    { name: 'hostname set', a: pod({ ip: '10.42.0.5' }), b: pod({ ip: '10.42.0.5', hostname: 'h' }), changed: true },
  ];
  for (const c of cases) {
    const changed = dnsViewOfPod(c.a) !== dnsViewOfPod(c.b);
    assert.equal(changed, c.changed, `${c.name}: changed got ${changed}, want ${c.changed}`);
  }
  assert.equal(dnsViewOfPod(pod({})), undefined, 'a pod without IP or hostname is invisible to DNS');
  const svc = { metadata: { name: 's', namespace: 'ns', resourceVersion: '1' }, spec: { clusterIP: '10.43.0.9' } };
  assert.equal(dnsViewOfService(svc), dnsViewOfService({ ...svc, metadata: { ...svc.metadata, resourceVersion: '2' } }), 'a new resourceVersion alone changes nothing');
});
