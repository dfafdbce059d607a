// The lean front of the data path: HTTP/1.1 requests parsed straight off the client's socket and forwarded
// over pooled upstream connections, the response bytes copied back as the backend framed them. It skips
// Node's http.Server (parser, IncomingMessage, ServerResponse, header objects), which cost more CPU per
// proxied request than everything else in the ingress together, apart from the two send syscalls.
//
//   client bytes ─► head (≤ 64 KiB) ─► simple? ── no ─► hand the connection, bytes unread, to http.Server
//                                        │ yes           (proxy.ts: bodies of unknown length, Expect,
//                                        ▼                Upgrade, HTTP/1.0, odd Connection tokens, …)
//                  matchRoute(current table) ─► 404 │ pick endpoint ─► 503 │ fast-upstream (raw mode)
//                                        ─► status line + end-to-end headers + body bytes, one write when small
//
// "Simple" = HTTP/1.1, origin-form target, no Transfer-Encoding/Upgrade/Expect, no body or a Content-Length
// body ≤ 64 KiB, Connection only keep-alive/close. One request at a time per connection: pipelined requests
// wait in the buffer until the previous response is written. A connection handed to http.Server stays there.
//
// Request headers: hop-by-hop ones dropped, X-Forwarded-For appended, X-Forwarded-Proto/-Host/-Port and
// X-Real-IP set (the same contract as forwardHeaders in proxy.ts).
import type { Socket } from 'node:net';
import type { BackendResolver, Target } from './backends';
import type { FastExchange, FastUpstream } from './fast-upstream';
import type { ListenerInfo } from './proxy';
import { matchRoute, type Backend, type RoutingTable } from './routing';
import type { LogFn } from './types';

const HEAD_LIMIT = 64 * 1024;
const BODY_LIMIT = 64 * 1024;
const IDLE_TIMEOUT = 60_000;
/** Methods the lean path carries; anything else (CONNECT, TRACE, extensions) goes to http.Server. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** A header line: token name, colon, then no CR, LF or NUL. */
const HEADER_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\r\n\0]*$/;
/** An origin-form target: visible ASCII only. */
const TARGET = /^[\x21-\x7e]+$/;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Request headers never forwarded as sent: hop-by-hop ones, and the ones the proxy sets itself. */
const REPLACED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'proxy-authenticate', 'proxy-authorization',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip',
]);
const REASONS: Record<number, string> = { 404: 'Not Found', 502: 'Bad Gateway', 503: 'Service Unavailable' };

export interface RawFrontOptions {
  table: () => RoutingTable;
  resolver: BackendResolver;
  upstream: FastUpstream;
  log: LogFn;
}

export interface RawFront {
  /**
   * Serves a freshly accepted connection (plain, or TLS once the handshake is done). `fallback` must take
   * over the socket as a Node http.Server connection; it is called at a request boundary with the bytes of
   * the next request pushed back onto the socket.
   */
  accept(sock: Socket, l: ListenerInfo, fallback: (sock: Socket) => void): void;
  /** Closes idle connections now and each busy one when its response is done; the rest are cut after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

interface Parsed {
  method: string;
  target: string;
  host: string | undefined;
  bodyLength: number;
  close: boolean;
  /** The head to send upstream, blank line included. */
  upstreamHead: string;
  /** Bytes the request occupies in the buffer (head and body). */
  size: number;
}

