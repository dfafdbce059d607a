import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildQuery, createTcpDeframer, decodeMessage, DnsFormatError, encodeMessage, frameTcp, optRecord, RRClass, RRType, udpLimit,
  type DnsMessage, type ResourceRecord,
} from './wire';

const rr = (name: string, type: number, data: ResourceRecord['data']): ResourceRecord => ({ name, type, class: RRClass.IN, ttl: 30, data });

test('records round-trip through encode/decode', () => {
  const cases: Array<{ name: string; rr: ResourceRecord }> = [
    { name: 'A', rr: rr('a.default.svc.cluster.local', RRType.A, { kind: 'A', address: '10.43.0.1' }) },
    { name: 'AAAA compressed zeros', rr: rr('a.example', RRType.AAAA, { kind: 'AAAA', address: 'fd00::1' }) },
    { name: 'AAAA full', rr: rr('a.example', RRType.AAAA, { kind: 'AAAA', address: '2001:db8:1:2:3:4:5:6' }) },
    { name: 'CNAME', rr: rr('x.example', RRType.CNAME, { kind: 'CNAME', target: 'y.example' }) },
    { name: 'PTR', rr: rr('1.0.43.10.in-addr.arpa', RRType.PTR, { kind: 'PTR', target: 'kubernetes.default.svc.cluster.local' }) },
    { name: 'NS', rr: rr('cluster.local', RRType.NS, { kind: 'NS', target: 'ns.dns.cluster.local' }) },
    { name: 'MX', rr: rr('example', RRType.MX, { kind: 'MX', preference: 10, exchange: 'mail.example' }) },
    { name: 'SRV', rr: rr('_http._tcp.web.default.svc.cluster.local', RRType.SRV, { kind: 'SRV', priority: 0, weight: 100, port: 8080, target: 'web.default.svc.cluster.local' }) },
    { name: 'SOA', rr: rr('cluster.local', RRType.SOA, { kind: 'SOA', mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 7, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 }) },
    { name: 'TXT', rr: rr('t.example', RRType.TXT, { kind: 'TXT', texts: ['hello', 'wörld'] }) },
    { name: 'unknown type kept raw', rr: rr('r.example', 99, { kind: 'raw', bytes: Buffer.from([1, 2, 3]) }) },
  ];
  for (const c of cases) {
    const m: DnsMessage = { ...buildQuery(4242, c.rr.name, c.rr.type), qr: true, aa: true, answers: [c.rr, c.rr] };
    const got = decodeMessage(encodeMessage(m));
    assert.deepEqual(got.answers, [c.rr, c.rr], `${c.name}: got ${JSON.stringify(got.answers)}, want ${JSON.stringify([c.rr, c.rr])}`);
    assert.equal(got.id, 4242, `${c.name}: id`);
    assert.equal(got.qr && got.aa && got.rd, true, `${c.name}: flags`);
  }
});

test('names are compressed: a repeated suffix costs a 2-byte pointer', () => {
  const name = 'web.default.svc.cluster.local';
  const one = encodeMessage({ ...buildQuery(1, name, RRType.A), answers: [] }).length;
  const two = encodeMessage({ ...buildQuery(1, name, RRType.A), answers: [rr(name, RRType.A, { kind: 'A', address: '10.0.0.1' })] }).length;
  // the answer: pointer(2) + type/class/ttl/rdlen(10) + rdata(4)
  assert.equal(two - one, 16, `answer costs ${two - one} bytes, want 16`);
});

test('malformed messages are rejected with DnsFormatError', () => {
  const good = encodeMessage(buildQuery(1, 'a.example', RRType.A));
  const loop = Buffer.from(good);
  loop.writeUInt16BE(0xc00c, 12); // question name points at itself
  const cases: Array<{ name: string; buf: Buffer }> = [
    { name: 'short header', buf: Buffer.from([0, 1, 0]) },
    { name: 'truncated question', buf: good.subarray(0, good.length - 3) },
    { name: 'pointer loop', buf: loop },
    { name: 'claims an answer it lacks', buf: (() => { const b = Buffer.from(good); b.writeUInt16BE(1, 6); return b; })() },
  ];
  for (const c of cases) assert.throws(() => decodeMessage(c.buf), DnsFormatError, c.name);
});

test('UDP truncation sets TC and keeps question and OPT', () => {
  const answers = Array.from({ length: 60 }, (_, i) => rr('big.default.svc.cluster.local', RRType.A, { kind: 'A', address: `10.1.0.${i}` }));
  const cases = [
    { name: 'no EDNS: 512', q: buildQuery(9, 'big.default.svc.cluster.local', RRType.A), limit: 512, wantTc: true },
    { name: 'EDNS 4096 clamps to 1232', q: buildQuery(9, 'big.default.svc.cluster.local', RRType.A, { udpSize: 4096 }), limit: 1232, wantTc: false },
  ];
  for (const c of cases) {
    assert.equal(udpLimit(c.q), c.limit, `${c.name}: limit`);
    const reply: DnsMessage = { ...c.q, qr: true, answers, additionals: c.q.additionals };
    const buf = encodeMessage(reply, { maxSize: udpLimit(c.q) });
    const got = decodeMessage(buf);
    assert.equal(got.tc, c.wantTc, `${c.name}: tc got ${got.tc}`);
    assert.ok(buf.length <= c.limit, `${c.name}: ${buf.length} bytes > ${c.limit}`);
    assert.equal(got.answers.length, c.wantTc ? 0 : 60, `${c.name}: answers`);
    assert.equal(got.questions.length, 1, `${c.name}: question kept`);
    assert.equal(got.additionals.filter((x) => x.type === RRType.OPT).length, c.q.additionals.length, `${c.name}: OPT kept`);
  }
  assert.equal(optRecord(1232).class, 1232);
});

test('TCP deframer reassembles messages split across and packed into chunks', () => {
  const msgs = [1, 2, 3].map((i) => encodeMessage(buildQuery(i, `n${i}.example`, RRType.A)));
  const stream = Buffer.concat(msgs.map(frameTcp));
  const got: number[] = [];
  const feed = createTcpDeframer((m) => got.push(decodeMessage(m).id));
  for (let i = 0; i < stream.length; i += 7) feed(stream.subarray(i, i + 7));
  assert.deepEqual(got, [1, 2, 3], `ids got ${got}`);
});
