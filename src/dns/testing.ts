// Test and benchmark helpers: a minimal DNS client over UDP and TCP, and a stub upstream resolver.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { createTcpDeframer, decodeMessage, encodeMessage, frameTcp, RCode, RRClass, type DnsMessage, type ResourceRecord } from './wire';

/** Sends one message over UDP and returns the decoded reply (rejects after timeoutMs). */
export function queryUdp(host: string, port: number, msg: DnsMessage, timeoutMs = 3000): Promise<DnsMessage> {
  return new Promise((resolve, reject) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const t = setTimeout(() => { s.close(); reject(new Error(`no UDP reply from ${host}:${port}`)); }, timeoutMs);
    s.on('message', (buf) => { clearTimeout(t); s.close(); resolve(decodeMessage(buf)); });
    s.send(encodeMessage(msg), port, host);
  });
}

/** Raw UDP reply bytes (for size/TC checks). */
export function queryUdpRaw(host: string, port: number, msg: Buffer, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const t = setTimeout(() => { s.close(); reject(new Error(`no UDP reply from ${host}:${port}`)); }, timeoutMs);
    s.on('message', (buf) => { clearTimeout(t); s.close(); resolve(buf); });
    s.send(msg, port, host);
  });
}

/** Sends messages over one TCP connection; resolves with the replies in arrival order. */
export function queryTcp(host: string, port: number, msgs: DnsMessage[], timeoutMs = 3000): Promise<DnsMessage[]> {
  return new Promise((resolve, reject) => {
    const out: DnsMessage[] = [];
    const sock = connect({ host, port });
    const t = setTimeout(() => { sock.destroy(); reject(new Error(`TCP replies: got ${out.length}, want ${msgs.length}`)); }, timeoutMs);
    sock.on('error', (e) => { clearTimeout(t); reject(e); });
    sock.on('connect', () => sock.write(Buffer.concat(msgs.map((m) => frameTcp(encodeMessage(m))))));
    sock.on('data', createTcpDeframer((buf) => {
      out.push(decodeMessage(buf));
      if (out.length === msgs.length) { clearTimeout(t); sock.end(); resolve(out); }
    }));
  });
}

export interface StubUpstream {
  port: number;
  /** Questions received, as `name type`. */
  received: string[];
  close(): void;
}

/**
 * A loopback UDP resolver answering from a fixed table (`name` → records); other names get NXDOMAIN
 * with an SOA. Stands in for the node's resolvers so tests never leave the machine.
 */
export function startStubUpstream(records: Record<string, Array<Omit<ResourceRecord, 'name' | 'class'>>>, host = '127.0.0.1'): Promise<StubUpstream> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const received: string[] = [];
    s.on('message', (buf, rinfo) => {
      const q = decodeMessage(buf);
      const qq = q.questions[0]!;
      received.push(`${qq.name.toLowerCase()} ${qq.type}`);
      const recs = (records[qq.name.toLowerCase()] ?? []).filter((r) => r.type === qq.type || r.data.kind === 'CNAME');
      const known = records[qq.name.toLowerCase()] !== undefined;
      const reply: DnsMessage = {
        ...q, qr: true, ra: true, aa: true, rcode: known ? RCode.NOERROR : RCode.NXDOMAIN,
        answers: recs.map((r) => ({ ...r, name: qq.name, class: RRClass.IN })),
        authorities: recs.length ? [] : [{ name: 'example', type: 6, class: 1, ttl: 60, data: { kind: 'SOA', mname: 'ns.example', rname: 'h.example', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 60 } }],
        additionals: [],
      };
      s.send(encodeMessage(reply), rinfo.port, rinfo.address);
    });
    s.bind(0, host, () => resolve({ port: s.address().port, received, close: () => s.close() }));
  });
}
