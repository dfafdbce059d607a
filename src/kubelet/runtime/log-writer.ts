// Writes a container's stdout/stderr to its log file in the CRI format, with size-based rotation:
// when the file would exceed maxSizeBytes, path.(n-1) → path.n, …, path → path.1, and a new path
// starts; at most maxFiles files exist (path plus maxFiles-1 rotated ones).
//
// Invariants: a record is written whole with one write(2) (no torn records for concurrent readers);
// output without a newline is held until the newline arrives, the stream ends, or it reaches
// maxLineBytes (then written as a P record, like containerd's 16 KiB limit).
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { formatTimestamp, nowNs, type LogStream } from './log-format';

export interface LogWriterOptions {
  maxSizeBytes?: number;
  maxFiles?: number;
  maxLineBytes?: number;
  /** Injected clock (nanoseconds) for tests. */
  now?: () => bigint;
}

export class CriLogWriter {
  private fd: number | undefined;
  private size = 0;
  private readonly pending: Record<LogStream, Buffer[]> = { stdout: [], stderr: [] };
  private readonly pendingLen: Record<LogStream, number> = { stdout: 0, stderr: 0 };
  private readonly maxSize: number;
  private readonly maxFiles: number;
  private readonly maxLine: number;
  private readonly now: () => bigint;

  constructor(
    readonly path: string,
    opts: LogWriterOptions = {},
  ) {
    this.maxSize = opts.maxSizeBytes ?? 10 * 1024 * 1024;
    this.maxFiles = Math.max(1, opts.maxFiles ?? 5);
    this.maxLine = opts.maxLineBytes ?? 16 * 1024;
    this.now = opts.now ?? nowNs;
    this.open();
  }

  private open(): void {
    this.fd = openSync(this.path, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  /** Feeds a chunk of a stream's output. */
  write(stream: LogStream, chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      const seg = chunk.subarray(start, end);
      this.pending[stream].push(seg);
      this.pendingLen[stream] += seg.length;
      while (this.pendingLen[stream] > this.maxLine) {
        const all = Buffer.concat(this.pending[stream]);
        this.pending[stream] = [all.subarray(this.maxLine)];
        this.pendingLen[stream] = all.length - this.maxLine;
        this.record(stream, true, all.subarray(0, this.maxLine));
      }
      if (nl < 0) break;
      this.flushLine(stream, false);
      start = nl + 1;
    }
  }

  /** Writes what a stream holds without a newline as a full line (the stream ended). */
  endStream(stream: LogStream): void {
    if (this.pendingLen[stream] > 0) this.flushLine(stream, false);
  }

  private flushLine(stream: LogStream, partial: boolean): void {
    const content = Buffer.concat(this.pending[stream]);
    this.pending[stream] = [];
    this.pendingLen[stream] = 0;
    this.record(stream, partial, content);
  }

  private record(stream: LogStream, partial: boolean, content: Buffer): void {
    const head = Buffer.from(`${formatTimestamp(this.now())} ${stream} ${partial ? 'P' : 'F'} `, 'latin1');
    const rec = Buffer.concat([head, content, Buffer.from('\n')]);
    if (this.size > 0 && this.size + rec.length > this.maxSize) this.rotate();
    if (this.fd === undefined) return;
    writeSync(this.fd, rec);
    this.size += rec.length;
  }

  private rotate(): void {
    this.closeFd();
    if (this.maxFiles <= 1) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(`${this.path}.${this.maxFiles - 1}`, { force: true });
      for (let n = this.maxFiles - 2; n >= 1; n--) {
        if (existsSync(`${this.path}.${n}`)) renameSync(`${this.path}.${n}`, `${this.path}.${n + 1}`);
      }
      renameSync(this.path, `${this.path}.1`);
    }
    this.open();
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Flushes both streams' held output and closes the file. */
  close(): void {
    this.endStream('stdout');
    this.endStream('stderr');
    this.closeFd();
  }
}

/** The rotated files of a log, oldest first, then the live one (only those that exist). */
export function logFiles(path: string, maxFiles = 32): string[] {
  const out: string[] = [];
  for (let n = maxFiles; n >= 1; n--) if (existsSync(`${path}.${n}`)) out.push(`${path}.${n}`);
  if (existsSync(path)) out.push(path);
  return out;
}
