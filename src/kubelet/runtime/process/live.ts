// The kubelet's side of a running container: the FIFO readers that relay its stdout/stderr into the
// CRI log (and to attached clients), and the promise of its exit.
import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { LogStream } from '../log-format';
import { CriLogWriter, type LogWriterOptions } from '../log-writer';
import type { OutputListener } from './attach';

export interface Live {
  writer?: CriLogWriter;
  sockets: Socket[];
  /** Resolves when every writer of both FIFOs has closed them (the container and its children). */
  outputsEnded: Promise<void>;
  stdin?: NodeJS.WritableStream;
  exited: Promise<void>;
  markExited: () => void;
  listeners: Set<OutputListener>;
  poll?: NodeJS.Timeout;
  lastCpu?: { cpuNs: number; atNs: bigint };
}

/**
 * Opens the log writer and non-blocking readers on the stdout/stderr FIFOs. The read ends are opened
 * O_NONBLOCK (no wait for a writer) and driven by libuv as pipes, not by the thread pool. A number is a
 * read end opened already (O_RDONLY|O_NONBLOCK, e.g. by the spawner thread), which the Live now owns.
 */
export function openLive(logPath: string, fifos: Array<string | number>, writerOpts: LogWriterOptions): Live {
  let markExited!: () => void;
  const exited = new Promise<void>((r) => (markExited = r));
  const live: Live = { sockets: [], outputsEnded: Promise.resolve(), exited, markExited, listeners: new Set() };
  live.writer = new CriLogWriter(logPath, writerOpts);
  const ends: Array<Promise<void>> = [];
  (['stdout', 'stderr'] as LogStream[]).forEach((stream, i) => {
    let fd: number;
    const f = fifos[i];
    try {
      fd = typeof f === 'number' ? f : openSync(f ?? '', constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      return; // adoption of a container whose FIFO is gone: its status still counts, its output is lost
    }
    const sock = new Socket({ fd, readable: true, writable: false });
    sock.on('data', (b: Buffer) => {
      live.writer?.write(stream, b);
      for (const l of live.listeners) l(stream, b);
    });
    sock.on('error', () => undefined);
    ends.push(new Promise((r) => sock.once('close', () => {
      live.writer?.endStream(stream);
      r();
    })));
    live.sockets.push(sock);
  });
  live.outputsEnded = Promise.all(ends).then(() => undefined);
  return live;
}

/** Stops relaying (the container keeps running; its FIFOs buffer until someone reopens them). */
export function closeLive(live: Live): void {
  if (live.poll) clearInterval(live.poll);
  for (const s of live.sockets) s.destroy();
  live.writer?.close();
  live.writer = undefined;
}