/** Parses one request head off `buf`: 'wait' (incomplete), 'fallback' (not simple), or the request. */
function parseRequest(buf: Buffer, l: ListenerInfo, clientIP: string): Parsed | 'wait' | 'fallback' {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return buf.length > HEAD_LIMIT ? 'fallback' : 'wait';
  const text = buf.toString('latin1', 0, end);
  const eol = text.indexOf('\r\n');
  const line = eol < 0 ? text : text.slice(0, eol);
  const sp1 = line.indexOf(' ');
  const sp2 = line.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 <= sp1 + 1 || line.slice(sp2 + 1) !== 'HTTP/1.1') return 'fallback';
  const method = line.slice(0, sp1);
  const target = line.slice(sp1 + 1, sp2);
  if (!METHODS.has(method) || target.charCodeAt(0) !== 47 /* / */ || !TARGET.test(target)) return 'fallback';
  let host: string | undefined;
  let length: string | undefined;
  let xff: string | undefined;
  let close = false;
  let kept = line;
  let dropped = false;
  let pos = eol < 0 ? text.length : eol + 2;
  while (pos < text.length) {
    let next = text.indexOf('\r\n', pos);
    if (next < 0) next = text.length;
    const h = text.slice(pos, next);
    const hStart = pos;
    pos = next + 2;
    // Anything a lenient backend could read differently (bare CR/LF, NUL, obs-fold, a space before the
    // colon) goes to Node's strict parser, which rejects it: no request smuggling through the lean path.
    if (!HEADER_LINE.test(h)) return 'fallback';
    const c = h.indexOf(':');
    const name = h.slice(0, c).toLowerCase();
    switch (name) {
      case 'host':
        if (host !== undefined) return 'fallback';
        host = h.slice(c + 1).trim();
        break;
      case 'content-length':
        if (length !== undefined) return 'fallback';
        length = h.slice(c + 1).trim();
        break;
      case 'transfer-encoding': case 'upgrade': case 'expect': case 'http2-settings':
        return 'fallback';
      case 'connection':
        for (const tok of h.slice(c + 1).split(',')) {
          const t = tok.trim().toLowerCase();
          if (t === 'close') close = true;
          else if (t !== 'keep-alive' && t !== '') return 'fallback';
        }
        break;
      case 'x-forwarded-for': {
        const v = h.slice(c + 1).trim();
        xff = xff === undefined ? v : `${xff}, ${v}`;
        break;
      }
      default:
        break;
    }
    if (REPLACED.has(name)) {
      if (!dropped) { kept = text.slice(0, hStart - 2); dropped = true; }
    } else if (dropped) kept += `\r\n${h}`;
  }
  if (!dropped) kept = text;
  if (host === undefined) return 'fallback'; // HTTP/1.1 requires Host: Node answers 400
  let bodyLength = 0;
  if (length !== undefined) {
    if (!/^\d{1,6}$/.test(length)) return 'fallback';
    bodyLength = Number(length);
    if (bodyLength > BODY_LIMIT) return 'fallback';
  }
  const size = end + 4 + bodyLength;
  if (buf.length < size) return 'wait';
  const fwd = xff === undefined ? clientIP : `${xff}, ${clientIP}`;
  const upstreamHead = `${kept}\r\nx-forwarded-for: ${fwd}\r\nx-forwarded-proto: ${l.scheme}\r\nx-forwarded-host: ${host ?? ''}\r\n`
    + `x-forwarded-port: ${l.port}\r\nx-real-ip: ${clientIP}\r\n\r\n`;
  return { method, target, host, bodyLength, close, upstreamHead, size };
}

/** A response of our own (404, 502, 503); a HEAD request gets its headers only. */
function simpleResponse(code: number, body: string, p: { close: boolean; method: string }): string {
  return `HTTP/1.1 ${code} ${REASONS[code] ?? ''}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`
    + `${p.close ? 'connection: close\r\n' : ''}\r\n${p.method === 'HEAD' ? '' : body}`;
}

