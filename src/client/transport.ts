// HTTP(S) transport: one keep-alive agent per client, bounded concurrency for ordinary requests, an
// optional client-side token bucket (qps/burst, like client-go's rest.Config), per-request timeouts.
// Watches bypass the in-flight bound and the timeout (they are long-lived by design).
import http from 'node:http';
import https from 'node:https';
import { realClock, type Clock } from './clock';
import type { ClientConfig } from './kubeconfig';
import { TokenBucket } from './token-bucket';

export interface RawRequest {
  method: string;
  /** Path plus query string, e.g. /api/v1/pods?limit=500 */
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface RawResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Transport {
  /** Sends a request and buffers the whole answer (any status code). */
  request(req: RawRequest): Promise<RawResponse>;
  /** Sends a request and hands back the streaming response (for watches and logs); the caller consumes or destroys it. */
  stream(req: RawRequest): Promise<http.IncomingMessage>;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

class Semaphore {
  private free: number;
  private waiters: Array<() => void> = [];
  constructor(n: number) {
    this.free = n;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }
  release(): void {
    const w = this.waiters.shift();
    if (w) w();
    else this.free++;
  }
}

export function createTransport(config: ClientConfig, clock: Clock = realClock): Transport {
  const url = new URL(config.server);
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new Error(`unsupported server URL ${config.server}`);
  const agent = secure
    ? new https.Agent({
        keepAlive: true,
        ca: config.ca,
        cert: config.cert,
        key: config.key,
        rejectUnauthorized: !config.insecureSkipTLSVerify,
        servername: config.tlsServerName,
      })
    : new http.Agent({ keepAlive: true });
  const basePath = url.pathname.replace(/\/+$/, '');
  const limiter = config.qps && config.qps > 0 ? new TokenBucket(config.qps, Math.max(1, config.burst ?? Math.ceil(config.qps)), clock) : undefined;
  const inflight = new Semaphore(config.maxInFlight ?? 64);
  const timeoutMs = config.timeoutMs ?? 60_000;
  const ua = config.userAgent ?? 'berth-client';

  function send(req: RawRequest, timeout: number): Promise<http.IncomingMessage> {
    const headers: Record<string, string> = { 'user-agent': ua, accept: 'application/json', ...req.headers };
    if (config.token) headers.authorization = `Bearer ${config.token}`;
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const opts: https.RequestOptions = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (secure ? 443 : 80),
      method: req.method,
      path: basePath + req.path,
      headers,
      agent,
      signal: req.signal,
    };
    return new Promise((resolve, reject) => {
      const r = (secure ? https : http).request(opts, resolve);
      r.on('error', reject);
      if (timeout > 0) r.setTimeout(timeout, () => r.destroy(new Error(`${req.method} ${req.path}: timed out after ${timeout} ms`)));
      r.end(req.body);
    });
  }

  return {
    async request(req) {
      if (limiter) await limiter.wait(req.signal);
      await inflight.acquire();
      try {
        const res = await send(req, timeoutMs);
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        return { statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
      } finally {
        inflight.release();
      }
    },
    async stream(req) {
      if (limiter) await limiter.wait(req.signal);
      return send(req, 0);
    },
    close() {
      agent.destroy();
    },
  };
}
