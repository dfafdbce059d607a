// DNS wire format (RFC 1035 §4, RFC 2782 SRV, RFC 3596 AAAA, RFC 6891 EDNS0 OPT).
//
//   message = header(12) | question* | answer RR* | authority RR* | additional RR*
//   header  = id(16) | QR opcode(4) AA TC RD RA Z(3) rcode(4) | qdcount | ancount | nscount | arcount
//   RR      = name | type(16) | class(16) | ttl(32) | rdlength(16) | rdata
//
// Names are encoded with compression (RFC 1035 §4.1.4): every suffix written is remembered by its
// lower-cased text and later occurrences become a 2-byte pointer. Decoding follows pointers with a hop
// limit so a malicious loop cannot spin. Record types whose rdata holds names that may be compressed
// (NS, CNAME, PTR, SOA, MX) are decoded into fields, so re-encoding a message is always valid; other
// types keep their rdata bytes as-is (RFC 3597 handling of unknown types).
import { isIPv4, isIPv6 } from 'node:net';

export const RRType = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
export const RRClass = { IN: 1 } as const;
export const RCode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export type RecordData =
  | { kind: 'A'; address: string }
  | { kind: 'AAAA'; address: string }
  | { kind: 'NS' | 'CNAME' | 'PTR'; target: string }
  | { kind: 'MX'; preference: number; exchange: string }
  | { kind: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { kind: 'SOA'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { kind: 'TXT'; texts: string[] }
  | { kind: 'raw'; bytes: Buffer };

export interface Question {
  /** Without the trailing dot; case as received. */
  name: string;
  type: number;
  class: number;
}

export interface ResourceRecord {
  name: string;
  type: number;
  /** For OPT records this is the requester's UDP payload size (RFC 6891 §6.1.2). */
  class: number;
  /** For OPT records this holds extended rcode, version and flags. */
  ttl: number;
  data: RecordData;
}

export interface DnsMessage {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

export class DnsFormatError extends Error {}

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(RRType).map(([k, v]) => [v, k]));
export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}

/** Lower-case, no trailing dot: the form every comparison uses. */
export function canonicalName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

// ---------------------------------------------------------------------------------------------- decode

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DnsFormatError(`message truncated at byte ${this.pos} (need ${n} more)`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  name(): string {
    const labels: string[] = [];
    let pos = this.pos;
    let jumped = false;
    let hops = 0;
    let total = 0;
    for (;;) {
      if (pos >= this.buf.length) throw new DnsFormatError('name runs past the end of the message');
      const len = this.buf[pos]!;
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= this.buf.length) throw new DnsFormatError('truncated compression pointer');
        if (++hops > 64) throw new DnsFormatError('compression pointer loop');
        const target = ((len & 0x3f) << 8) | this.buf[pos + 1]!;
        if (!jumped) this.pos = pos + 2;
        jumped = true;
        pos = target;
        continue;
      }
      if (len & 0xc0) throw new DnsFormatError(`unsupported label type 0x${len.toString(16)}`);
      if (len === 0) {
        if (!jumped) this.pos = pos + 1;
        break;
      }
      if (pos + 1 + len > this.buf.length) throw new DnsFormatError('label runs past the end of the message');
      total += len + 1;
      if (total > 255) throw new DnsFormatError('name longer than 255 octets');
      labels.push(this.buf.toString('latin1', pos + 1, pos + 1 + len));
      pos += 1 + len;
    }
    return labels.join('.');
  }
}

export function ipv6FromBytes(b: Buffer): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}

