// A lean HTTP/1.1 client for the proxy's common case: a request forwarded over a pooled keep-alive
// connection. Node's http.request costs about twice the CPU per request of this path, which matters when
// the ingress shares two cores with its backends.
//
//   send head (+ a small buffered body) ─► read response head (≤ 64 KiB)
//     ─► body by Content-Length | chunked | until close (none for HEAD, 204, 304)
//     ─► connection back to the idle pool only if the response ended cleanly and was framed (not
//        close-delimited), and nobody said `Connection: close`
//
// Two ways to hand the response on:
//   decoded (default): headers as an object without hop-by-hop ones, the body de-chunked (proxy.ts writes
//     them through a ServerResponse);
//   raw: the status line and end-to-end header lines as one latin1 string, the body bytes exactly as the
//     backend framed them, chunk sizes included (raw-front.ts copies them to the client's socket).
//
// A pooled connection the backend already closed fails before the first response byte; such a request is
// retried once on a fresh connection when `retry` allows it (idempotent requests only).
import { connect, type Socket } from 'node:net';
import type { OutgoingHttpHeaders } from 'node:http';
import { createChunkScanner, type ChunkScanner } from './chunk-scanner';

export interface FastResponse {
  status: number;
  reason: string;
  /** Decoded mode: end-to-end headers (Content-Length restated when known). Raw mode: empty. */
  headers: OutgoingHttpHeaders;
  /**
   * Raw mode: `HTTP/1.1 <status> <reason>\r\n` and the end-to-end header lines, each ending in CRLF, without
   * the blank line (the caller adds its own connection header, then CRLF).
   */
  rawHead: string;
  /** How the body is delimited: 'close' means the body runs until the backend closes the connection. */
  framing: 'length' | 'chunked' | 'close' | 'none';
  /** Whether the backend asked to close the connection. */
  close: boolean;
}

export interface FastHandlers {
  onHead(r: FastResponse): void;
  /** A piece of the body (`last`: no more data follows); return false to pause until resume(). */
  onData(chunk: Buffer, last: boolean): boolean;
  onEnd(): void;
  onError(err: Error): void;
}

export interface FastExchange {
  resume(): void;
  abort(): void;
}

export interface FastRequestOptions {
  /** Request body bytes sent right after the head (the head must carry the matching Content-Length). */
  body?: Buffer;
  /** The request was HEAD: the response has no body whatever its headers say. */
  noBody?: boolean;
  /** Hand the response on raw (see above). */
  raw?: boolean;
  /** Retry once on a fresh connection when a pooled one fails before any response byte (default true). */
  retry?: boolean;
}

const HEAD_LIMIT = 64 * 1024;
const MAX_IDLE = 64;
/** Hop-by-hop response headers dropped in decoded mode (the body is de-chunked, so the framing headers go too). */
const DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** Hop-by-hop response headers dropped in raw mode (the body keeps its framing, so Transfer-Encoding and Trailer stay). */
const DROP_RAW = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade']);

export class FastUpstream {
  private idle = new Map<string, Socket[]>();

  private take(host: string, port: number): { sock: Socket; reused: boolean } {
    const list = this.idle.get(`${host}:${port}`);
    while (list?.length) {
      const s = list.pop()!;
      if (!s.destroyed && s.readable && s.writable) {
        s.removeAllListeners('close').removeAllListeners('error').removeAllListeners('data');
        return { sock: s, reused: true };
      }
    }
    const sock = connect({ host, port, noDelay: true });
    return { sock, reused: false };
  }

