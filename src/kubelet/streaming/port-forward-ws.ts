// port-forward over the plain channel WebSocket protocol (upstream portforward/websocket.go; used by
// client-node): `?ports=80,443` names the ports; port i gets data channel 2i and error channel 2i+1. The
// first message we send on each channel is its port, 2 bytes little-endian. One pod connection per port
// lives as long as the WebSocket; it closes when every port's connection has ended.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { PortForwardTarget, StreamingLog } from './types';
import { closeNormally, messageBuffer, sendChannel } from './ws-channels';

export const WEBSOCKET_PORT_FORWARD_PROTOCOLS = ['portforward.k8s.io', 'v4.channel.k8s.io'] as const;

function portBytes(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b;
}

export async function servePortForwardWebSocket(
  ws: WebSocket,
  ports: number[],
  target: PortForwardTarget,
  options: { log?: StreamingLog; podName: string },
): Promise<void> {
  const log = options.log;
  const conns: Array<Duplex | undefined> = ports.map(() => undefined);
  const pending: Buffer[][] = ports.map(() => []);
  const gone = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.on('error', (err) => log?.('debug', `port-forward websocket: ${err.message}`));
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    if (!isBinary) return;
    const msg = messageBuffer(data);
    const ch = msg[0];
    if (ch === undefined || ch % 2 !== 0 || ch / 2 >= ports.length) return; // only data channels carry bytes in
    const i = ch / 2;
    const payload = msg.subarray(1);
    const c = conns[i];
    if (c) c.write(payload);
    else pending[i]?.push(payload);
  });

  for (let i = 0; i < ports.length; i++) {
    await sendChannel(ws, 2 * i, portBytes(ports[i] as number)).catch(() => undefined);
    await sendChannel(ws, 2 * i + 1, portBytes(ports[i] as number)).catch(() => undefined);
  }

  const forwardOne = async (i: number): Promise<void> => {
    const port = ports[i] as number;
    let conn: Duplex;
    try {
      conn = await target.dial(port);
    } catch (err) {
      const msg = `error forwarding port ${port} to pod ${options.podName}: ${err instanceof Error ? err.message : String(err)}`;
      log?.('info', msg);
      await sendChannel(ws, 2 * i + 1, Buffer.from(msg)).catch(() => undefined);
      return;
    }
    conns[i] = conn;
    for (const b of pending[i] ?? []) conn.write(b);
    pending[i] = [];
    await new Promise<void>((resolve) => {
      conn.on('data', (chunk: Buffer) => {
        conn.pause();
        sendChannel(ws, 2 * i, chunk).then(() => conn.resume(), () => conn.destroy());
      });
      conn.on('error', (err: Error) => log?.('debug', `port-forward port ${port}: ${err.message}`));
      conn.on('close', () => resolve());
      void gone.then(() => conn.destroy());
    });
  };

  await Promise.all(ports.map((_, i) => forwardOne(i)));
  closeNormally(ws);
  await gone;
}