function readRecord(r: Reader): ResourceRecord {
  const name = r.name();
  const type = r.u16();
  const cls = r.u16();
  const ttl = r.u32();
  const rdlen = r.u16();
  r.need(rdlen);
  const end = r.pos + rdlen;
  let data: RecordData;
  switch (type) {
    case RRType.A:
      if (rdlen !== 4) throw new DnsFormatError(`A record with ${rdlen} bytes`);
      data = { kind: 'A', address: Array.from(r.bytes(4)).join('.') };
      break;
    case RRType.AAAA:
      if (rdlen !== 16) throw new DnsFormatError(`AAAA record with ${rdlen} bytes`);
      data = { kind: 'AAAA', address: ipv6FromBytes(r.bytes(16)) };
      break;
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      data = { kind: type === RRType.NS ? 'NS' : type === RRType.CNAME ? 'CNAME' : 'PTR', target: r.name() };
      break;
    case RRType.MX:
      data = { kind: 'MX', preference: r.u16(), exchange: r.name() };
      break;
    case RRType.SRV:
      data = { kind: 'SRV', priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
      break;
    case RRType.SOA:
      data = { kind: 'SOA', mname: r.name(), rname: r.name(), serial: r.u32(), refresh: r.u32(), retry: r.u32(), expire: r.u32(), minimum: r.u32() };
      break;
    case RRType.TXT: {
      const texts: string[] = [];
      while (r.pos < end) texts.push(r.bytes(r.u8()).toString('utf8'));
      data = { kind: 'TXT', texts };
      break;
    }
    default:
      data = { kind: 'raw', bytes: Buffer.from(r.bytes(rdlen)) };
  }
  if (r.pos !== end) throw new DnsFormatError(`rdata of ${typeName(type)} record is ${rdlen} bytes but ${r.pos - (end - rdlen)} were read`);
  return { name, type, class: cls, ttl, data };
}

/** Parses a whole message; throws DnsFormatError on malformed input. */
export function decodeMessage(buf: Buffer): DnsMessage {
  const r = new Reader(buf);
  const id = r.u16();
  const flags = r.u16();
  const qd = r.u16(), an = r.u16(), ns = r.u16(), ar = r.u16();
  const questions: Question[] = [];
  for (let i = 0; i < qd; i++) questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const section = (n: number): ResourceRecord[] => {
    const out: ResourceRecord[] = [];
    for (let i = 0; i < n; i++) out.push(readRecord(r));
    return out;
  };
  const answers = section(an);
  const authorities = section(ns);
  const additionals = section(ar);
  return {
    id, qr: !!(flags & 0x8000), opcode: (flags >> 11) & 0xf, aa: !!(flags & 0x0400), tc: !!(flags & 0x0200),
    rd: !!(flags & 0x0100), ra: !!(flags & 0x0080), rcode: flags & 0xf, questions, answers, authorities, additionals,
  };
}

/** Reads only the header id and the first question, for answering FORMERR/SERVFAIL to garbage. */
export function peekId(buf: Buffer): number | undefined {
  return buf.length >= 2 ? buf.readUInt16BE(0) : undefined;
}

// ---------------------------------------------------------------------------------------------- encode

class Writer {
  private buf = Buffer.alloc(512);
  len = 0;
  private names = new Map<string, number>();
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u8(v: number): void { this.ensure(1); this.buf[this.len++] = v & 0xff; }
  u16(v: number): void { this.ensure(2); this.buf.writeUInt16BE(v & 0xffff, this.len); this.len += 2; }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32BE(v >>> 0, this.len); this.len += 4; }
  bytes(b: Buffer): void { this.ensure(b.length); b.copy(this.buf, this.len); this.len += b.length; }
  patch16(at: number, v: number): void { this.buf.writeUInt16BE(v, at); }
  name(name: string, compress = true): void {
    const n = name.endsWith('.') ? name.slice(0, -1) : name;
    const labels = n === '' ? [] : n.split('.');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = compress ? this.names.get(suffix) : undefined;
      if (at !== undefined) { this.u16(0xc000 | at); return; }
      if (this.len < 0x3fff) this.names.set(suffix, this.len);
      const label = Buffer.from(labels[i]!, 'latin1');
      if (label.length === 0 || label.length > 63) throw new DnsFormatError(`invalid label length ${label.length} in ${JSON.stringify(name)}`);
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }
  done(): Buffer { return Buffer.from(this.buf.subarray(0, this.len)); }
}

function ipv4Bytes(a: string): Buffer {
  if (!isIPv4(a)) throw new DnsFormatError(`not an IPv4 address: ${a}`);
  return Buffer.from(a.split('.').map(Number));
}

