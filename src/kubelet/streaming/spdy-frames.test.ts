import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary';
import {
  FLAG_FIN, FrameParser, SpdyProtocolError, decodeHeaderBlock, encodeFrame, encodeHeaderBlock, type SpdyFrame,
} from './spdy-frames';
import { HeaderCodec } from './spdy-header-codec';

// The first bytes kubectl 1.32 sent after a SPDY/3.1 upgrade for `kubectl exec -i p -- cat`, captured on
// the wire: SYN_STREAM id 1 whose header block (zlib, FDICT set, DICTID e3c6a7c2) holds streamtype=error.
const KUBECTL_SYN_STREAM = Buffer.from('80030001000000290000000100000000000078f9e3c6a7c26260606004a7b392a2d4c45c6851c29a0a0a6800000000ffff', 'hex');

test('the dictionary is the SPDY/3 one: 1423 bytes, Adler-32 equal to the DICTID kubectl writes', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423, `dictionary length: got ${SPDY3_DICTIONARY.length}, want 1423`);
  const dictId = KUBECTL_SYN_STREAM.subarray(20, 24).toString('hex');
  const ours = zlib.deflateSync(Buffer.from('x'), { dictionary: SPDY3_DICTIONARY }).subarray(2, 6).toString('hex');
  assert.equal(ours, dictId, `DICTID: got ${ours}, want ${dictId} (kubectl's)`);
});

test('a SYN_STREAM captured from kubectl parses and its header block decompresses', async () => {
  const frames = new FrameParser().push(KUBECTL_SYN_STREAM);
  assert.equal(frames.length, 1, `frames: got ${frames.length}, want 1`);
  const f = frames[0] as SpdyFrame;
  assert.equal(f.type, 'syn_stream');
  if (f.type !== 'syn_stream') return;
  assert.deepEqual([f.streamId, f.associatedStreamId, f.priority, f.flags], [1, 0, 0, 0]);
  const codec = new HeaderCodec();
  const headers = decodeHeaderBlock(await codec.decompress(f.headerBlock));
  codec.close();
  assert.deepEqual([...headers], [['streamtype', ['error']]], `headers: got ${JSON.stringify([...headers])}`);
});

const roundTrips: Array<{ name: string; frame: SpdyFrame; hex?: string }> = [
  { name: 'data', frame: { type: 'data', streamId: 3, flags: 0, data: Buffer.from('hi') }, hex: '00000003000000026869' },
  { name: 'data fin, empty', frame: { type: 'data', streamId: 0x7fffffff, flags: FLAG_FIN, data: Buffer.alloc(0) }, hex: '7fffffff01000000' },
  {
    name: 'syn_stream',
    frame: { type: 'syn_stream', streamId: 5, associatedStreamId: 0, priority: 3, slot: 0, flags: FLAG_FIN, headerBlock: Buffer.from([1, 2, 3]) },
    hex: '800300010100000d000000050000000060' + '00010203',
  },
  { name: 'syn_reply', frame: { type: 'syn_reply', streamId: 1, flags: 0, headerBlock: Buffer.from([9]) }, hex: '80030002000000050000000109' },
  { name: 'rst_stream', frame: { type: 'rst_stream', streamId: 7, status: 5 }, hex: '80030003000000080000000700000005' },
  {
    name: 'settings',
    frame: { type: 'settings', flags: 0, entries: [{ flags: 1, id: 7, value: 1 << 20 }] },
    hex: '800300040000000c000000010100000700100000',
  },
  { name: 'ping', frame: { type: 'ping', id: 1 }, hex: '800300060000000400000001' },
  { name: 'goaway', frame: { type: 'goaway', lastGoodStreamId: 9, status: 0 }, hex: '80030007000000080000000900000000' },
  { name: 'headers', frame: { type: 'headers', streamId: 11, flags: 1, headerBlock: Buffer.from('ab') }, hex: '8003000801000006' + '0000000b6162' },
  { name: 'window_update', frame: { type: 'window_update', streamId: 0, delta: 65536 }, hex: '80030009000000080000000000010000' },
];

