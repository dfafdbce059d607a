import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createChunkScanner } from './chunk-scanner';
import { FastUpstream } from './fast-upstream';
import { createIngressProxy } from './proxy';
import { createRawFront } from './raw-front';
import { buildRoutingTable } from './routing';

interface Seen { method: string; url: string; headers: IncomingHttpHeaders; body: string }

/** A Node backend echoing what it saw; some paths answer with special framing. */
async function backend() {
  const seen: Seen[] = [];
  const srv = createHttpServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/chunked') {
        res.setHeader('x-hop', 'yes');
        res.setHeader('connection', 'x-hop');
        res.write('hello ');
        setTimeout(() => res.end('world'), 5);
        return;
      }
      const out = JSON.stringify({ method: req.method, url: req.url, body });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(req.method === 'HEAD' ? undefined : out);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { port: (srv.address() as { port: number }).port, seen, close: () => { srv.closeAllConnections(); srv.close(); } };
}

/** Sends raw bytes on one connection and collects everything until `until(text)` or the peer closes. */
function exchange(port: number, writes: string[], until: (text: string) => boolean): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const sock: Socket = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const finish = (): void => { sock.destroy(); resolve({ text, closed }); };
    sock.on('data', (d: Buffer) => { text += d.toString('latin1'); if (until(text)) finish(); });
    sock.on('end', () => { closed = true; finish(); });
    sock.on('error', reject);
    sock.on('connect', () => { for (const w of writes) sock.write(w, 'latin1'); });
    setTimeout(() => finish(), 3000).unref();
  });
}

const count = (s: string, sub: string): number => s.split(sub).length - 1;

