// exec/attach over SPDY/3.1 (upstream remotecommand httpstream.go): the client opens one stream per
// channel, each with a `streamtype` header (error, stdin, stdout, stderr, resize). We wait until every
// stream the query announced exists, then run the command; the error stream carries the outcome.
import type { Duplex } from 'node:stream';
import type { ExecSession } from '../runtime';
import { ResizeDecoder, ResizeRelay } from './resize';
import { runRemoteCommand, supportsResize, type ClientStreams } from './remote-command';
import { SpdySession, type SpdyStream } from './spdy-session';
import type { RemoteCommandOptions, StreamingLog } from './types';

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

function expectedStreams(protocol: string, opts: RemoteCommandOptions): Set<StreamType> {
  const want = new Set<StreamType>(['error']);
  if (opts.stdin) want.add('stdin');
  if (opts.stdout) want.add('stdout');
  if (opts.stderr && !opts.tty) want.add('stderr');
  if (opts.tty && supportsResize(protocol)) want.add('resize');
  return want;
}

export async function serveRemoteCommandSpdy(
  transport: Duplex,
  protocol: string,
  opts: RemoteCommandOptions,
  start: () => Promise<ExecSession>,
  options: { log?: StreamingLog; streamCreationTimeoutMs: number },
): Promise<void> {
  const want = expectedStreams(protocol, opts);
  const got = new Map<StreamType, SpdyStream>();
  let ready!: () => void;
  const allStreams = new Promise<void>((r) => { ready = r; });
  const session = new SpdySession(transport, {
    log: options.log,
    onStream: (s) => {
      const type = s.header('streamtype') as StreamType | undefined;
      if (!type || !want.has(type) || got.has(type)) {
        options.log?.('debug', `exec spdy: unexpected stream type ${String(type)}`);
        s.reset();
        return;
      }
      got.set(type, s);
      if (got.size === want.size) ready();
    },
  });
  // A stream we do not read would hold data; output streams carry nothing from the client.
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), options.streamCreationTimeoutMs).unref());
  const outcome = await Promise.race([allStreams.then(() => 'ready' as const), timer, session.closed.then(() => 'closed' as const)]);
  if (outcome !== 'ready') {
    options.log?.('info', `exec spdy: ${outcome === 'timeout' ? 'timed out waiting for the client to create streams' : 'client went away'}`);
    session.destroy();
    return;
  }
  for (const t of ['stdout', 'stderr', 'error'] as const) got.get(t)?.resume();

  const relay = new ResizeRelay();
  const resizeStream = got.get('resize');
  if (resizeStream) {
    const dec = new ResizeDecoder();
    resizeStream.on('data', (c: Buffer) => { for (const s of dec.push(c)) relay.push(s); });
  }
  const errorStream = got.get('error') as SpdyStream;
  const client: ClientStreams = {
    protocol,
    stdin: got.get('stdin'),
    stdout: got.get('stdout'),
    stderr: got.get('stderr'),
    onResize: resizeStream ? relay.subscribe : undefined,
    writeError: (payload) => new Promise((resolve, reject) => errorStream.write(payload, (err) => (err ? reject(err) : resolve()))),
    finish: () => {
      errorStream.end(() => session.close());
      // An error stream already destroyed never calls back.
      if (errorStream.destroyed) session.close();
    },
    gone: session.closed,
  };
  await runRemoteCommand(client, start, options.log);
}
