import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { FakeClock } from '../client';
import { createAnswerCache } from './cache';
import { createForwarder, nameserversOf, parseUpstream } from './forwarder';
import { createTcpDeframer, decodeMessage, encodeMessage, frameTcp, RCode, RRClass, RRType, type DnsMessage } from './wire';

const answerFor = (q: DnsMessage, n: number): DnsMessage => ({
  ...q, qr: true, ra: true, rcode: RCode.NOERROR, additionals: [],
  answers: Array.from({ length: n }, (_, i) => ({ name: q.questions[0]!.name, type: RRType.A, class: RRClass.IN, ttl: 60, data: { kind: 'A' as const, address: `192.0.2.${i + 1}` } })),
});

test('forwarder: dead upstream skipped, TC retried over TCP, answers cached until their TTL', async (t) => {
  const dead = createSocket('udp4'); // receives and never answers
  await new Promise<void>((r) => dead.bind(0, '127.0.0.1', () => r()));
  const udp = createSocket('udp4');
  let udpQueries = 0, tcpQueries = 0;
  udp.on('message', (buf, rinfo) => {
    udpQueries++;
    const q = decodeMessage(buf);
    const big = q.questions[0]!.name === 'big.example';
    udp.send(encodeMessage({ ...answerFor(q, big ? 0 : 1), tc: big }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const port = udp.address().port;
  const tcp = createServer((sock) => sock.on('data', createTcpDeframer((m) => { tcpQueries++; sock.write(frameTcp(encodeMessage(answerFor(decodeMessage(m), 3)))); })));
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', () => r()));
  const clock = new FakeClock();
  const fwd = createForwarder({
    upstreams: [{ host: '127.0.0.1', port: dead.address().port }, { host: '127.0.0.1', port }], timeoutMs: 200,
    cache: createAnswerCache({ clock }),
  });
  t.after(() => { fwd.close(); dead.close(); udp.close(); tcp.close(); });

  const small = await fwd.query({ name: 'small.example', type: RRType.A, class: RRClass.IN });
  assert.equal(small.answers.length, 1, `small answers got ${small.answers.length}`);
  const big = await fwd.query({ name: 'big.example', type: RRType.A, class: RRClass.IN });
  assert.equal(big.answers.length, 3, `TC → TCP answers got ${big.answers.length}`);
  assert.equal(tcpQueries, 1, `tcp queries got ${tcpQueries}`);

  const before = udpQueries;
  const cached = await fwd.query({ name: 'SMALL.example', type: RRType.A, class: RRClass.IN });
  assert.equal(cached.answers.length, 1, 'cached answer');
  assert.equal(udpQueries, before, 'served from cache (case-insensitive key)');
  clock.advance(10_000);
  const aged = await fwd.query({ name: 'small.example', type: RRType.A, class: RRClass.IN });
  assert.equal(aged.answers[0]?.ttl, 20, `TTL aged: got ${aged.answers[0]?.ttl}, want 30 (cap) - 10`);
  clock.advance(31_000);
  await fwd.query({ name: 'small.example', type: RRType.A, class: RRClass.IN });
  assert.equal(udpQueries, before + 1, 'expired entry asked upstream again');
});

test('upstream parsing', () => {
  const cases = [
    { in: '1.2.3.4', want: { host: '1.2.3.4', port: 53 } },
    { in: '1.2.3.4:5353', want: { host: '1.2.3.4', port: 5353 } },
    { in: '::1', want: { host: '::1', port: 53 } },
    { in: '[fd00::1]:5300', want: { host: 'fd00::1', port: 5300 } },
  ];
  for (const c of cases) assert.deepEqual(parseUpstream(c.in), c.want, c.in);
  assert.deepEqual(nameserversOf('# x\nnameserver 10.0.0.1\nsearch a\nnameserver fe80::1%eth0\n'), ['10.0.0.1', 'fe80::1']);
});
