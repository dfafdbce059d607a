// exec/attach over WebSocket (channel.k8s.io v1–v5): channels 0 stdin, 1 stdout, 2 stderr, 3 error,
// 4 resize; v5 adds 255 (client closed stdin). The server closes with code 1000 after the error channel.
import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ExecSession } from '../runtime';
import { ResizeDecoder, ResizeRelay } from './resize';
import { runRemoteCommand, supportsResize, type ClientStreams } from './remote-command';
import type { RemoteCommandOptions, StreamingLog } from './types';
import {
  CHANNEL_CLOSE, CHANNEL_ERROR, CHANNEL_RESIZE, CHANNEL_STDERR, CHANNEL_STDIN, CHANNEL_STDOUT,
  channelWriter, closeNormally, messageBuffer, sendChannel,
} from './ws-channels';

export async function serveRemoteCommandWebSocket(
  ws: WebSocket,
  protocol: string,
  opts: RemoteCommandOptions,
  start: () => Promise<ExecSession>,
  log?: StreamingLog,
): Promise<void> {
  const stdin = opts.stdin ? new PassThrough() : undefined;
  const relay = new ResizeRelay();
  const resize = new ResizeDecoder();
  const gone = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  void gone.then(() => stdin?.end());

  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    if (!isBinary) return; // base64.channel.k8s.io is not offered
    const msg = messageBuffer(data);
    if (msg.length === 0) return;
    const payload = msg.subarray(1);
    switch (msg[0]) {
      case CHANNEL_STDIN:
        if (stdin && !stdin.writableEnded && payload.length > 0) stdin.write(payload);
        return;
      case CHANNEL_RESIZE:
        if (supportsResize(protocol)) for (const s of resize.push(payload)) relay.push(s);
        return;
      case CHANNEL_CLOSE:
        if (payload[0] === CHANNEL_STDIN) stdin?.end();
        return;
      default:
        log?.('debug', `exec websocket: ignoring a message on channel ${msg[0]}`);
    }
  });
  ws.on('error', (err) => log?.('debug', `exec websocket: ${err.message}`));

  const client: ClientStreams = {
    protocol,
    stdin,
    stdout: opts.stdout ? channelWriter(ws, CHANNEL_STDOUT) : undefined,
    stderr: opts.stderr && !opts.tty ? channelWriter(ws, CHANNEL_STDERR) : undefined,
    onResize: opts.tty ? relay.subscribe : undefined,
    writeError: (payload) => sendChannel(ws, CHANNEL_ERROR, payload),
    finish: () => closeNormally(ws),
    gone,
  };
  await runRemoteCommand(client, start, log);
}
