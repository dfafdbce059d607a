// The HTTP(S) data path: match the request against the current routing table, pick a ready endpoint,
// and stream the request and response through a keep-alive agent.
//
//   request ─► table (snapshot) ─► no route: 404 ─► backend without endpoints: 503 ─► upstream request
//     X-Forwarded-For (appended), -Proto, -Host, -Port; hop-by-hop headers dropped both ways
//   upgrade (WebSocket) ─► same routing ─► raw TCP to the endpoint, request re-sent, bytes piped both ways
//
// Errors before the upstream answered become 502; after, the client connection is cut (the status
// line is already gone). A client that goes away aborts its upstream request.
import { Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { BackendResolver, Target } from './backends';
import { FastUpstream, type FastExchange } from './fast-upstream';
import { matchRoute, type Backend, type RoutingTable } from './routing';
import type { LogFn } from './types';

/** Responses up to this size (with a Content-Length) are buffered and sent in one write. */
const SMALL_BODY = 64 * 1024;
/** Bodiless requests with these methods take the lean pooled client (fast-upstream.ts). */
const FAST_METHODS = new Set(['GET', 'DELETE', 'OPTIONS']);
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate', 'proxy-authorization']);

export interface ListenerInfo { scheme: 'http' | 'https'; port: number }

export interface IngressProxy {
  handleRequest(req: IncomingMessage, res: ServerResponse, l: ListenerInfo): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, l: ListenerInfo): void;
  close(): void;
}

function connectionTokens(h: IncomingHttpHeaders): Set<string> | undefined {
  const c = h.connection;
  if (!c) return undefined;
  return new Set(c.toLowerCase().split(',').map((s) => s.trim()).filter((s) => s));
}

function clientIP(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** Request headers for the backend: end-to-end headers plus the X-Forwarded-* set. */
export function forwardHeaders(req: IncomingMessage, l: ListenerInfo): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const conn = connectionTokens(req.headers);
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || conn?.has(k)) continue;
    out[k] = v;
  }
  const ip = clientIP(req);
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${ip}` : ip;
  out['x-forwarded-proto'] = l.scheme;
  out['x-forwarded-host'] = req.headers.host ?? '';
  out['x-forwarded-port'] = String(l.port);
  out['x-real-ip'] = ip;
  return out;
}

function responseHeaders(res: IncomingMessage): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const conn = connectionTokens(res.headers);
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || conn?.has(k)) continue;
    out[k] = v;
  }
  return out;
}

function sendText(res: ServerResponse, code: number, body: string): void {
  if (res.headersSent) { res.destroy(); return; }
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function rawError(socket: Duplex, code: number, reason: string, body: string): void {
  socket.end(`HTTP/1.1 ${code} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** `upstream`: the pooled client to share with raw-front.ts (closed by close() either way). */