export function ipv6Bytes(a: string): Buffer {
  if (!isIPv6(a)) throw new DnsFormatError(`not an IPv6 address: ${a}`);
  let s = a;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = ipv4Bytes(v4[1]!);
    s = `${s.slice(0, -v4[1]!.length)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const lenAt = w.len;
  w.u16(0);
  const start = w.len;
  const d = rr.data;
  switch (d.kind) {
    case 'A': w.bytes(ipv4Bytes(d.address)); break;
    case 'AAAA': w.bytes(ipv6Bytes(d.address)); break;
    case 'NS': case 'CNAME': case 'PTR': w.name(d.target); break;
    case 'MX': w.u16(d.preference); w.name(d.exchange); break;
    // RFC 2782: the SRV target must not be compressed.
    case 'SRV': w.u16(d.priority); w.u16(d.weight); w.u16(d.port); w.name(d.target, false); break;
    case 'SOA':
      w.name(d.mname); w.name(d.rname);
      w.u32(d.serial); w.u32(d.refresh); w.u32(d.retry); w.u32(d.expire); w.u32(d.minimum);
      break;
    case 'TXT':
      for (const t of d.texts) {
        const b = Buffer.from(t, 'utf8');
        if (b.length > 255) throw new DnsFormatError('TXT string longer than 255 bytes');
        w.u8(b.length); w.bytes(b);
      }
      break;
    case 'raw': w.bytes(d.bytes); break;
  }
  w.patch16(lenAt, w.len - start);
}

function writeMessage(m: DnsMessage, sections: { answers: ResourceRecord[]; authorities: ResourceRecord[]; additionals: ResourceRecord[] }, tc: boolean): Buffer {
  const w = new Writer();
  w.u16(m.id);
  w.u16((m.qr ? 0x8000 : 0) | ((m.opcode & 0xf) << 11) | (m.aa ? 0x0400 : 0) | (tc ? 0x0200 : 0) | (m.rd ? 0x0100 : 0) | (m.ra ? 0x0080 : 0) | (m.rcode & 0xf));
  w.u16(m.questions.length);
  w.u16(sections.answers.length);
  w.u16(sections.authorities.length);
  w.u16(sections.additionals.length);
  for (const q of m.questions) { w.name(q.name); w.u16(q.type); w.u16(q.class); }
  for (const rr of sections.answers) writeRecord(w, rr);
  for (const rr of sections.authorities) writeRecord(w, rr);
  for (const rr of sections.additionals) writeRecord(w, rr);
  return w.done();
}

/**
 * Encodes a message. With maxSize (UDP), a message that does not fit is sent as header + question
 * (+ the OPT record, if any) with TC set, so the client retries over TCP (RFC 1035 §4.2.1, RFC 7766).
 */
export function encodeMessage(m: DnsMessage, opts: { maxSize?: number } = {}): Buffer {
  const full = writeMessage(m, m, m.tc);
  if (opts.maxSize === undefined || full.length <= opts.maxSize) return full;
  const opt = m.additionals.filter((rr) => rr.type === RRType.OPT);
  return writeMessage(m, { answers: [], authorities: [], additionals: opt }, true);
}

/** A query message (RD set) for clients, tests and the forwarder. */
export function buildQuery(id: number, name: string, type: number, opts: { udpSize?: number; rd?: boolean } = {}): DnsMessage {
  return {
    id, qr: false, opcode: 0, aa: false, tc: false, rd: opts.rd ?? true, ra: false, rcode: 0,
    questions: [{ name, type, class: RRClass.IN }], answers: [], authorities: [],
    additionals: opts.udpSize ? [optRecord(opts.udpSize)] : [],
  };
}

export function optRecord(udpSize: number): ResourceRecord {
  return { name: '', type: RRType.OPT, class: udpSize, ttl: 0, data: { kind: 'raw', bytes: Buffer.alloc(0) } };
}

/** The requester's UDP payload limit: 512 without EDNS0, else its advertised size clamped to [512, 1232]. */
export function udpLimit(query: DnsMessage): number {
  const opt = query.additionals.find((rr) => rr.type === RRType.OPT);
  if (!opt) return 512;
  return Math.min(Math.max(opt.class, 512), 1232);
}

/** TCP framing (RFC 1035 §4.2.2): each message is prefixed by its 16-bit length. */
export function frameTcp(msg: Buffer): Buffer {
  const out = Buffer.alloc(msg.length + 2);
  out.writeUInt16BE(msg.length, 0);
  msg.copy(out, 2);
  return out;
}

/** Splits a TCP byte stream into messages; keeps the incomplete tail for the next chunk. */
export function createTcpDeframer(onMessage: (msg: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 2) {
      const len = pending.readUInt16BE(0);
      if (pending.length < 2 + len) break;
      onMessage(pending.subarray(2, 2 + len));
      pending = pending.subarray(2 + len);
    }
  };
}
