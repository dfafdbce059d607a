// userspace mode: Node.js TCP and UDP listeners on each service address (ClusterIP, NodePort on the node
// address, externalIPs, LoadBalancer address), forwarding to ready endpoints round-robin.
//
//   client ─► listener (ip:port) ─► pick endpoint (affinity ▸ round-robin) ─► net.connect ─► pipe both ways
//
// Draining: an endpoint leaving the list gets no new connections, but sockets already piped to it are left
// alone until either side closes. A listener whose service port disappears stops accepting (server.close)
// and its open connections likewise finish on their own.
import dgram from 'node:dgram';
import net from 'node:net';
import { realClock, type Clock } from '../client';
import { endpointsForTraffic } from './service-map';
import type { Endpoint, LogFn, Proxier, ServicePortInfo } from './types';

export interface UserspaceProxierOptions {
  nodeIP: string;
  /** Addresses NodePorts are served on (default: the node IP). */
  nodePortAddresses?: string[];
  log: LogFn;
  clock?: Clock;
  /** Idle timeout of a UDP client's session (default 60 s). */
  udpIdleMs?: number;
}

export interface UserspaceProxier extends Proxier {
  /** `proto ip:port` of every listener currently open, for tests. */
  listening(): string[];
}

interface Route {
  /** Current endpoints for this listener's traffic class. */
  endpoints: Endpoint[];
  affinityMs?: number;
}

interface Listener {
  id: string;
  key: string;
  route: Route;
  /** Called after route.endpoints changed: UDP drops sessions whose endpoint is gone. */
  prune?(): void;
  close(): void;
}

/** Round-robin with optional ClientIP affinity; one per listener. */
class Balancer {
  private next = 0;
  private readonly sticky = new Map<string, { ep: string; until: number }>();
  constructor(private readonly clock: Clock) {}

  pick(route: Route, clientIP: string, exclude: ReadonlySet<string>): Endpoint | undefined {
    const eps = route.endpoints.filter((e) => !exclude.has(`${e.ip}:${e.port}`));
    if (eps.length === 0) return undefined;
    const now = this.clock.now();
    if (route.affinityMs !== undefined) {
      const s = this.sticky.get(clientIP);
      const ep = s && s.until > now ? eps.find((e) => `${e.ip}:${e.port}` === s.ep) : undefined;
      if (ep) {
        s!.until = now + route.affinityMs;
        return ep;
      }
    }
    const ep = eps[this.next++ % eps.length]!;
    if (this.next > 1e9) this.next = 0;
    if (route.affinityMs !== undefined) {
      this.sticky.set(clientIP, { ep: `${ep.ip}:${ep.port}`, until: now + route.affinityMs });
      if (this.sticky.size > 10_000) for (const [k, v] of this.sticky) if (v.until <= now) this.sticky.delete(k);
    }
    return ep;
  }
}

/**
 * Copies `from` → `to` with backpressure, and half-closes `to` when `from` ends. Cheaper per chunk than
 * stream.pipe (no pipe bookkeeping per write), which shows at tens of thousands of small requests per second.
 */
function forward(from: net.Socket, to: net.Socket): void {
  from.on('data', (chunk: Buffer) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.once('end', () => to.end());
}

function tcpListener(id: string, key: string, host: string, port: number, route: Route, clock: Clock, log: LogFn): Promise<Listener> {
  const balancer = new Balancer(clock);
  const conns = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (client) => {
    conns.add(client);
    client.on('close', () => conns.delete(client));
    client.on('error', () => undefined);
    const tried = new Set<string>();
    const dial = (): void => {
      const ep = balancer.pick(route, client.remoteAddress ?? '', tried);
      if (!ep) {
        client.destroy();
        return;
      }
      tried.add(`${ep.ip}:${ep.port}`);
      const upstream = net.connect({ host: ep.ip, port: ep.port, noDelay: true });
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        forward(client, upstream);
        forward(upstream, client);
        client.resume();
      });
      upstream.on('error', (err) => {
        if (!connected && !client.destroyed) {
          log('debug', `proxy/userspace ${id}: ${ep.ip}:${ep.port}: ${err.message}; trying another endpoint`);
          dial();
        } else client.destroy();
      });
      upstream.on('close', () => {
        if (connected) client.destroy();
      });
      client.on('close', () => upstream.destroy());
    };
    dial();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', (err) => log('warn', `proxy/userspace ${id}: ${err.message}`));
      resolve({ id, key, route, close: () => server.close() });
    });
  });
}