test('raw front: simple requests on the lean path, the rest handed to http.Server', async (t) => {
  const be = await backend();
  const table = buildRoutingTable([{
    metadata: { name: 'i', namespace: 'ns', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { ingressClassName: 'berth', rules: [
      { host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } }] } },
      { host: 'dead.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'dead', port: { number: 80 } } } }] } },
    ] },
  }] as never);
  const resolver = {
    pick: (b: { service: string }) => (b.service === 'a'
      ? { ok: true as const, target: { host: '127.0.0.1', port: be.port } }
      : { ok: true as const, target: { host: '127.0.0.1', port: 1 } }),
    targets: () => [],
    invalidate: () => undefined,
  };
  const upstream = new FastUpstream();
  const proxy = createIngressProxy({ table: () => table, resolver, upstream });
  const front = createRawFront({ table: () => table, resolver, upstream, log: () => undefined });
  const srv = createHttpServer();
  let fallbacks = 0;
  const [orig] = srv.listeners('connection') as Array<(s: Socket) => void>;
  srv.off('connection', orig!);
  const l = { scheme: 'http' as const, port: 0 };
  srv.on('connection', (sock: Socket) => front.accept(sock, l, (s) => { fallbacks++; orig!.call(srv, s); }));
  srv.on('request', (req, res) => proxy.handleRequest(req, res, l));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  l.port = port;
  t.after(async () => { await front.close(0); proxy.close(); srv.closeAllConnections(); srv.close(); be.close(); });

  const cases: Array<{ name: string; writes: string[]; until: (s: string) => boolean; check: (got: { text: string; closed: boolean }, seen: Seen[]) => void; fallback: boolean }> = [
    {
      name: 'pipelined GETs answered in order on one connection',
      writes: ['GET /1 HTTP/1.1\r\nHost: a.example\r\n\r\nGET /2 HTTP/1.1\r\nHost: a.example\r\n\r\nGET /3 HTTP/1.1\r\nHo', 'st: a.example\r\n\r\n'],
      until: (s) => count(s, '"url"') === 3,
      check: (got) => {
        const urls = [...got.text.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
        assert.deepEqual(urls, ['/1', '/2', '/3'], `order got ${JSON.stringify(urls)}`);
        assert.equal(count(got.text.toLowerCase(), 'keep-alive: timeout'), 0, 'backend Keep-Alive header dropped');
      },
      fallback: false,
    },
    {
      name: 'X-Forwarded-* replaced, XFF appended, hop-by-hop request headers dropped',
      writes: ['GET /xf HTTP/1.1\r\nHost: a.example:8080\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\nX-Real-IP: 6.6.6.6\r\nKeep-Alive: timeout=1\r\nTE: trailers\r\nX-Custom: kept\r\nConnection: keep-alive\r\n\r\n'],
      until: (s) => s.includes('"url"'),
      check: (_got, seen) => {
        const h = seen.at(-1)!.headers;
        assert.equal(h['x-forwarded-for'], '10.0.0.1, 127.0.0.1', `XFF got ${String(h['x-forwarded-for'])}`);
        assert.equal(h['x-forwarded-proto'], 'http', `XFP got ${String(h['x-forwarded-proto'])}`);
        assert.equal(h['x-forwarded-host'], 'a.example:8080', `XFH got ${String(h['x-forwarded-host'])}`);
        assert.equal(h['x-forwarded-port'], String(port), `XF-Port got ${String(h['x-forwarded-port'])}`);
        assert.equal(h['x-real-ip'], '127.0.0.1', `X-Real-IP got ${String(h['x-real-ip'])}`);
        assert.equal(h['x-custom'], 'kept', 'end-to-end header kept');
        assert.equal(h['keep-alive'], undefined, `Keep-Alive forwarded: ${String(h['keep-alive'])}`);
        assert.equal(h.te, undefined, `TE forwarded: ${String(h.te)}`);
      },
      fallback: false,
    },
    {
      name: 'POST with a Content-Length body split across writes',
      writes: ['POST /p HTTP/1.1\r\nHost: a.example\r\nContent-Length: 10\r\n\r\nhello', 'world'],
      until: (s) => s.includes('"body"'),
      check: (got) => assert.match(got.text, /"method":"POST","url":"\/p","body":"helloworld"/, `got ${got.text}`),
      fallback: false,
    },
    {
      name: 'chunked response passed through with its framing, Connection-named header dropped',
      writes: ['GET /chunked HTTP/1.1\r\nHost: a.example\r\n\r\n'],
      until: (s) => s.endsWith('0\r\n\r\n'),
      check: (got) => {
        const [head, body] = got.text.split('\r\n\r\n', 2);
        assert.match(head!.toLowerCase(), /transfer-encoding: chunked/, `head got ${head}`);
        assert.doesNotMatch(head!.toLowerCase(), /x-hop/, `Connection-named header forwarded: ${head}`);
        const sc = createChunkScanner();
        let data = '';
        const rest = got.text.slice(head!.length + 4);
        const end = sc.scan(Buffer.from(rest, 'latin1'), (s, e) => (data += rest.slice(s, e)));
        assert.equal(end, Buffer.byteLength(rest, 'latin1'), `chunked body ends at the end: ${end}, body ${JSON.stringify(body)}`);
        assert.equal(data, 'hello world', `de-chunked got ${data}`);
      },
      fallback: false,
    },
    {
      name: 'HEAD: headers only, connection reusable',
      writes: ['HEAD /h HTTP/1.1\r\nHost: a.example\r\n\r\nGET /after-head HTTP/1.1\r\nHost: a.example\r\n\r\n'],
      until: (s) => s.includes('/after-head"'),
      check: (got) => assert.equal(count(got.text, 'HTTP/1.1 200'), 2, `responses got ${got.text}`),
      fallback: false,
    },
    {
      name: 'no route: 404 and the connection stays open',
      writes: ['GET / HTTP/1.1\r\nHost: nope.example\r\n\r\nGET /ok HTTP/1.1\r\nHost: a.example\r\n\r\n'],
      until: (s) => s.includes('"/ok"'),
      check: (got) => assert.match(got.text, /^HTTP\/1\.1 404 Not Found[\s\S]*default backend - 404\n[\s\S]*HTTP\/1\.1 200/, `got ${got.text}`),
      fallback: false,
    },
    {
      name: 'HEAD with no route: a 404 without a body, then the next response parses',
      writes: ['HEAD / HTTP/1.1\r\nHost: nope.example\r\n\r\nGET /after HTTP/1.1\r\nHost: a.example\r\n\r\n'],
      until: (s) => s.includes('"/after"'),
      check: (got) => {
        const [first, second] = got.text.split(/(?=HTTP\/1\.1 )/);
        assert.match(first ?? '', /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*\r\n\r\n$/, `HEAD 404 got ${JSON.stringify(first)}`);
        assert.match(second ?? '', /^HTTP\/1\.1 200/, `next response got ${JSON.stringify(second)}`);
      },
      fallback: false,
    },
    {
      name: 'refused backend: 502',
      writes: ['GET / HTTP/1.1\r\nHost: dead.example\r\nConnection: close\r\n\r\n'],
      until: () => false,
      check: (got) => {
        assert.match(got.text, /^HTTP\/1\.1 502 Bad Gateway/, `got ${got.text}`);
        assert.ok(got.closed, 'Connection: close honoured');
      },
      fallback: false,
    },
    {
      name: 'chunked request body: handed to http.Server, which forwards it',
      writes: ['POST /c HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
      until: (s) => s.includes('"body"'),
      check: (got) => assert.match(got.text, /"url":"\/c","body":"abc"/, `got ${got.text}`),
      fallback: true,
    },
    {
      name: 'HTTP/1.0: handed to http.Server',
      writes: ['GET /old HTTP/1.0\r\nHost: a.example\r\n\r\n'],
      until: () => false,
      check: (got) => assert.match(got.text, /"url":"\/old"/, `got ${got.text}`),
      fallback: true,
    },
    {
      name: 'smuggling shapes (space before the colon, bare LF) go to Node, which rejects them',
      writes: ['POST /s HTTP/1.1\r\nHost: a.example\r\nContent-Length : 5\r\nX: a\nContent-Length: 5\r\n\r\nhello'],
      until: () => false,
      check: (got, seen) => {
        assert.match(got.text, /^HTTP\/1\.1 400/, `got ${got.text}`);
        assert.ok(!seen.some((x) => x.url === '/s'), 'nothing reached the backend');
      },
      fallback: true,
    },
    {
      name: 'no Host: handed to Node (400)',
      writes: ['GET /nohost HTTP/1.1\r\n\r\n'],
      until: () => false,
      check: (got) => assert.match(got.text, /^HTTP\/1\.1 400/, `got ${got.text}`),
      fallback: true,
    },
  ];
  for (const c of cases) {
    const before = fallbacks;
    const got = await exchange(port, c.writes, c.until);
    c.check(got, be.seen);
    assert.equal(fallbacks - before, c.fallback ? 1 : 0, `${c.name}: hand-offs got ${fallbacks - before}, want ${c.fallback ? 1 : 0}`);
  }
});

