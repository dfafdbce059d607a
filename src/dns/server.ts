// The DNS server: UDP and TCP listeners in front of one query handler.
//
//   datagram / TCP frame ─► decode ─► cluster zone ─┬─ answer (AA)
//                                                   ├─ forward ─► forwarder (cache, upstreams) ─► answer (RA)
//                                                   └─ ExternalName outside the zone ─► CNAME + upstream answers
//   ─► encode (UDP: truncated with TC past the requester's limit; TCP: length-framed)
import { createSocket, type Socket } from 'node:dgram';
import { createServer, isIPv6, type Server } from 'node:net';
import type { ClusterZone } from './cluster-zone';
import type { Forwarder } from './forwarder';
import type { LogFn } from './types';
import {
  createTcpDeframer, decodeMessage, DnsFormatError, encodeMessage, frameTcp, optRecord, RCode, RRType, udpLimit,
  type DnsMessage,
} from './wire';

export interface QueryHandler {
  /** The encoded reply to one query message, or undefined when none should be sent (e.g. a response). */
  handle(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined>;
  /**
   * The memoised reply to a query seen before (same question bytes, flags and size limit) while the zone is
   * unchanged, without decoding it or waiting for a promise; undefined means "ask handle()".
   */
  cached(query: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined;
}

const OPT = 41;

/**
 * The memo key of a plain query, read straight off the wire: the question bytes as asked (name case kept),
 * RD, the reply size limit and whether EDNS was used. Undefined for anything else (responses, other opcodes,
 * several questions, answers/authorities, compression in the question, additionals other than one OPT),
 * which then takes the decoding path and is never memoised.
 */
export function memoKey(buf: Buffer, transport: 'udp' | 'tcp'): string | undefined {
  if (buf.length < 17) return undefined;
  const flags = buf.readUInt16BE(2);
  if ((flags & 0xf800) !== 0) return undefined; // QR=1 or opcode ≠ QUERY
  if (buf.readUInt16BE(4) !== 1 || buf.readUInt16BE(6) !== 0 || buf.readUInt16BE(8) !== 0) return undefined;
  const ar = buf.readUInt16BE(10);
  if (ar > 1) return undefined;
  let i = 12;
  for (;;) {
    const len = buf[i];
    if (len === undefined || (len & 0xc0) !== 0) return undefined;
    i += len + 1;
    if (len === 0) break;
    if (i - 12 > 255) return undefined;
  }
  const qend = i + 4;
  if (qend > buf.length) return undefined;
  let limit = transport === 'udp' ? 512 : 0;
  if (ar === 1) {
    // One OPT pseudo-record (RFC 6891): root name, type 41, class = the requester's UDP payload size.
    if (buf[qend] !== 0 || qend + 11 > buf.length || buf.readUInt16BE(qend + 1) !== OPT) return undefined;
    if (qend + 11 + buf.readUInt16BE(qend + 9) !== buf.length) return undefined;
    if (transport === 'udp') limit = Math.min(Math.max(buf.readUInt16BE(qend + 3), 512), 1232);
  } else if (qend !== buf.length) return undefined;
  return `${buf.toString('latin1', 12, qend)}|${flags & 0x0100 ? 1 : 0}|${limit}|${ar}`;
}

/**
 * `version` must change whenever the zone's inputs change (any informer event that can change an answer):
 * encoded cluster answers are memoised per memoKey() until it does, so a repeated query costs a key read
 * off the wire, a Map lookup, a copy and a 2-byte id patch.
 */
export function createQueryHandler(opts: { zone: ClusterZone; forwarder?: Forwarder; log?: LogFn; version?: () => number }): QueryHandler {
  const log = opts.log ?? (() => undefined);
  const memo = new Map<string, Buffer>();
  let memoVersion = -1;
  const MEMO_MAX = 10_000;

  const reply = (q: DnsMessage, part: Partial<DnsMessage>): DnsMessage => ({
    id: q.id, qr: true, opcode: q.opcode, aa: false, tc: false, rd: q.rd, ra: true, rcode: RCode.NOERROR,
    questions: q.questions, answers: [], authorities: [], additionals: [], ...part,
  });

  /** The reply, and whether it came from the cluster zone alone (memoisable). */
  async function answer(q: DnsMessage): Promise<{ msg: DnsMessage; zoneOnly: boolean }> {
    const own = (msg: DnsMessage): { msg: DnsMessage; zoneOnly: boolean } => ({ msg, zoneOnly: false });
    if (q.opcode !== 0) return own(reply(q, { rcode: RCode.NOTIMP }));
    const question = q.questions[0];
    if (q.questions.length !== 1 || !question) return own(reply(q, { rcode: RCode.FORMERR }));
    const z = opts.zone.resolve(question);
    if (z.kind === 'answer') {
      const out = reply(q, { aa: true, rcode: z.rcode, answers: z.answers, authorities: z.authorities, additionals: z.additionals });
      if (z.chase && opts.forwarder) {
        try {
          const up = await opts.forwarder.query({ name: z.chase.name, type: z.chase.type, class: question.class });
          out.answers = [...out.answers, ...up.answers];
          out.aa = false;
        } catch (e) {
          log('debug', `dns: chasing ExternalName ${z.chase.name}: ${String(e)}`);
        }
      }
      return { msg: out, zoneOnly: !z.chase };
    }
    if (!opts.forwarder) return own(reply(q, { rcode: RCode.REFUSED }));
    try {
      const up = await opts.forwarder.query(question);
      return own(reply(q, { rcode: up.rcode, answers: up.answers, authorities: up.authorities, additionals: up.additionals }));
    } catch (e) {
      log('debug', `dns: forwarding ${question.name}: ${String(e)}`);
      return own(reply(q, { rcode: RCode.SERVFAIL }));
    }
  }

  const current = (): boolean => {
    if (!opts.version) return false;
    const v = opts.version();
    if (v !== memoVersion) { memo.clear(); memoVersion = v; }
    return true;
  };

  function cached(buf: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    if (!current()) return undefined;
    const key = memoKey(buf, transport);
    const hit = key === undefined ? undefined : memo.get(key);
    if (!hit) return undefined;
    const out = Buffer.allocUnsafe(hit.length);
    hit.copy(out);
    out[0] = buf[0]!;
    out[1] = buf[1]!;
    return out;
  }

  return {
    cached,
    async handle(buf, transport) {
      const hit = cached(buf, transport);
      if (hit) return hit;
      let q: DnsMessage;
      try {
        q = decodeMessage(buf);
      } catch (e) {
        if (!(e instanceof DnsFormatError) || buf.length < 12) return undefined;
        // Echo the header with FORMERR (RFC 1035 §4.1.1) so the client does not wait for a timeout.
        const h = Buffer.from(buf.subarray(0, 12));
        h.writeUInt16BE((h.readUInt16BE(2) & 0x7900) | 0x8000 | RCode.FORMERR, 2);
        h.fill(0, 4);
        return h;
      }
      if (q.qr) return undefined;
      const edns = q.additionals.some((rr) => rr.type === RRType.OPT);
      const limit = transport === 'udp' ? udpLimit(q) : 0;
      const key = current() ? memoKey(buf, transport) : undefined;
      const version = memoVersion;
      const { msg: r, zoneOnly } = await answer(q);
      r.additionals = r.additionals.filter((rr) => rr.type !== RRType.OPT);
      if (edns) r.additionals.push(optRecord(1232));
      const out = encodeMessage(r, limit ? { maxSize: limit } : {});
      if (key !== undefined && zoneOnly && version === opts.version?.()) {
        if (memo.size >= MEMO_MAX) memo.clear();
        memo.set(key, Buffer.from(out));
      }
      return out;
    },
  };
}

export interface ListenAddress { host: string; port: number }

export interface DnsListeners {
  /** Where UDP and TCP are bound (the same port for both). */
  addresses: ListenAddress[];
  close(): Promise<void>;
}

/**
 * Binds UDP and TCP on every address (port 0 picks one free port used for both). Rejects with the
 * bind error (EADDRNOTAVAIL, EACCES, EADDRINUSE) of the first address that fails, closing the rest.
 */
export async function listenDns(handler: QueryHandler, addrs: ListenAddress[], log: LogFn): Promise<DnsListeners> {
  const udps: Socket[] = [];
  const tcps: Server[] = [];
  const bound: ListenAddress[] = [];
  const closeAll = async (): Promise<void> => {
    for (const s of udps) s.close();
    await Promise.all(tcps.map((t) => new Promise<void>((res) => {
      t.close(() => res());
      (t as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    })));
  };
  try {
    for (const a of addrs) {
      const { udp, tcp, port } = await bindPair(handler, a, log);
      udps.push(udp);
      tcps.push(tcp);
      bound.push({ host: a.host, port });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return { addresses: bound, close: closeAll };
}

async function bindPair(handler: QueryHandler, a: ListenAddress, log: LogFn): Promise<{ udp: Socket; tcp: Server; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(handler, a, log);
    const port = udp.address().port;
    try {
      const tcp = await bindTcp(handler, { host: a.host, port }, log);
      return { udp, tcp, port };
    } catch (e) {
      udp.close();
      // With port 0 the UDP port may be taken for TCP by someone else: pick another.
      if (a.port !== 0 || attempt >= 5) throw e;
    }
  }
}

function bindUdp(handler: QueryHandler, a: ListenAddress, log: LogFn): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: isIPv6(a.host) ? 'udp6' : 'udp4' });
    s.once('error', reject);
    s.on('message', (buf, rinfo) => {
      const hit = handler.cached(buf, 'udp');
      if (hit) { s.send(hit, rinfo.port, rinfo.address); return; }
      handler.handle(buf, 'udp').then((out) => {
        if (out) s.send(out, rinfo.port, rinfo.address);
      }, (e: unknown) => log('warn', `dns: udp query from ${rinfo.address}: ${String(e)}`));
    });
    s.bind(a.port, a.host, () => {
      s.off('error', reject);
      s.on('error', (e) => log('warn', `dns: udp ${a.host}:${a.port}: ${e.message}`));
      resolve(s);
    });
  });
}

function bindTcp(handler: QueryHandler, a: ListenAddress, log: LogFn): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer((sock) => {
      sock.setNoDelay(true);
      sock.setTimeout(10_000, () => sock.destroy()); // RFC 7766 idle timeout
      sock.on('error', () => undefined);
      sock.on('data', createTcpDeframer((msg) => {
        handler.handle(Buffer.from(msg), 'tcp').then((out) => {
          if (out && !sock.destroyed) sock.write(frameTcp(out));
        }, (e: unknown) => log('warn', `dns: tcp query: ${String(e)}`));
      }));
    });
    srv.once('error', reject);
    srv.listen(a.port, a.host, () => {
      srv.off('error', reject);
      resolve(srv);
    });
  });
}
