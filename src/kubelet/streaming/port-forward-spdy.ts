// port-forward over a SPDY session (upstream portforward/httpstream.go): for every local connection kubectl
// opens two streams with headers `streamtype` (error | data), `port` and `requestid`. Once both streams of a
// request id exist we dial the pod's port and copy bytes both ways; a dial failure is written as text on
// the error stream. The same session runs over a raw upgraded socket or inside a WebSocket tunnel.
import type { Duplex } from 'node:stream';
import { SpdySession, type SpdyStream } from './spdy-session';
import type { PortForwardTarget, StreamingLog } from './types';

interface Pair {
  port: number;
  error?: SpdyStream;
  data?: SpdyStream;
  timer?: NodeJS.Timeout;
}

export function parsePort(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** Serves port-forward on an established SPDY transport; resolves when the connection is gone. */
export async function servePortForwardSpdy(
  transport: Duplex,
  target: PortForwardTarget,
  options: { log?: StreamingLog; streamCreationTimeoutMs: number; podName: string },
): Promise<void> {
  const log = options.log;
  const pairs = new Map<string, Pair>();
  const conns = new Set<Duplex>();

  const forward = async (id: string, p: Pair): Promise<void> => {
    const data = p.data as SpdyStream;
    const error = p.error as SpdyStream;
    error.resume(); // the client sends nothing on it, only its FIN
    let conn: Duplex;
    try {
      conn = await target.dial(p.port);
    } catch (err) {
      const msg = `error forwarding port ${p.port} to pod ${options.podName}: ${err instanceof Error ? err.message : String(err)}`;
      log?.('info', msg);
      error.end(msg);
      data.end();
      data.resume();
      return;
    }
    if (data.destroyed) {
      conn.destroy();
      return;
    }
    conns.add(conn);
    conn.on('error', (err: Error) => log?.('debug', `port-forward ${id} (port ${p.port}): ${err.message}`));
    conn.on('close', () => {
      conns.delete(conn);
      if (!data.writableEnded) data.end(); // pod side gone: FIN to the client
      if (!error.writableEnded) error.end();
    });
    data.on('close', () => conn.destroy());
    data.pipe(conn); // client FIN → half-close towards the pod
    conn.pipe(data);
  };

  const session = new SpdySession(transport, {
    log,
    onStream: (s) => {
      const type = s.header('streamtype');
      const port = parsePort(s.header('port'));
      const id = s.header('requestid') ?? `stream-${s.id}`;
      if ((type !== 'error' && type !== 'data') || port === undefined) {
        log?.('debug', `port-forward: refusing stream ${s.id} (streamtype=${String(type)}, port=${String(s.header('port'))})`);
        s.reset();
        return;
      }
      let p = pairs.get(id);
      if (!p) {
        p = { port };
        pairs.set(id, p);
        const pair = p;
        p.timer = setTimeout(() => {
          // Half a pair never completed: upstream resets both.
          pairs.delete(id);
          pair.error?.reset();
          pair.data?.reset();
        }, options.streamCreationTimeoutMs).unref();
      }
      if (p[type]) {
        s.reset();
        return;
      }
      p[type] = s;
      if (p.error && p.data) {
        clearTimeout(p.timer);
        pairs.delete(id);
        void forward(id, p);
      }
    },
  });
  await session.closed;
  for (const p of pairs.values()) clearTimeout(p.timer);
  for (const c of conns) c.destroy();
}
