import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createNetServer, type Socket } from 'node:net';
import { FastUpstream, type FastResponse } from './fast-upstream';

/** A raw TCP backend answering each request head with `reply(path)` bytes; counts connections. */
async function rawBackend(reply: (path: string, sock: Socket) => string | undefined) {
  let connections = 0;
  const socks = new Set<Socket>();
  const srv = createNetServer((sock) => {
    connections++;
    socks.add(sock);
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const path = buf.split(' ')[1] ?? '/';
        buf = buf.slice(end + 4);
        const out = reply(path, sock);
        if (out !== undefined) sock.write(out);
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => socks.delete(sock));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as { port: number }).port,
    connections: () => connections,
    dropIdle: () => { for (const s of socks) s.destroy(); },
    close: () => { for (const s of socks) s.destroy(); srv.close(); },
  };
}

function fetchVia(up: FastUpstream, port: number, path: string): Promise<{ head: FastResponse; body: string }> {
  return new Promise((resolve, reject) => {
    let head: FastResponse | undefined;
    const chunks: Buffer[] = [];
    up.request('127.0.0.1', port, `GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`, {
      onHead: (h) => { head = h; },
      onData: (c) => { chunks.push(Buffer.from(c)); return true; },
      onEnd: () => resolve({ head: head!, body: Buffer.concat(chunks).toString() }),
      onError: reject,
    });
  });
}

test('fast upstream: framing, headers, pooling and retry on a stale connection', async (t) => {
  const be = await rawBackend((path, sock) => {
    switch (path) {
      case '/len': return 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello';
      case '/chunked': return 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n';
      case '/interim': return 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok';
      case '/empty': return 'HTTP/1.1 204 No Content\r\n\r\n';
      case '/close': setTimeout(() => sock.end(), 20); return 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close';
      default: return 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
    }
  });
  const up = new FastUpstream();
  t.after(() => { up.close(); be.close(); });
  const cases = [
    { name: 'content-length', path: '/len', status: 200, body: 'hello' },
    { name: 'chunked', path: '/chunked', status: 200, body: 'hello world' },
    { name: '1xx skipped', path: '/interim', status: 201, body: 'ok' },
    { name: '204 without body', path: '/empty', status: 204, body: '' },
    { name: 'zero length', path: '/nope', status: 404, body: '' },
    { name: 'close-delimited', path: '/close', status: 200, body: 'until-close' },
  ];
  for (const c of cases) {
    const got = await fetchVia(up, be.port, c.path);
    assert.equal(got.head.status, c.status, `${c.name}: status got ${got.head.status}`);
    assert.equal(got.body, c.body, `${c.name}: body got ${JSON.stringify(got.body)}`);
  }
  const len = await fetchVia(up, be.port, '/len');
  assert.deepEqual(len.head.headers['set-cookie'], ['a=1', 'b=2'], `repeated headers got ${JSON.stringify(len.head.headers['set-cookie'])}`);
  assert.equal(len.head.headers['transfer-encoding'], undefined, 'hop-by-hop headers dropped');

  const before = be.connections();
  for (let i = 0; i < 20; i++) await fetchVia(up, be.port, '/len');
  assert.equal(be.connections() - before, 0, `sequential requests opened ${be.connections() - before} new connections, want 0 (pooled)`);

  be.dropIdle();
  await new Promise((r) => setTimeout(r, 20));
  const again = await fetchVia(up, be.port, '/len');
  assert.equal(again.body, 'hello', 'request after the backend dropped idle connections succeeds');
});
