// The transport-independent half of exec/attach (upstream: kubelet remotecommand ServeExec/ServeAttach):
// wire the client's streams to the runtime's ExecSession, then report the outcome on the error stream and
// close. The WebSocket and SPDY transports each build a ClientStreams and call runRemoteCommand.
import type { Readable, Writable } from 'node:stream';
import type { ExecSession } from '../runtime';
import { exitCodeStatus, internalErrorStatus, type StatusBody } from './status';
import type { StreamingLog } from './types';
import type { TerminalSize } from './resize';

/** Protocol versions, in the server's order of preference, for each transport. */
export const WEBSOCKET_REMOTE_COMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;
/** Upstream kubelets speak up to v4 over SPDY (v5 only adds the WebSocket close-stdin message). */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;

/** v4+ write a JSON metav1.Status on the error stream; older versions write an error text, nothing on success. */
export function usesJsonStatus(protocol: string): boolean {
  return protocol === 'v4.channel.k8s.io' || protocol === 'v5.channel.k8s.io';
}

/** v3+ have the resize stream. */
export function supportsResize(protocol: string): boolean {
  return protocol === 'v3.channel.k8s.io' || usesJsonStatus(protocol);
}

export interface ClientStreams {
  protocol: string;
  /** Bytes from the client for the process's stdin; ends when the client closes stdin. */
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Subscribes to terminal resizes from the client. */
  onResize?: (cb: (size: TerminalSize) => void) => void;
  /** Writes the error-stream payload (already encoded for the protocol). */
  writeError(payload: Buffer): Promise<void>;
  /** Closes the connection once everything written is flushed. */
  finish(): void;
  /** Resolves when the client goes away (connection closed), so the session can be stopped. */
  gone: Promise<void>;
}

export function encodeStatus(protocol: string, status: StatusBody): Buffer | undefined {
  if (usesJsonStatus(protocol)) return Buffer.from(JSON.stringify(status));
  if (status.status === 'Success') return undefined;
  return Buffer.from(status.message ?? 'error');
}

function ended(stream: Readable | undefined, sink: Writable | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!stream) return resolve();
    if (!sink) {
      stream.on('end', resolve).on('close', resolve).on('error', () => resolve());
      stream.resume();
      return;
    }
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    stream.on('error', finish);
    sink.on('error', finish).on('close', finish).on('finish', finish);
    stream.pipe(sink);
  });
}

/**
 * Runs one exec/attach over already-established client streams. Never rejects: failures go to the client
 * as a Status on the error stream, and to `log`.
 */
export async function runRemoteCommand(client: ClientStreams, start: () => Promise<ExecSession>, log?: StreamingLog): Promise<void> {
  let session: ExecSession;
  try {
    session = await start();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    log?.('info', `exec/attach failed to start: ${msg}`);
    const payload = encodeStatus(client.protocol, internalErrorStatus(msg));
    if (payload) await client.writeError(payload).catch(() => undefined);
    client.finish();
    return;
  }
  let clientGone = false;
  void client.gone.then(() => {
    clientGone = true;
    session.close();
  });

  if (client.stdin) {
    const sink = session.stdin;
    if (sink) {
      sink.on('error', (err: Error) => log?.('debug', `exec stdin: ${err.message}`));
      client.stdin.pipe(sink);
    } else {
      client.stdin.resume();
    }
  }
  client.onResize?.((size) => session.resize(size.width, size.height));

  const outputs = Promise.all([ended(session.stdout, client.stdout), ended(session.stderr, client.stderr)]);
  let code: number;
  try {
    code = await session.exit;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    await outputs;
    if (!clientGone) {
      const payload = encodeStatus(client.protocol, internalErrorStatus(msg));
      if (payload) await client.writeError(payload).catch(() => undefined);
    }
    client.finish();
    return;
  }
  await outputs;
  if (!clientGone) {
    const payload = encodeStatus(client.protocol, exitCodeStatus(code));
    if (payload) await client.writeError(payload).catch(() => undefined);
  }
  client.finish();
}
