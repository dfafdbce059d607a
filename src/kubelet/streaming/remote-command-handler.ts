// Entry points for exec and attach: pick the transport from the Upgrade header, negotiate the protocol
// version, complete the upgrade and serve. Mounted by the kubelet's HTTPS server on its 'upgrade' event.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecSession } from '../runtime';
import { SPDY_REMOTE_COMMAND_PROTOCOLS, WEBSOCKET_REMOTE_COMMAND_PROTOCOLS } from './remote-command';
import { serveRemoteCommandSpdy } from './remote-command-spdy';
import { serveRemoteCommandWebSocket } from './remote-command-ws';
import type { AttachTarget, ExecTarget, RemoteCommandOptions, StreamingOptions } from './types';
import {
  acceptSpdyUpgrade, acceptWebSocket, headerList, negotiate, parseRemoteCommandOptions, rejectUpgrade,
  requestQuery, upgradeKind,
} from './upgrade';

const DEFAULT_STREAM_CREATION_TIMEOUT_MS = 30_000;

async function serve(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  verb: 'exec' | 'attach',
  start: (opts: RemoteCommandOptions) => Promise<ExecSession>,
  options: StreamingOptions,
): Promise<void> {
  const log = options.log;
  const opts = { ...(options.remoteCommand ?? parseRemoteCommandOptions(requestQuery(req))) };
  if (verb === 'exec' && opts.command.length === 0) {
    rejectUpgrade(socket, 400, 'BadRequest', 'you must specify at least one command for the container');
    return;
  }
  if (!opts.stdin && !opts.stdout && !opts.stderr) {
    rejectUpgrade(socket, 400, 'BadRequest', 'you must specify at least 1 of stdin, stdout, stderr');
    return;
  }
  if (opts.tty && opts.stderr) opts.stderr = false; // as upstream: a TTY carries stderr in stdout
  const kind = upgradeKind(req);
  if (kind === 'websocket') {
    const offered = headerList(req, 'sec-websocket-protocol');
    const protocol = offered.length === 0 ? 'channel.k8s.io' : negotiate(offered, WEBSOCKET_REMOTE_COMMAND_PROTOCOLS);
    if (!protocol) {
      // kubectl falls back to SPDY on a non-101 answer.
      rejectUpgrade(socket, 400, 'BadRequest', `unable to negotiate a websocket protocol: client offers ${offered.join(', ')}, server supports ${WEBSOCKET_REMOTE_COMMAND_PROTOCOLS.join(', ')}`);
      return;
    }
    let ws;
    try {
      ws = await acceptWebSocket(req, socket, head, offered.length === 0 ? undefined : protocol);
    } catch {
      return;
    }
    await serveRemoteCommandWebSocket(ws, protocol, opts, () => start(opts), log);
    return;
  }
  if (kind === 'spdy') {
    const offered = headerList(req, 'x-stream-protocol-version');
    const protocol = offered.length === 0 ? 'channel.k8s.io' : negotiate(offered, SPDY_REMOTE_COMMAND_PROTOCOLS);
    if (!protocol) {
      rejectUpgrade(socket, 403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(SPDY_REMOTE_COMMAND_PROTOCOLS)}`);
      return;
    }
    acceptSpdyUpgrade(socket, head, offered.length === 0 ? undefined : protocol);
    await serveRemoteCommandSpdy(socket, protocol, opts, () => start(opts), {
      log,
      streamCreationTimeoutMs: options.streamCreationTimeoutMs ?? DEFAULT_STREAM_CREATION_TIMEOUT_MS,
    });
    return;
  }
  rejectUpgrade(socket, 400, 'BadRequest', `${verb} needs an Upgrade to websocket (channel.k8s.io subprotocols) or SPDY/3.1`);
}

function guarded(p: Promise<void>, socket: Duplex, options: StreamingOptions): Promise<void> {
  return p.catch((err: unknown) => {
    options.log?.('error', `streaming handler failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    socket.destroy();
  });
}

/**
 * Serves `kubectl exec` on an upgrade request (`GET|POST …/exec?command=…&stdin=&stdout=&stderr=&tty=`).
 * Resolves when the session is over; never rejects.
 */
export function handleExecUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ExecTarget, options: StreamingOptions = {}): Promise<void> {
  return guarded(serve(req, socket, head, 'exec', (o) => target.exec(o), options), socket, options);
}

/**
 * Serves `kubectl attach` (`…/attach?stdin=&stdout=&stderr=&tty=`). Resolves when over; never rejects.
 * As upstream (ServeAttach), the end of an attachment is reported as Success whatever the container's exit
 * code: `kubectl run -it` reads that code from the pod's status, and would otherwise warn that it
 * "couldn't attach" and replay the logs.
 */
export function handleAttachUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: AttachTarget, options: StreamingOptions = {}): Promise<void> {
  const attach = async (o: RemoteCommandOptions): Promise<ExecSession> => {
    const s = await target.attach(o);
    return { ...s, exit: s.exit.then(() => 0) };
  };
  return guarded(serve(req, socket, head, 'attach', attach, options), socket, options);
}