function udpListener(id: string, key: string, host: string, port: number, route: Route, opts: { clock: Clock; log: LogFn; idleMs: number }): Promise<Listener> {
  const balancer = new Balancer(opts.clock);
  const sessions = new Map<string, { sock: dgram.Socket; last: number; ip: string; port: number }>();
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  const sweep = setInterval(() => {
    const now = opts.clock.now();
    for (const [k, s] of sessions) if (now - s.last > opts.idleMs) {
      s.sock.close();
      sessions.delete(k);
    }
  }, Math.min(opts.idleMs, 10_000));
  sweep.unref();
  sock.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let s = sessions.get(key);
    if (s && !route.endpoints.some((e) => e.ip === s!.ip && e.port === s!.port)) {
      // Its endpoint was removed: like kube-proxy's conntrack flush, the client's next datagram picks anew.
      s.sock.close();
      sessions.delete(key);
      s = undefined;
    }
    if (!s) {
      const ep = balancer.pick(route, rinfo.address, new Set());
      if (!ep) return;
      const up = dgram.createSocket('udp4');
      up.on('message', (reply) => {
        const cur = sessions.get(key);
        if (cur) cur.last = opts.clock.now();
        sock.send(reply, rinfo.port, rinfo.address);
      });
      up.on('error', () => undefined);
      up.connect(ep.port, ep.ip);
      s = { sock: up, last: opts.clock.now(), ip: ep.ip, port: ep.port };
      sessions.set(key, s);
    }
    s.last = opts.clock.now();
    const session = s;
    const send = (): void => session.sock.send(msg, (err) => err && opts.log('debug', `proxy/userspace ${id}: ${err.message}`));
    // connect() is asynchronous; a datagram sent before it completes would throw ERR_SOCKET_DGRAM_NOT_CONNECTED.
    try {
      send();
    } catch {
      session.sock.once('connect', send);
    }
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: host, port, exclusive: true }, () => {
      sock.off('error', reject);
      sock.on('error', (err) => opts.log('warn', `proxy/userspace ${id}: ${err.message}`));
      resolve({
        id,
        key,
        route,
        prune: () => {
          for (const [k, s] of sessions) {
            if (route.endpoints.some((e) => e.ip === s.ip && e.port === s.port)) continue;
            s.sock.close();
            sessions.delete(k);
          }
        },
        close: () => {
          clearInterval(sweep);
          for (const s of sessions.values()) s.sock.close();
          sessions.clear();
          sock.close();
        },
      });
    });
  });
}

interface Want {
  id: string;
  key: string;
  host: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  endpoints: Endpoint[];
  affinityMs?: number;
}

function wanted(state: readonly ServicePortInfo[], nodePortAddresses: readonly string[]): Map<string, Want> {
  const out = new Map<string, Want>();
  for (const sp of state) {
    if (sp.protocol === 'SCTP') continue;
    const protocol = sp.protocol;
    const add = (host: string, port: number, external: boolean): void => {
      const id = `${protocol} ${host}:${port}`;
      const w: Want = { id, key: sp.key, host, port, protocol, endpoints: endpointsForTraffic(sp, external) };
      if (sp.affinityTimeoutSeconds !== undefined) w.affinityMs = sp.affinityTimeoutSeconds * 1000;
      out.set(id, w);
    };
    add(sp.clusterIP, sp.port, false);
    for (const ip of sp.externalIPs) add(ip, sp.port, true);
    for (const ip of sp.loadBalancerIPs) add(ip, sp.port, true);
    if (sp.nodePort !== undefined) for (const ip of nodePortAddresses) add(ip, sp.nodePort, true);
  }
  return out;
}

export function createUserspaceProxier(opts: UserspaceProxierOptions): UserspaceProxier {
  const clock = opts.clock ?? realClock;
  const log = opts.log;
  const nodePortAddresses = opts.nodePortAddresses ?? [opts.nodeIP];
  const listeners = new Map<string, Listener>();
  /** Listeners that failed to bind, with the error, so a warning is logged once per address. */
  const failed = new Map<string, string>();

  return {
    mode: 'userspace',
    listening: () => [...listeners.keys()].sort(),
    async sync(state) {
      const want = wanted(state, nodePortAddresses);
      for (const [id, l] of listeners) {
        if (want.has(id)) continue;
        l.close();
        listeners.delete(id);
      }
      for (const id of failed.keys()) if (!want.has(id)) failed.delete(id);
      for (const w of want.values()) {
        const existing = listeners.get(w.id);
        if (existing) {
          // Swap the endpoint list in place: new connections use it, open ones keep their upstream.
          existing.route.endpoints = w.endpoints;
          if (w.affinityMs === undefined) delete existing.route.affinityMs;
          else existing.route.affinityMs = w.affinityMs;
          existing.prune?.();
          continue;
        }
        const route: Route = { endpoints: w.endpoints, ...(w.affinityMs !== undefined ? { affinityMs: w.affinityMs } : {}) };
        try {
          const l = w.protocol === 'TCP'
            ? await tcpListener(w.id, w.key, w.host, w.port, route, clock, log)
            : await udpListener(w.id, w.key, w.host, w.port, route, { clock, log, idleMs: opts.udpIdleMs ?? 60_000 });
          listeners.set(w.id, l);
          failed.delete(w.id);
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          if (failed.get(w.id) !== msg) log('warn', `proxy/userspace: cannot listen on ${w.id}: ${msg}`);
          failed.set(w.id, msg);
        }
      }
    },
    async describe() {
      return [...listeners.values()].map((l) => `${l.id} ${l.key} -> ${l.route.endpoints.map((e) => `${e.ip}:${e.port}`).join(',')}`).sort().join('\n');
    },
    async cleanup() {
      for (const l of listeners.values()) l.close();
      listeners.clear();
      failed.clear();
    },
  };
}