test('chunk scanner: ends, splits and malformed framing', () => {
  const cases = [
    { name: 'whole', parts: ['5\r\nhello\r\n0\r\n\r\n'], end: 15, data: 'hello' },
    { name: 'split everywhere', parts: ['5', '\r', '\nhel', 'lo\r', '\n0\r\n', '\r\n'], end: 2, data: 'hello' },
    { name: 'extension and trailer', parts: ['3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\nNEXT'], end: 23, data: 'abc' },
    { name: 'bad size', parts: ['zz\r\n'], end: -1, data: '', error: true },
    { name: 'missing CRLF after data', parts: ['1\r\naXY'], end: -1, data: 'a', error: true },
  ];
  for (const c of cases) {
    const sc = createChunkScanner();
    let data = '';
    let end = -1;
    for (const p of c.parts) {
      const b = Buffer.from(p, 'latin1');
      end = sc.scan(b, (s, e) => (data += p.slice(s, e)));
      if (end >= 0 || sc.error) break;
    }
    assert.equal(end, c.end, `${c.name}: end got ${end}, want ${c.end}`);
    assert.equal(data, c.data, `${c.name}: data got ${JSON.stringify(data)}`);
    assert.equal(sc.error !== undefined, c.error === true, `${c.name}: error got ${String(sc.error)}`);
  }
});