for (const c of roundTrips) {
  test(`frame round trip: ${c.name}`, () => {
    const bytes = encodeFrame(c.frame);
    if (c.hex) assert.equal(bytes.toString('hex'), c.hex, `encoding: got ${bytes.toString('hex')}, want ${c.hex}`);
    const back = new FrameParser().push(bytes);
    assert.deepEqual(back, [c.frame], `decoding: got ${JSON.stringify(back)}, want ${JSON.stringify(c.frame)}`);
  });
}

test('the parser reassembles frames split at every byte boundary', () => {
  const all = Buffer.concat(roundTrips.map((c) => encodeFrame(c.frame)));
  const p = new FrameParser();
  const got: SpdyFrame[] = [];
  for (let i = 0; i < all.length; i++) got.push(...p.push(all.subarray(i, i + 1)));
  assert.deepEqual(got, roundTrips.map((c) => c.frame), 'frames fed one byte at a time differ from the originals');
  assert.equal(p.buffered, 0, `left over: got ${p.buffered} bytes, want 0`);
});

const malformed: Array<{ name: string; hex: string; want: RegExp }> = [
  { name: 'wrong version', hex: '800200060000000400000001', want: /version 2/ },
  { name: 'short RST_STREAM', hex: '8003000300000004' + '00000001', want: /too short/ },
  { name: 'settings count beyond payload', hex: '8003000400000004' + '00000002', want: /too short/ },
];
for (const c of malformed) {
  test(`the parser rejects: ${c.name}`, () => {
    assert.throws(() => new FrameParser().push(Buffer.from(c.hex, 'hex')), (e: unknown) => e instanceof SpdyProtocolError && c.want.test(e.message));
  });
}

test('the parser bounds frame size', () => {
  const big = encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.alloc(2000) });
  assert.throws(() => new FrameParser(1024).push(big.subarray(0, 8)), SpdyProtocolError);
});

test('header blocks: lowercase names, NUL-joined values, round trip through two compression contexts', async () => {
  const sender = new HeaderCodec();
  const receiver = new HeaderCodec();
  const blocks: Array<Record<string, string | string[]>> = [
    { streamtype: 'data', port: '8080', requestid: '0' },
    { streamtype: 'error', port: '8080', requestid: '0' },
    { 'X-Multi': ['a', 'b'] },
    {},
  ];
  for (const b of blocks) {
    const raw = encodeHeaderBlock(b);
    const wire = await sender.compress(raw);
    const back = decodeHeaderBlock(await receiver.decompress(wire));
    const want = new Map(Object.entries(b).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]]));
    assert.deepEqual(back, want, `block: got ${JSON.stringify([...back])}, want ${JSON.stringify([...want])}`);
  }
  // The second identical block compresses to far fewer bytes: the context is shared across blocks.
  const again = await sender.compress(encodeHeaderBlock(blocks[0] as Record<string, string>));
  assert.ok(again.length < 16, `repeated block: got ${again.length} compressed bytes, want < 16`);
  sender.close();
  receiver.close();
});

test('a corrupt header block is a protocol error, not a crash', async () => {
  const codec = new HeaderCodec();
  await assert.rejects(codec.decompress(Buffer.from('78f9deadbeef0000', 'hex')), SpdyProtocolError);
  codec.close();
});

test('decodeHeaderBlock rejects repeated names and truncation', () => {
  const dup = Buffer.concat([encodeHeaderBlock({ a: '1' }).subarray(0, 4), encodeHeaderBlock({ a: '1' }).subarray(4), encodeHeaderBlock({ a: '2' }).subarray(4)]);
  dup.writeUInt32BE(2, 0);
  assert.throws(() => decodeHeaderBlock(dup), /repeats/);
  assert.throws(() => decodeHeaderBlock(encodeHeaderBlock({ abc: 'def' }).subarray(0, 12)), /truncated|too short/);
});
