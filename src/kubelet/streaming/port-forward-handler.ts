// Entry point for port-forward. Three wire forms, chosen from the request:
//   WebSocket, subprotocol SPDY/3.1+portforward.k8s.io  → a SPDY session inside binary messages (kubectl ≥ 1.31)
//   Upgrade: SPDY/3.1, X-Stream-Protocol-Version: portforward.k8s.io → the same SPDY session on the socket
//   WebSocket, portforward.k8s.io / v4.channel.k8s.io with ?ports= → channel framing (client-node)
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream } from 'ws';
import { parsePort, servePortForwardSpdy } from './port-forward-spdy';
import { servePortForwardWebSocket, WEBSOCKET_PORT_FORWARD_PROTOCOLS } from './port-forward-ws';
import type { PortForwardTarget, StreamingOptions } from './types';
import { acceptSpdyUpgrade, acceptWebSocket, headerList, negotiate, rejectUpgrade, requestQuery, upgradeKind } from './upgrade';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

const DEFAULT_STREAM_CREATION_TIMEOUT_MS = 30_000;

function parsePorts(q: URLSearchParams): number[] | string {
  const ports: number[] = [];
  for (const raw of q.getAll('ports').flatMap((v) => v.split(','))) {
    const p = parsePort(raw.trim());
    if (p === undefined) return `invalid port ${JSON.stringify(raw)}: must be an integer in 1..65535`;
    ports.push(p);
  }
  return ports;
}

async function serve(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget, options: StreamingOptions): Promise<void> {
  const log = options.log;
  const podName = options.podName ?? 'pod';
  const streamCreationTimeoutMs = options.streamCreationTimeoutMs ?? DEFAULT_STREAM_CREATION_TIMEOUT_MS;
  const kind = upgradeKind(req);
  if (kind === 'websocket') {
    const offered = headerList(req, 'sec-websocket-protocol');
    if (offered.includes(SPDY_TUNNEL_PROTOCOL)) {
      let ws;
      try {
        ws = await acceptWebSocket(req, socket, head, SPDY_TUNNEL_PROTOCOL);
      } catch {
        return;
      }
      const tunnel = createWebSocketStream(ws, { allowHalfOpen: false });
      tunnel.on('error', (err: Error) => log?.('debug', `port-forward tunnel: ${err.message}`));
      await servePortForwardSpdy(tunnel, target, { log, streamCreationTimeoutMs, podName });
      return;
    }
    const protocol = offered.length === 0 ? PORT_FORWARD_PROTOCOL : negotiate(offered, WEBSOCKET_PORT_FORWARD_PROTOCOLS);
    if (!protocol) {
      rejectUpgrade(socket, 400, 'BadRequest', `unable to negotiate a websocket protocol: client offers ${offered.join(', ')}, server supports ${[SPDY_TUNNEL_PROTOCOL, ...WEBSOCKET_PORT_FORWARD_PROTOCOLS].join(', ')}`);
      return;
    }
    const ports = options.ports ?? parsePorts(requestQuery(req));
    if (typeof ports === 'string') {
      rejectUpgrade(socket, 400, 'BadRequest', ports);
      return;
    }
    if (ports.length === 0) {
      rejectUpgrade(socket, 400, 'BadRequest', 'query parameter "ports" is required');
      return;
    }
    let ws;
    try {
      ws = await acceptWebSocket(req, socket, head, offered.length === 0 ? undefined : protocol);
    } catch {
      return;
    }
    await servePortForwardWebSocket(ws, ports, target, { log, podName });
    return;
  }
  if (kind === 'spdy') {
    const offered = headerList(req, 'x-stream-protocol-version');
    if (offered.length > 0 && !offered.includes(PORT_FORWARD_PROTOCOL)) {
      rejectUpgrade(socket, 403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ["${PORT_FORWARD_PROTOCOL}"]`);
      return;
    }
    acceptSpdyUpgrade(socket, head, offered.length === 0 ? undefined : PORT_FORWARD_PROTOCOL);
    await servePortForwardSpdy(socket, target, { log, streamCreationTimeoutMs, podName });
    return;
  }
  rejectUpgrade(socket, 400, 'BadRequest', 'port-forward needs an Upgrade to websocket or SPDY/3.1');
}

/**
 * Serves `kubectl port-forward` and client-node's PortForward on an upgrade request
 * (`GET|POST …/portforward[?ports=…]`). Resolves when the connection is over; never rejects.
 */
export function handlePortForwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget, options: StreamingOptions = {}): Promise<void> {
  return serve(req, socket, head, target, options).catch((err: unknown) => {
    options.log?.('error', `port-forward handler failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    socket.destroy();
  });
}
