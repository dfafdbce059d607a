// Reads CRI-format container logs the way `kubectl logs` wants them (served by the kubelet):
// tailLines, sinceTime, timestamps, limitBytes, and follow. Rotated files (path.N … path.1) are read
// before the live file, oldest first.
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatTimestamp, parseLogLine, parseTimestamp, type LogRecord, type LogStream } from './log-format';
import { logFiles } from './log-writer';

export interface ReadLogsOptions {
  /** Only the last N lines (a line is a run of P records ended by an F record). */
  tailLines?: number;
  /** Only records at or after this time (RFC 3339 string or Date). */
  sinceTime?: string | Date;
  /** Prefix each line with its RFC 3339 nanosecond timestamp and a space. */
  timestamps?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  /** Only one stream (default both, interleaved as written). */
  stream?: LogStream;
}

export interface FollowLogsOptions extends ReadLogsOptions {
  /** How often to look for new output (default 100 ms). */
  pollMs?: number;
}

function sinceNs(opts: ReadLogsOptions): bigint | undefined {
  if (opts.sinceTime === undefined) return undefined;
  if (opts.sinceTime instanceof Date) return BigInt(opts.sinceTime.getTime()) * 1_000_000n;
  const ns = parseTimestamp(opts.sinceTime);
  if (ns === undefined) throw new Error(`sinceTime: "${opts.sinceTime}" is not an RFC 3339 time`);
  return ns;
}

/** Turns records into kubectl's output; remembers per stream whether the next record starts a line. */
class Formatter {
  private readonly atLineStart: Record<LogStream, boolean> = { stdout: true, stderr: true };
  private emitted = 0;
  private readonly since: bigint | undefined;

  constructor(private readonly opts: ReadLogsOptions) {
    this.since = sinceNs(opts);
  }

  get done(): boolean {
    return this.opts.limitBytes !== undefined && this.emitted >= this.opts.limitBytes;
  }

  format(records: LogRecord[]): Buffer {
    const parts: Buffer[] = [];
    for (const r of records) {
      if (this.done) break;
      if (this.opts.stream && r.stream !== this.opts.stream) continue;
      if (this.since !== undefined && r.timeNs < this.since) continue;
      let piece = r.partial ? r.content : Buffer.concat([r.content, Buffer.from('\n')]);
      if (this.opts.timestamps && this.atLineStart[r.stream]) {
        piece = Buffer.concat([Buffer.from(`${formatTimestamp(r.timeNs)} `), piece]);
      }
      this.atLineStart[r.stream] = !r.partial;
      if (this.opts.limitBytes !== undefined && this.emitted + piece.length > this.opts.limitBytes) {
        piece = piece.subarray(0, this.opts.limitBytes - this.emitted);
      }
      this.emitted += piece.length;
      parts.push(piece);
    }
    return Buffer.concat(parts);
  }
}

/** Splits raw file bytes into parsed records; returns the unparsed remainder (an unfinished last line). */
function splitRecords(data: Buffer, into: LogRecord[]): Buffer {
  let start = 0;
  for (;;) {
    const nl = data.indexOf(0x0a, start);
    if (nl < 0) break;
    const rec = parseLogLine(data.subarray(start, nl));
    if (rec) into.push(rec);
    start = nl + 1;
  }
  return data.subarray(start);
}

/** Index of the first record of the last `n` lines. */
function tailStart(records: LogRecord[], n: number, stream: LogStream | undefined): number {
  if (n <= 0) return records.length;
  let full = 0;
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (!r || (stream && r.stream !== stream) || r.partial) continue;
    full++;
    if (full === n + 1) return i + 1;
  }
  return 0;
}

function readAllRecords(path: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const f of logFiles(path)) {
    try {
      splitRecords(readFileSync(f), records);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // rotated away meanwhile
    }
  }
  return records;
}

/** The whole (filtered) log as kubectl prints it. A missing log file reads as empty. */
export async function readLogs(path: string, opts: ReadLogsOptions = {}): Promise<Buffer> {
  await Promise.resolve();
  let records = readAllRecords(path);
  if (opts.tailLines !== undefined) records = records.slice(tailStart(records, opts.tailLines, opts.stream));
  return new Formatter(opts).format(records);
}

/**
 * The log as readLogs gives it, then new output as it is written, across rotations, until `signal`
 * aborts or limitBytes is reached. The caller (kubelet) aborts when the container has exited and the
 * last output was delivered.
 */
export async function* followLogs(path: string, opts: FollowLogsOptions, signal: AbortSignal): AsyncIterable<Buffer> {
  const pollMs = opts.pollMs ?? 100;
  const fmt = new Formatter(opts);
  // Open the live file first so nothing written between the initial read and the follow is lost.
  let fd: number | undefined;
  let ino = -1;
  let offset = 0;
  const tryOpen = (): void => {
    try {
      fd = openSync(path, 'r');
      ino = fstatSync(fd).ino;
      offset = 0;
    } catch {
      fd = undefined;
    }
  };
  tryOpen();
  let rest: Buffer = Buffer.alloc(0);
  const readNew = (): LogRecord[] => {
    const recs: LogRecord[] = [];
    if (fd === undefined) return recs;
    const chunks: Buffer[] = [rest];
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n <= 0) break;
      offset += n;
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    rest = Buffer.from(splitRecords(Buffer.concat(chunks), recs));
    return recs;
  };
  try {
    // Initial content: rotated files plus the live file up to `offset`.
    const initial: LogRecord[] = [];
    for (const f of logFiles(path)) {
      if (f === path) continue;
      try {
        splitRecords(readFileSync(f), initial);
      } catch {
        /* rotated away */
      }
    }
    initial.push(...readNew());
    const first = opts.tailLines !== undefined ? initial.slice(tailStart(initial, opts.tailLines, opts.stream)) : initial;
    const out = fmt.format(first);
    if (out.length > 0) yield out;
    while (!signal.aborted && !fmt.done) {
      try {
        await sleep(pollMs, undefined, { signal });
      } catch {
        break;
      }
      const more = readNew();
      // Rotation: the path now names a new file; the old one (still open) was drained above.
      let curIno = -1;
      try {
        curIno = statSync(path).ino;
      } catch {
        /* between rename and create */
      }
      if (curIno !== -1 && curIno !== ino) {
        if (fd !== undefined) closeSync(fd);
        rest = Buffer.alloc(0);
        tryOpen();
        more.push(...readNew());
      }
      const chunk = fmt.format(more);
      if (chunk.length > 0) yield chunk;
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
