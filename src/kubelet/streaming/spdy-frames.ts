// SPDY/3 frame layouts (draft 3; "SPDY/3.1" only adds session-level flow control on stream 0) and an
// incremental parser. Header blocks stay compressed here; spdy-header-codec.ts (de)compresses them, because
// the zlib context is per connection and direction and must see every block in order.
//
//   control frame                          data frame
//   +-+--------------+----------------+    +-+------------------------------+
//   |1| version (15) | type (16)      |    |0| stream id (31)               |
//   +-+--------------+----------------+    +-+------------------------------+
//   | flags (8) | length (24)         |    | flags (8) | length (24)        |
//   +-----------+---------------------+    +-----------+--------------------+
//   | payload                         |    | data                           |

export const SPDY_VERSION = 3;

export const FrameType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  UnsupportedVersion: 4,
  Cancel: 5,
  InternalError: 6,
  FlowControlError: 7,
  StreamInUse: 8,
  StreamAlreadyClosed: 9,
  FrameTooLarge: 11,
} as const;

export const SETTINGS_INITIAL_WINDOW_SIZE = 7;
export const DEFAULT_WINDOW = 65536;
/** Largest payload the 24-bit length can carry. */
export const MAX_FRAME_PAYLOAD = 0xffffff;

export type SpdyFrame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedStreamId: number; priority: number; slot: number; flags: number; headerBlock: Buffer }
  | { type: 'syn_reply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: SettingsEntry[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number; flags: number; payload: Buffer };

export interface SettingsEntry {
  flags: number;
  id: number;
  value: number;
}

/** A malformed frame: the session answers with GOAWAY(PROTOCOL_ERROR) and closes. */
export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

const STREAM_ID_MASK = 0x7fffffff;

function controlHeader(type: number, flags: number, length: number): Buffer {
  if (length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError(`frame payload of ${length} bytes exceeds 2^24-1`);
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24 | length) >>> 0, 4);
  return h;
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

/** Serializes one frame (header blocks must already be compressed). */
export function encodeFrame(f: SpdyFrame): Buffer {
  switch (f.type) {
    case 'data': {
      if (f.data.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError(`data frame of ${f.data.length} bytes exceeds 2^24-1`);
      const h = Buffer.alloc(8);
      h.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      h.writeUInt32BE(((f.flags & 0xff) << 24 | f.data.length) >>> 0, 4);
      return Buffer.concat([h, f.data]);
    }
    case 'syn_stream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      fixed.writeUInt32BE(f.associatedStreamId & STREAM_ID_MASK, 4);
      fixed.writeUInt8((f.priority & 0x7) << 5, 8);
      fixed.writeUInt8(f.slot & 0xff, 9);
      return Buffer.concat([controlHeader(FrameType.SynStream, f.flags, 10 + f.headerBlock.length), fixed, f.headerBlock]);
    }
    case 'syn_reply':
      return Buffer.concat([controlHeader(FrameType.SynReply, f.flags, 4 + f.headerBlock.length), u32(f.streamId & STREAM_ID_MASK), f.headerBlock]);
    case 'headers':
      return Buffer.concat([controlHeader(FrameType.Headers, f.flags, 4 + f.headerBlock.length), u32(f.streamId & STREAM_ID_MASK), f.headerBlock]);
    case 'rst_stream':
      return Buffer.concat([controlHeader(FrameType.RstStream, 0, 8), u32(f.streamId & STREAM_ID_MASK, f.status)]);
    case 'settings': {
      const body = Buffer.alloc(4 + 8 * f.entries.length);
      body.writeUInt32BE(f.entries.length, 0);
      f.entries.forEach((e, i) => {
        body.writeUInt32BE(((e.flags & 0xff) << 24 | (e.id & 0xffffff)) >>> 0, 4 + 8 * i);
        body.writeUInt32BE(e.value >>> 0, 8 + 8 * i);
      });
      return Buffer.concat([controlHeader(FrameType.Settings, f.flags, body.length), body]);
    }
    case 'ping':
      return Buffer.concat([controlHeader(FrameType.Ping, 0, 4), u32(f.id)]);
    case 'goaway':
      return Buffer.concat([controlHeader(FrameType.GoAway, 0, 8), u32(f.lastGoodStreamId & STREAM_ID_MASK, f.status)]);
    case 'window_update':
      return Buffer.concat([controlHeader(FrameType.WindowUpdate, 0, 8), u32(f.streamId & STREAM_ID_MASK, f.delta & STREAM_ID_MASK)]);
    case 'unknown':
      return Buffer.concat([controlHeader(f.frameType, f.flags, f.payload.length), f.payload]);
  }
}

function need(payload: Buffer, n: number, what: string): void {
  if (payload.length < n) throw new SpdyProtocolError(`${what} frame too short: ${payload.length} bytes, want at least ${n}`);
}

function decodeControl(type: number, flags: number, p: Buffer): SpdyFrame {
  switch (type) {
    case FrameType.SynStream:
      need(p, 10, 'SYN_STREAM');
      return {
        type: 'syn_stream',
        streamId: p.readUInt32BE(0) & STREAM_ID_MASK,
        associatedStreamId: p.readUInt32BE(4) & STREAM_ID_MASK,
        priority: p.readUInt8(8) >> 5,
        slot: p.readUInt8(9),
        flags,
        headerBlock: p.subarray(10),
      };
    case FrameType.SynReply:
      need(p, 4, 'SYN_REPLY');
      return { type: 'syn_reply', streamId: p.readUInt32BE(0) & STREAM_ID_MASK, flags, headerBlock: p.subarray(4) };
    case FrameType.Headers:
      need(p, 4, 'HEADERS');
      return { type: 'headers', streamId: p.readUInt32BE(0) & STREAM_ID_MASK, flags, headerBlock: p.subarray(4) };
    case FrameType.RstStream:
      need(p, 8, 'RST_STREAM');
      return { type: 'rst_stream', streamId: p.readUInt32BE(0) & STREAM_ID_MASK, status: p.readUInt32BE(4) };
    case FrameType.Settings: {
      need(p, 4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      need(p, 4 + 8 * n, 'SETTINGS');
      const entries: SettingsEntry[] = [];
      for (let i = 0; i < n; i++) {
        const fi = p.readUInt32BE(4 + 8 * i);
        entries.push({ flags: fi >>> 24, id: fi & 0xffffff, value: p.readUInt32BE(8 + 8 * i) });
      }
      return { type: 'settings', flags, entries };
    }
    case FrameType.Ping:
      need(p, 4, 'PING');
      return { type: 'ping', id: p.readUInt32BE(0) };
    case FrameType.GoAway:
      // SPDY/2 GOAWAY had no status; accept 4 bytes too.
      need(p, 4, 'GOAWAY');
      return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & STREAM_ID_MASK, status: p.length >= 8 ? p.readUInt32BE(4) : 0 };
    case FrameType.WindowUpdate:
      need(p, 8, 'WINDOW_UPDATE');
      return { type: 'window_update', streamId: p.readUInt32BE(0) & STREAM_ID_MASK, delta: p.readUInt32BE(4) & STREAM_ID_MASK };
    default:
      // The spec says to ignore unknown control frames.
      return { type: 'unknown', frameType: type, flags, payload: p };
  }
}

/**
 * Incremental frame parser: feed it whatever bytes arrive (any split), get whole frames back in order.
 * `maxPayload` bounds memory per frame; a larger announced length is a protocol error.
 */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly maxPayload: number = MAX_FRAME_PAYLOAD) {}

  push(chunk: Buffer): SpdyFrame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: SpdyFrame[] = [];
    while (this.buf.length >= 8) {
      const word = this.buf.readUInt32BE(4);
      const flags = word >>> 24;
      const length = word & 0xffffff;
      if (length > this.maxPayload) throw new SpdyProtocolError(`frame of ${length} bytes exceeds the limit of ${this.maxPayload}`);
      if (this.buf.length < 8 + length) break;
      const payload = this.buf.subarray(8, 8 + length);
      const first = this.buf.readUInt32BE(0);
      if (first & 0x80000000) {
        const version = (first >>> 16) & 0x7fff;
        if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}, want ${SPDY_VERSION}`);
        frames.push(decodeControl(first & 0xffff, flags, payload));
      } else {
        frames.push({ type: 'data', streamId: first & STREAM_ID_MASK, flags, data: payload });
      }
      this.buf = this.buf.subarray(8 + length);
    }
    return frames;
  }

  /** Bytes of an incomplete frame still buffered. */
  get buffered(): number {
    return this.buf.length;
  }
}

/** Header names and values (several values of one name are NUL-joined on the wire). */
export type SpdyHeaders = Map<string, string[]>;

/**
 * Uncompressed header block (SPDY/3): a 32-bit pair count, then for each pair a 32-bit length + name and a
 * 32-bit length + value. Names must be lowercase (Go's framer rejects others).
 */
export function encodeHeaderBlock(headers: SpdyHeaders | Record<string, string | string[]>): Buffer {
  const entries: Array<[string, string[]]> = headers instanceof Map
    ? [...headers.entries()]
    : Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = new Map();
  need(block, 4, 'header block');
  const count = block.readUInt32BE(0);
  let off = 4;
  const take = (): string => {
    need(block.subarray(off), 4, 'header block');
    const len = block.readUInt32BE(off);
    off += 4;
    if (block.length < off + len) throw new SpdyProtocolError(`header block truncated: want ${len} bytes at ${off}, have ${block.length - off}`);
    const s = block.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = take();
    const value = take();
    if (name.length === 0) throw new SpdyProtocolError('header block has an empty name');
    if (headers.has(name)) throw new SpdyProtocolError(`header block repeats the name ${JSON.stringify(name)}`);
    headers.set(name, value.split('\0'));
  }
  return headers;
}