export function createIngressProxy(opts: { table: () => RoutingTable; resolver: BackendResolver; log?: LogFn; agent?: Agent; upstream?: FastUpstream }): IngressProxy {
  const log = opts.log ?? (() => undefined);
  const agent = opts.agent ?? new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256, scheduling: 'lifo' });
  const fast = opts.upstream ?? new FastUpstream();

  /**
   * The bodiless fast path. A connection refused by one endpoint (a pod going away during a rollout) is retried
   * on the next endpoint, up to 3 tries: nothing reached a backend, so this is safe for any method.
   */
  function fastProxy(req: IncomingMessage, res: ServerResponse, first: Target, l: ListenerInfo, b: Backend): void {
    let head = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(forwardHeaders(req, l))) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const one of v) head += `${k}: ${one}\r\n`;
      else head += `${k}: ${v}\r\n`;
    }
    head += '\r\n';
    req.resume();
    let started = false, ended = false;
    let ex: FastExchange | undefined;
    const attempt = (t: Target, tries: number): void => {
      ex = fast.request(t.host, t.port, head, {
        onHead(r) {
          started = true;
          res.writeHead(r.status, r.reason || undefined, r.headers);
        },
        onData(chunk, last) {
          if (last) {
            ended = true;
            res.end(chunk);
            return true;
          }
          return res.write(chunk);
        },
        onEnd() {
          if (!ended) res.end();
        },
        onError(e) {
          log('debug', `ingress: ${req.method} ${req.headers.host ?? ''}${req.url ?? ''} → ${t.host}:${t.port}: ${e.message}`);
          if (!started && (e as NodeJS.ErrnoException).code === 'ECONNREFUSED' && tries < 3 && !res.destroyed) {
            const next = opts.resolver.pick(b);
            if (next.ok && (next.target.host !== t.host || next.target.port !== t.port)) return attempt(next.target, tries + 1);
          }
          if (!started) sendText(res, 502, `502 Bad Gateway: ${b.namespace}/${b.service}: ${e.message}\n`);
          else res.destroy();
        },
      });
    };
    attempt(first, 1);
    res.on('drain', () => ex?.resume());
    res.on('close', () => {
      if (!res.writableFinished) ex?.abort();
    });
  }

  return {
    handleRequest(req, res, l) {
      const route = matchRoute(opts.table(), req.headers.host, req.url ?? '/');
      if (!route) return sendText(res, 404, 'default backend - 404\n');
      const r = opts.resolver.pick(route.backend);
      const b = route.backend;
      if (!r.ok) return sendText(res, 503, `503 Service Unavailable: no ready endpoints for service ${b.namespace}/${b.service} port ${b.port} (${r.reason})\n`);
      const cl = req.headers['content-length'];
      const bodiless = req.headers['transfer-encoding'] === undefined && (cl === undefined || cl === '0');
      if (bodiless && FAST_METHODS.has(req.method ?? '') && !req.headers.upgrade) {
        fastProxy(req, res, r.target, l, b);
        return;
      }
      const up = httpRequest({ host: r.target.host, port: r.target.port, method: req.method, path: req.url, headers: forwardHeaders(req, l), agent });
      up.setNoDelay(true);
      up.on('response', (ur) => {
        ur.on('error', () => res.destroy());
        const len = Number(ur.headers['content-length']);
        if (req.method !== 'HEAD' && len >= 0 && len <= SMALL_BODY) {
          // Small bodies of known length leave in one write with the status line and headers.
          const chunks: Buffer[] = [];
          ur.on('data', (c: Buffer) => chunks.push(c));
          ur.on('end', () => {
            res.writeHead(ur.statusCode ?? 502, ur.statusMessage, responseHeaders(ur));
            res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
          });
          return;
        }
        res.writeHead(ur.statusCode ?? 502, ur.statusMessage, responseHeaders(ur));
        ur.pipe(res);
      });
      up.on('error', (e) => {
        log('debug', `ingress: ${req.method} ${req.headers.host ?? ''}${req.url ?? ''} → ${r.target.host}:${r.target.port}: ${e.message}`);
        if (!res.writableEnded) sendText(res, 502, `502 Bad Gateway: ${b.namespace}/${b.service}: ${e.message}\n`);
      });
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      if (!bodiless) req.pipe(up);
      else {
        up.end();
        req.resume();
      }
    },

    handleUpgrade(req, socket, head, l) {
      socket.on('error', () => undefined);
      const route = matchRoute(opts.table(), req.headers.host, req.url ?? '/');
      if (!route) return rawError(socket, 404, 'Not Found', 'default backend - 404\n');
      const r = opts.resolver.pick(route.backend);
      if (!r.ok) return rawError(socket, 503, 'Service Unavailable', `no ready endpoints for service ${route.backend.namespace}/${route.backend.service}\n`);
      const headers = forwardHeaders(req, l);
      // An upgrade keeps Connection/Upgrade: they are what is being negotiated.
      headers.connection = req.headers.connection ?? 'Upgrade';
      if (req.headers.upgrade) headers.upgrade = req.headers.upgrade;
      let head1 = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`;
      for (const [k, v] of Object.entries(headers)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [String(v)]) head1 += `${k}: ${one}\r\n`;
      }
      head1 += '\r\n';
      const up: Socket = connect({ host: r.target.host, port: r.target.port });
      up.setNoDelay(true);
      up.on('connect', () => {
        up.write(head1);
        if (head.length) up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', (e) => {
        if (up.bytesRead === 0 && socket.writable) rawError(socket, 502, 'Bad Gateway', `${e.message}\n`);
        else socket.destroy();
      });
      up.on('close', () => socket.destroy());
      socket.on('close', () => up.destroy());
    },

    close() {
      agent.destroy();
      fast.close();
    },
  };
}
