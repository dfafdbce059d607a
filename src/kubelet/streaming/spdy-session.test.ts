import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import {
  FLAG_FIN, FrameParser, SETTINGS_INITIAL_WINDOW_SIZE, decodeHeaderBlock, encodeFrame, encodeHeaderBlock,
  type SpdyFrame, type SpdyHeaders,
} from './spdy-frames';
import { HeaderCodec } from './spdy-header-codec';
import { SpdySession, type SpdyStream } from './spdy-session';

/** A raw SPDY client over a loopback socket, speaking frames by hand. */
interface TestClient {
  socket: net.Socket;
  send(f: SpdyFrame): void;
  open(id: number, headers: Record<string, string>, flags?: number): Promise<void>;
  /** Resolves with the next frame matching `pred` (frames are recorded in `frames` as well). */
  next(pred: (f: SpdyFrame) => boolean): Promise<SpdyFrame>;
  frames: SpdyFrame[];
  replyHeaders: Map<number, SpdyHeaders>;
  dataOf(id: number): Buffer;
}

async function setup(onStream: (s: SpdyStream) => void): Promise<{ client: TestClient; session: Promise<SpdySession>; close(): Promise<void> }> {
  let resolveSession!: (s: SpdySession) => void;
  const session = new Promise<SpdySession>((r) => { resolveSession = r; });
  const server = net.createServer((sock) => resolveSession(new SpdySession(sock, { onStream })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', r));
  const parser = new FrameParser();
  const codec = new HeaderCodec();
  const frames: SpdyFrame[] = [];
  const replyHeaders = new Map<number, SpdyHeaders>();
  let waiters: Array<{ pred: (f: SpdyFrame) => boolean; resolve: (f: SpdyFrame) => void; from: number }> = [];
  let chain = Promise.resolve();
  socket.on('data', (c: Buffer) => {
    for (const f of parser.push(c)) {
      chain = chain.then(async () => {
        if (f.type === 'syn_reply') replyHeaders.set(f.streamId, decodeHeaderBlock(await codec.decompress(f.headerBlock)));
        frames.push(f);
        waiters = waiters.filter((w) => {
          const hit = frames.slice(w.from).find(w.pred);
          if (hit) w.resolve(hit);
          return !hit;
        });
      });
    }
  });
  const client: TestClient = {
    socket,
    frames,
    replyHeaders,
    send: (f) => socket.write(encodeFrame(f)),
    async open(id, headers, flags = 0) {
      const block = await codec.compress(encodeHeaderBlock(headers));
      socket.write(encodeFrame({ type: 'syn_stream', streamId: id, associatedStreamId: 0, priority: 0, slot: 0, flags, headerBlock: block }));
    },
    next(pred) {
      const from = frames.length;
      return new Promise((resolve) => waiters.push({ pred, resolve, from }));
    },
    dataOf: (id) => Buffer.concat(frames.flatMap((f) => (f.type === 'data' && f.streamId === id ? [f.data] : []))),
  };
  return {
    client,
    session,
    async close() {
      socket.destroy();
      codec.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const isFin = (id: number) => (f: SpdyFrame): boolean => f.type === 'data' && f.streamId === id && (f.flags & FLAG_FIN) !== 0;

test('a client stream gets an empty SYN_REPLY, its headers, and an echo with FIN both ways', async () => {
  const seen: SpdyHeaders[] = [];
  const t = await setup((s) => {
    seen.push(s.headers);
    s.pipe(s); // echo; ends our side when the client FINs
  });
  const reply = t.client.next((f) => f.type === 'syn_reply');
  const fin = t.client.next(isFin(1));
  await t.client.open(1, { streamtype: 'data', port: '80' });
  await reply;
  assert.deepEqual([...(t.client.replyHeaders.get(1) ?? new Map())], [], 'SYN_REPLY headers: want none');
  t.client.send({ type: 'data', streamId: 1, flags: 0, data: Buffer.from('hello ') });
  t.client.send({ type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.from('spdy') });
  await fin;
  assert.equal(t.client.dataOf(1).toString(), 'hello spdy', `echo: got ${JSON.stringify(t.client.dataOf(1).toString())}`);
  assert.deepEqual(seen.map((h) => h.get('streamtype')), [['data']]);
  const session = await t.session;
  assert.equal(session.streams.size, 0, `open streams after FIN both ways: got ${session.streams.size}, want 0`);
  await t.close();
});

test('PINGs from the client (odd ids) are echoed; even ids are not', async () => {
  const t = await setup(() => undefined);
  const pong = t.client.next((f) => f.type === 'ping');
  t.client.send({ type: 'ping', id: 2 });
  t.client.send({ type: 'ping', id: 7 });
  const got = await pong;
  assert.deepEqual(got, { type: 'ping', id: 7 }, `pong: got ${JSON.stringify(got)}, want id 7`);
  await t.close();
});

test('without WINDOW_UPDATEs from the peer (kubectl) writes are not limited to 64 KiB', async () => {
  const payload = Buffer.alloc(300_000, 1);
  const t = await setup((s) => s.end(payload));
  const fin = t.client.next(isFin(1));
  await t.client.open(1, { streamtype: 'stdout' });
  await fin;
  assert.equal(t.client.dataOf(1).length, payload.length, `bytes: got ${t.client.dataOf(1).length}, want ${payload.length}`);
  await t.close();
});

test('a peer that does flow control gets no more than its window', async () => {
  const payload = Buffer.alloc(5000, 2);
  const t = await setup((s) => s.end(payload));
  t.client.send({ type: 'settings', flags: 0, entries: [{ flags: 0, id: SETTINGS_INITIAL_WINDOW_SIZE, value: 1000 }] });
  const firstData = t.client.next((f) => f.type === 'data' && f.streamId === 1);
  await t.client.open(1, { streamtype: 'stdout' });
  await firstData;
  // The session handles frames in order: once our PING comes back, nothing else eligible is queued.
  const pong = t.client.next((f) => f.type === 'ping');
  t.client.send({ type: 'ping', id: 1 });
  await pong;
  assert.equal(t.client.dataOf(1).length, 1000, `bytes before WINDOW_UPDATE: got ${t.client.dataOf(1).length}, want 1000`);
  const fin = t.client.next(isFin(1));
  t.client.send({ type: 'window_update', streamId: 1, delta: 4000 });
  await fin;
  assert.equal(t.client.dataOf(1).length, 5000, `bytes after WINDOW_UPDATE: got ${t.client.dataOf(1).length}, want 5000`);
  await t.close();
});

test('received data is acknowledged with WINDOW_UPDATEs for the stream and the session', async () => {
  let received = 0;
  const t = await setup((s) => s.on('data', (c: Buffer) => { received += c.length; }));
  const streamUpdate = t.client.next((f) => f.type === 'window_update' && f.streamId === 1);
  const sessionUpdate = t.client.next((f) => f.type === 'window_update' && f.streamId === 0);
  await t.client.open(1, { streamtype: 'stdin' });
  await t.client.next((f) => f.type === 'syn_reply');
  for (let i = 0; i < 4; i++) t.client.send({ type: 'data', streamId: 1, flags: 0, data: Buffer.alloc(10_000) });
  const [su, se] = await Promise.all([streamUpdate, sessionUpdate]);
  assert.ok(su.type === 'window_update' && su.delta > 0 && se.type === 'window_update' && se.delta > 0, `updates: got ${JSON.stringify([su, se])}`);
  assert.ok(received > 0, 'the stream consumer got data');
  await t.close();
});

test('RST_STREAM from the client closes the server stream', async () => {
  let stream: SpdyStream | undefined;
  const t = await setup((s) => { stream = s; });
  await t.client.open(1, { streamtype: 'data' });
  await t.client.next((f) => f.type === 'syn_reply');
  const closed = new Promise<void>((r) => stream?.once('close', () => r()));
  t.client.send({ type: 'rst_stream', streamId: 1, status: 5 });
  await closed;
  assert.equal(stream?.destroyed, true, 'stream destroyed after RST_STREAM');
  await t.close();
});

test('garbage on the wire ends the session with GOAWAY(PROTOCOL_ERROR)', async () => {
  const t = await setup(() => undefined);
  const goaway = t.client.next((f) => f.type === 'goaway');
  t.client.socket.write(Buffer.from('8002000600000004000000010000', 'hex'));
  const g = await goaway;
  assert.ok(g.type === 'goaway' && g.status === 1, `goaway: got ${JSON.stringify(g)}, want status 1`);
  await t.close();
});