export function createRawFront(opts: RawFrontOptions): RawFront {
  const conns = new Map<Socket, { busy: boolean }>();
  let closing = false;
  let drained: (() => void) | undefined;
  const forget = (sock: Socket): void => {
    conns.delete(sock);
    if (closing && conns.size === 0) drained?.();
  };

  function accept(sock: Socket, l: ListenerInfo, fallback: (sock: Socket) => void): void {
    const state = { busy: false };
    conns.set(sock, state);
    const clientIP = (sock.remoteAddress ?? '').replace(/^::ffff:/, '');
    let buf: Buffer | undefined;
    let ex: FastExchange | undefined;
    let ended = false;
    let handedOff = false;

    const handOff = (): void => {
      handedOff = true;
      sock.off('data', onData).off('end', onEnd).off('drain', onDrain).off('close', onClose);
      sock.setTimeout(0);
      sock.off('timeout', onTimeout);
      forget(sock);
      sock.pause();
      if (buf) sock.unshift(buf);
      buf = undefined;
      fallback(sock);
      sock.resume();
    };

    const next = (): void => {
      while (buf && !state.busy && !handedOff && !sock.destroyed && sock.writable) {
        if (closing) { sock.destroy(); return; }
        const p = parseRequest(buf, l, clientIP);
        if (p === 'wait') {
          if (ended) sock.end(); // the client stopped sending in the middle of a request
          return;
        }
        if (p === 'fallback') { handOff(); return; }
        const body = p.bodyLength ? buf.subarray(p.size - p.bodyLength, p.size) : undefined;
        buf = buf.length > p.size ? buf.subarray(p.size) : undefined;
        serve(p, body);
      }
      if (!buf && ended && !state.busy) sock.end();
      else if (!state.busy && sock.isPaused() && !handedOff) sock.resume();
    };

    const done = (closeAfter: boolean): void => {
      state.busy = false;
      ex = undefined;
      if (closeAfter || closing) { sock.end(); forget(sock); return; }
      next();
    };

    /** An answer of our own, written inside next()'s loop (which goes on with the next pipelined request). */
    const answer = (code: number, body: string, p: Parsed): void => {
      sock.write(simpleResponse(code, body, p), 'latin1');
      if (p.close) { sock.end(); forget(sock); }
    };

    function serve(p: Parsed, body: Buffer | undefined): void {
      const route = matchRoute(opts.table(), p.host, p.target);
      if (!route) return answer(404, 'default backend - 404\n', p);
      const b = route.backend;
      const r = opts.resolver.pick(b);
      if (!r.ok) return answer(503, `503 Service Unavailable: no ready endpoints for service ${b.namespace}/${b.service} port ${b.port} (${r.reason})\n`, p);
      state.busy = true;
      // Body bytes are views into the read buffer; copy them, since the exchange may outlive it (retries).
      forward(p, body && Buffer.from(body), r.target, b, 1);
    }

    function forward(p: Parsed, body: Buffer | undefined, t: Target, b: Backend, tries: number): void {
      let head: string | undefined;
      let closeAfter = p.close;
      let started = false;
      ex = opts.upstream.request(t.host, t.port, p.upstreamHead, {
        onHead(r) {
          started = true;
          if (r.framing === 'close') closeAfter = true;
          head = `${r.rawHead}${closeAfter ? 'connection: close\r\n' : ''}\r\n`;
        },
        onData(chunk) {
          if (sock.destroyed) return true;
          if (head !== undefined) {
            // Status line, headers and the first body bytes leave in one write.
            const n = Buffer.byteLength(head, 'latin1');
            const out = Buffer.allocUnsafe(n + chunk.length);
            out.write(head, 0, 'latin1');
            chunk.copy(out, n);
            head = undefined;
            return sock.write(out);
          }
          return sock.write(chunk);
        },
        onEnd() {
          if (head !== undefined) { sock.write(head, 'latin1'); head = undefined; }
          done(closeAfter);
        },
        onError(e) {
          opts.log('debug', `ingress: ${p.method} ${p.host ?? ''}${p.target} → ${t.host}:${t.port}: ${e.message}`);
          if (!started && (e as NodeJS.ErrnoException).code === 'ECONNREFUSED' && tries < 3 && !sock.destroyed) {
            // Nothing reached a backend: safe to try the next endpoint for any method.
            const again = opts.resolver.pick(b);
            if (again.ok && (again.target.host !== t.host || again.target.port !== t.port)) return forward(p, body, again.target, b, tries + 1);
          }
          if (started || sock.destroyed) { sock.destroy(); return; }
          sock.write(simpleResponse(502, `502 Bad Gateway: ${b.namespace}/${b.service}: ${e.message}\n`, p), 'latin1');
          done(p.close);
        },
      }, { body, noBody: p.method === 'HEAD', raw: true, retry: IDEMPOTENT.has(p.method) });
    }

    function onData(d: Buffer): void {
      buf = buf ? Buffer.concat([buf, d]) : d;
      if (state.busy) {
        // Pipelined bytes wait for the current response; stop reading if a client floods.
        if (buf.length > HEAD_LIMIT + BODY_LIMIT) sock.pause();
        return;
      }
      next();
    }
    function onEnd(): void {
      ended = true;
      if (!state.busy) next();
    }
    function onDrain(): void {
      ex?.resume();
    }
    function onTimeout(): void {
      if (!state.busy) sock.destroy();
    }
    function onClose(): void {
      ex?.abort();
      forget(sock);
    }
    sock.on('data', onData);
    sock.on('end', onEnd);
    sock.on('drain', onDrain);
    sock.on('close', onClose);
    sock.on('error', () => undefined);
    // Idle keep-alive connections are closed after a minute, as the http.Server fallback does.
    sock.setTimeout(IDLE_TIMEOUT);
    sock.on('timeout', onTimeout);
  }

  return {
    accept,
    close(graceMs) {
      closing = true;
      for (const [sock, st] of conns) if (!st.busy) { sock.destroy(); conns.delete(sock); }
      if (conns.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const sock of conns.keys()) sock.destroy();
          conns.clear();
          resolve();
        }, graceMs);
        timer.unref();
        drained = () => { clearTimeout(timer); resolve(); };
      });
    },
  };
}