  private give(host: string, port: number, sock: Socket): void {
    const key = `${host}:${port}`;
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    if (list.length >= MAX_IDLE) { sock.destroy(); return; }
    sock.removeAllListeners('data').removeAllListeners('close').removeAllListeners('error').removeAllListeners('end');
    sock.resume();
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      const i = list.indexOf(sock);
      if (i >= 0) list.splice(i, 1);
    });
    list.push(sock);
  }

  /** Sends `head` (a complete request head ending in CRLF CRLF, latin1) and `o.body` to host:port. */
  request(host: string, port: number, head: string, h: FastHandlers, o: FastRequestOptions = {}): FastExchange {
    const { sock, reused } = this.take(host, port);
    const raw = o.raw === true;
    let buf: Buffer | undefined;
    let phase: 'head' | 'body' | 'done' = 'head';
    let mode: FastResponse['framing'] = 'none';
    let remaining = 0;
    let chunks: ChunkScanner | undefined;
    let keep = true;
    let gotBytes = false;
    let inner: FastExchange | undefined;

    const finish = (): void => {
      if (phase === 'done') return;
      phase = 'done';
      if (keep && mode !== 'close' && buf === undefined) this.give(host, port, sock);
      else sock.destroy();
      h.onEnd();
    };
    const fail = (e: Error): void => {
      if (phase === 'done') return;
      phase = 'done';
      sock.destroy();
      if (reused && o.retry !== false && !gotBytes) {
        inner = this.request(host, port, head, h, { ...o, retry: false });
        return;
      }
      h.onError(e);
    };
    const deliver = (b: Buffer, last: boolean): void => {
      if ((b.length || last) && !h.onData(b, last)) sock.pause();
    };

    const parseHead = (): boolean => {
      const end = buf!.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf!.length > HEAD_LIMIT) fail(new Error('response head too large'));
        return false;
      }
      const text = buf!.toString('latin1', 0, end);
      const lines = text.split('\r\n');
      const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
      if (!m) { fail(new Error(`malformed status line ${JSON.stringify(lines[0])}`)); return false; }
      const status = Number(m[2]);
      const rest = buf!.subarray(end + 4);
      buf = rest.length ? rest : undefined;
      if (status >= 100 && status < 200) return true; // interim response: skip, parse the next head
      const headers: OutgoingHttpHeaders = {};
      let rawHead = raw ? `HTTP/1.1 ${m[2]!} ${m[3] ?? ''}\r\n` : '';
      let length = -1, chunked = false;
      let connTokens: string[] | undefined;
      keep = m[1] === '1';
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i]!;
        const c = line.indexOf(':');
        if (c <= 0) continue;
        const k = line.slice(0, c).trim().toLowerCase();
        const v = line.slice(c + 1).trim();
        if (k === 'content-length') length = Number(v);
        else if (k === 'transfer-encoding') chunked = v.toLowerCase().includes('chunked');
        else if (k === 'connection') {
          const t = v.toLowerCase();
          if (t.includes('close')) keep = false;
          else if (t.includes('keep-alive')) keep = true;
          for (const tok of t.split(',')) {
            const x = tok.trim();
            if (x && x !== 'close' && x !== 'keep-alive') (connTokens ??= []).push(x);
          }
        }
        if (raw) {
          if (!DROP_RAW.has(k)) rawHead += `${line}\r\n`;
          continue;
        }
        if (DROP.has(k)) continue;
        const prev = headers[k];
        headers[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
      }
      if (connTokens) {
        // Headers named by Connection are hop-by-hop too (RFC 9110 §7.6.1).
        if (raw) rawHead = rawHead.split('\r\n').filter((l) => !connTokens.includes(l.slice(0, l.indexOf(':')).trim().toLowerCase())).join('\r\n');
        else for (const t of connTokens) delete headers[t];
      }
      if (o.noBody || status === 204 || status === 304) mode = 'none';
      else if (chunked) { mode = 'chunked'; chunks = createChunkScanner(); }
      else if (length >= 0) {
        mode = 'length';
        remaining = length;
        if (!raw) headers['content-length'] = String(length);
      } else mode = 'close';
      phase = 'body';
      h.onHead({ status, reason: m[3] ?? '', headers, rawHead, framing: mode, close: !keep });
      return true;
    };

    const parseBody = (): void => {
      if (mode === 'none') { if (buf) keep = false; finish(); return; }
      if (mode === 'length' && remaining === 0) { if (buf) keep = false; finish(); return; }
      if (!buf) return;
      const b = buf;
      if (mode === 'close') { buf = undefined; deliver(b, false); return; }
      if (mode === 'length') {
        const take = Math.min(remaining, b.length);
        remaining -= take;
        buf = take < b.length ? b.subarray(take) : undefined;
        deliver(take < b.length ? b.subarray(0, take) : b, remaining === 0);
        if (remaining === 0 && phase === 'body') { if (buf) keep = false; finish(); }
        return;
      }
      // chunked
      const sc = chunks!;
      const end = sc.scan(b, raw ? undefined : (s, e) => deliver(b.subarray(s, e), false));
      if (sc.error) { fail(new Error(sc.error)); return; }
      if (raw) {
        const upTo = end >= 0 ? end : b.length;
        buf = end >= 0 && end < b.length ? b.subarray(end) : undefined;
        deliver(upTo < b.length ? b.subarray(0, upTo) : b, end >= 0);
      } else {
        buf = end >= 0 && end < b.length ? b.subarray(end) : undefined;
        if (end >= 0) deliver(Buffer.alloc(0), true);
      }
      if (end >= 0 && phase === 'body') { if (buf) keep = false; finish(); }
    };

    sock.on('data', (d: Buffer) => {
      gotBytes = true;
      if (phase === 'done') return;
      buf = buf ? Buffer.concat([buf, d]) : d;
      while (phase === 'head' && buf) if (!parseHead()) return;
      if (phase === 'body') parseBody();
    });
    sock.on('end', () => {
      if (phase === 'body' && mode === 'close') { finish(); return; }
      fail(new Error('backend closed the connection'));
    });
    sock.on('close', () => fail(new Error('backend connection closed')));
    sock.on('error', (e) => fail(e));
    if (o.body?.length) {
      sock.cork();
      sock.write(head, 'latin1');
      sock.write(o.body);
      sock.uncork();
    } else sock.write(head, 'latin1');

    return {
      resume: () => (inner ? inner.resume() : sock.resume()),
      abort: () => {
        if (inner) { inner.abort(); return; }
        if (phase !== 'done') { phase = 'done'; sock.destroy(); }
      },
    };
  }

  close(): void {
    for (const list of this.idle.values()) for (const s of list) s.destroy();
    this.idle.clear();
  }
}
