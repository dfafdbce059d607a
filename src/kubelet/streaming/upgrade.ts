// HTTP/1.1 upgrade plumbing shared by the handlers: reading the request, refusing it with a Status, the
// SPDY/3.1 101 answer, and a WebSocket handshake that accepts subprotocol names `ws` would refuse.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { httpErrorStatus } from './status';
import type { RemoteCommandOptions } from './types';

export function requestQuery(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://localhost').searchParams;
}

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && (v === '1' || v.toLowerCase() === 'true');
}

/** The exec/attach query: the API server sends `true`, the kubelet URL form `1`; both are accepted. */
export function parseRemoteCommandOptions(q: URLSearchParams): RemoteCommandOptions {
  return {
    command: q.getAll('command'),
    stdin: flag(q, 'stdin'),
    stdout: flag(q, 'stdout'),
    stderr: flag(q, 'stderr'),
    tty: flag(q, 'tty'),
  };
}

export type UpgradeKind = 'websocket' | 'spdy' | 'none';

export function upgradeKind(req: IncomingMessage): UpgradeKind {
  const up = (req.headers.upgrade ?? '').toLowerCase();
  if (up === 'websocket') return 'websocket';
  if (up.startsWith('spdy/3.1')) return 'spdy';
  return 'none';
}

/** Every value of a possibly repeated, comma-separated header. */
export function headerList(req: IncomingMessage, name: string): string[] {
  const values = req.headersDistinct[name.toLowerCase()] ?? [];
  return values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The first protocol the client offers that the server supports (upstream's order of preference). */
export function negotiate(offered: string[], supported: readonly string[]): string | undefined {
  return offered.find((p) => supported.includes(p));
}

/** Answers a not-yet-upgraded request with a Kubernetes Status and closes the socket. */
export function rejectUpgrade(socket: Duplex, code: number, reason: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(httpErrorStatus(code, reason, message));
  const text = STATUS_TEXT[code] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };

/** Completes a SPDY/3.1 upgrade; the socket then carries SPDY frames (starting with `head`). */
export function acceptSpdyUpgrade(socket: Duplex, head: Buffer, protocol: string | undefined): void {
  const proto = protocol ? `X-Stream-Protocol-Version: ${protocol}\r\n` : '';
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${proto}\r\n`);
  if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
  if (head.length > 0) socket.unshift(head);
}

// `ws` validates subprotocol names as HTTP tokens and so refuses `SPDY/3.1+portforward.k8s.io`. We take the
// header away before the handshake and write the negotiated protocol back into the 101 ourselves.
const chosenProtocol = new WeakMap<IncomingMessage, string>();
let wss: WebSocketServer | undefined;

function server(): WebSocketServer {
  if (!wss) {
    wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    wss.on('headers', (headers: string[], req: IncomingMessage) => {
      const p = chosenProtocol.get(req);
      if (p) headers.push(`Sec-WebSocket-Protocol: ${p}`);
    });
  }
  return wss;
}

/**
 * Completes a WebSocket handshake answering `protocol` (or none). Resolves with the socket; rejects when the
 * handshake is invalid (ws has then already answered the client with a 4xx).
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string | undefined): Promise<WebSocket> {
  delete req.headers['sec-websocket-protocol'];
  if (protocol) chosenProtocol.set(req, protocol);
  return new Promise((resolve, reject) => {
    const onClose = (): void => reject(new Error('websocket handshake failed'));
    socket.once('close', onClose);
    server().handleUpgrade(req, socket, head, (ws) => {
      socket.off('close', onClose);
      if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
      resolve(ws);
    });
  });
}
