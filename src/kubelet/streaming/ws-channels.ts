// The channel.k8s.io WebSocket framing shared by exec/attach and the plain port-forward protocol: every
// binary message starts with one byte naming the channel; the rest is that channel's payload.
import { Writable } from 'node:stream';
import type { WebSocket } from 'ws';

export const CHANNEL_STDIN = 0;
export const CHANNEL_STDOUT = 1;
export const CHANNEL_STDERR = 2;
export const CHANNEL_ERROR = 3;
export const CHANNEL_RESIZE = 4;
/** v5: the client closed the channel named by the next byte (only stdin is meaningful). */
export const CHANNEL_CLOSE = 255;

export function channelMessage(channel: number, payload: Buffer): Buffer {
  const msg = Buffer.allocUnsafe(payload.length + 1);
  msg[0] = channel;
  payload.copy(msg, 1);
  return msg;
}

/** Sends on a channel; resolves once ws handed the frame to the socket (the caller's backpressure). */
export function sendChannel(ws: WebSocket, channel: number, payload: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ws.readyState !== ws.OPEN) return reject(new Error('websocket is closed'));
    ws.send(channelMessage(channel, payload), { binary: true }, (err) => (err ? reject(err) : resolve()));
  });
}

/** A Writable whose bytes go out on one channel, with the socket's backpressure. */
export function channelWriter(ws: WebSocket, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      sendChannel(ws, channel, chunk).then(() => cb(), cb);
    },
  });
}

/** The payload of a binary message as one Buffer. */
export function messageBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Closes with 1000: kubectl reports 1005 (a bare close frame) as an error. */
export function closeNormally(ws: WebSocket): void {
  if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000, '');
  setTimeout(() => ws.terminate(), 5000).unref();
}
