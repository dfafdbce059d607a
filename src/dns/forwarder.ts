// Forwarding of names outside the cluster zone to upstream resolvers (the node's /etc/resolv.conf by
// default), with a small answer cache and one in-flight query per (name, type, class).
//
//   query ─► cache hit? ─► answer (TTLs aged)
//     │ miss
//     └─► in flight already? ─► share its promise
//           └─► UDP to upstream[0] ── timeout ─► upstream[1] … ── all failed ─► reject (server says SERVFAIL)
//                  └─ TC set ─► same upstream over TCP
import { createSocket, type Socket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { randomInt } from 'node:crypto';
import { realClock, type Clock } from '../client';
import { cacheKey, createAnswerCache, type AnswerCache } from './cache';
import {
  buildQuery, createTcpDeframer, decodeMessage, encodeMessage, frameTcp, RRType, type DnsMessage, type Question,
} from './wire';

export interface Upstream { host: string; port: number }

/** `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353` → host and port (53 by default). */
export function parseUpstream(s: string): Upstream {
  const t = s.trim();
  const br = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (br) return { host: br[1]!, port: br[2] ? Number(br[2]) : 53 };
  if (isIPv6(t)) return { host: t, port: 53 };
  const m = /^([^:]+)(?::(\d+))?$/.exec(t);
  if (!m) throw new Error(`invalid upstream resolver ${JSON.stringify(s)}: expected host, host:port or [v6]:port`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 53 };
}

/** The nameservers of a resolv.conf text, in order. */
export function nameserversOf(resolvConf: string): string[] {
  const out: string[] = [];
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push(m[1]!.replace(/%.*$/, ''));
  }
  return out;
}

export interface ForwarderOptions {
  upstreams: Upstream[];
  /** Per-upstream attempt timeout (default 2000 ms). */
  timeoutMs?: number;
  clock?: Clock;
  cache?: AnswerCache;
}

export interface Forwarder {
  /** Resolves with the upstream's answer (id 0); rejects when no upstream answered. */
  query(q: Question): Promise<DnsMessage>;
  close(): void;
}

interface Pending { resolve(m: DnsMessage): void; upstream: Upstream; q: Question }

export function createForwarder(opts: ForwarderOptions): Forwarder {
  const clock = opts.clock ?? realClock;
  const timeoutMs = opts.timeoutMs ?? 2000;
  const cache = opts.cache ?? createAnswerCache({ clock });
  const inflight = new Map<string, Promise<DnsMessage>>();
  const pending = new Map<number, Pending>();
  const sockets = new Map<'udp4' | 'udp6', Socket>();
  let closed = false;

  const socketFor = (host: string): Socket => {
    const fam = isIPv6(host) ? 'udp6' : 'udp4';
    let s = sockets.get(fam);
    if (!s) {
      s = createSocket(fam);
      s.on('message', (buf, rinfo) => {
        let m: DnsMessage;
        try { m = decodeMessage(buf); } catch { return; }
        const p = pending.get(m.id);
        if (!p || rinfo.port !== p.upstream.port) return;
        const q = m.questions[0];
        if (!q || q.name.toLowerCase() !== p.q.name.toLowerCase() || q.type !== p.q.type) return; // spoofed or stale
        pending.delete(m.id);
        p.resolve(m);
      });
      s.on('error', () => undefined);
      s.unref();
      sockets.set(fam, s);
    }
    return s;
  };

  const freshId = (): number => {
    for (;;) {
      const id = randomInt(0, 0x10000);
      if (!pending.has(id)) return id;
    }
  };

  /** One UDP attempt; undefined on timeout. */
  const viaUdp = (u: Upstream, q: Question): Promise<DnsMessage | undefined> =>
    new Promise((resolve) => {
      const id = freshId();
      const cancel = clock.setTimeout(() => {
        pending.delete(id);
        resolve(undefined);
      }, timeoutMs);
      pending.set(id, { upstream: u, q, resolve: (m) => { cancel(); resolve(m); } });
      const msg = encodeMessage(buildQuery(id, q.name, q.type, { udpSize: 1232 }));
      socketFor(u.host).send(msg, u.port, u.host, (err) => {
        if (err) { pending.delete(id); cancel(); resolve(undefined); }
      });
    });

  const viaTcp = (u: Upstream, q: Question): Promise<DnsMessage | undefined> =>
    new Promise((resolve) => {
      const id = freshId();
      const sock = connect({ host: u.host, port: u.port });
      const finish = (m: DnsMessage | undefined): void => { cancel(); sock.destroy(); resolve(m); };
      const cancel = clock.setTimeout(() => finish(undefined), timeoutMs);
      sock.on('error', () => finish(undefined));
      sock.on('connect', () => sock.write(frameTcp(encodeMessage(buildQuery(id, q.name, q.type)))));
      sock.on('data', createTcpDeframer((buf) => {
        try {
          const m = decodeMessage(buf);
          if (m.id === id) finish(m);
        } catch {
          finish(undefined);
        }
      }));
    });

  async function ask(q: Question): Promise<DnsMessage> {
    for (const u of opts.upstreams) {
      if (closed) break;
      let m = await viaUdp(u, q);
      if (m?.tc) m = await viaTcp(u, q);
      if (m) return m;
    }
    throw new Error(`no upstream resolver answered ${q.name} ${q.type} (tried ${opts.upstreams.map((u) => `${u.host}:${u.port}`).join(', ') || 'none'})`);
  }

  return {
    query(q) {
      const key = cacheKey(q.name, q.type, q.class);
      const hit = cache.get(key);
      if (hit) return Promise.resolve(hit);
      let p = inflight.get(key);
      if (!p) {
        p = ask(q).then((m) => {
          const clean = { ...m, additionals: m.additionals.filter((rr) => rr.type !== RRType.OPT) };
          cache.put(key, clean);
          return clean;
        }).finally(() => inflight.delete(key));
        inflight.set(key, p);
      }
      return p;
    },
    close() {
      closed = true;
      for (const s of sockets.values()) s.close();
      sockets.clear();
    },
  };
}
