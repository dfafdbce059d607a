// The CRI container log format (kubelet's "cri" log format, written by containerd/CRI-O):
//
//   2016-10-06T00:17:09.669794202Z stdout F a full line
//   2016-10-06T00:17:09.669794202Z stderr P a partial line, continued by the next record of the stream
//
// One record per line; the content is the line without its trailing "\n". F = the line was complete,
// P = a fragment (an over-long line, or output without a newline yet).

export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
  /** The timestamp as written. */
  time: string;
  stream: LogStream;
  partial: boolean;
  content: Buffer;
}

const baseWallNs = BigInt(Date.now()) * 1_000_000n;
const baseHr = process.hrtime.bigint();

/** The current time in nanoseconds: wall clock at load plus the monotonic clock since (never goes back). */
export function nowNs(): bigint {
  return baseWallNs + (process.hrtime.bigint() - baseHr);
}

/** RFC 3339 with exactly nine fractional digits in UTC, e.g. 2016-10-06T00:17:09.669794202Z. */
export function formatTimestamp(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

/** Parses RFC 3339 (any fraction length, Z or ±hh:mm) into nanoseconds; undefined when malformed. */
export function parseTimestamp(s: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return undefined;
  const secMs = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(secMs)) return undefined;
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  return BigInt(secMs) * 1_000_000n + frac;
}

/** Parses one record (without its trailing newline); undefined for a malformed line. */
export function parseLogLine(line: Buffer): LogRecord | undefined {
  const sp1 = line.indexOf(0x20);
  if (sp1 < 0) return undefined;
  const sp2 = line.indexOf(0x20, sp1 + 1);
  if (sp2 < 0) return undefined;
  const time = line.subarray(0, sp1).toString('latin1');
  const stream = line.subarray(sp1 + 1, sp2).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const timeNs = parseTimestamp(time);
  if (timeNs === undefined) return undefined;
  // Tag field (F or P, possibly with more ':'-separated tags); old writers omitted it.
  let partial = false;
  let contentStart = sp2 + 1;
  const sp3 = line.indexOf(0x20, sp2 + 1);
  const tag = (sp3 < 0 ? line.subarray(sp2 + 1) : line.subarray(sp2 + 1, sp3)).toString('latin1');
  const tags = tag.split(':');
  if (tags.every((t) => t === 'F' || t === 'P') && tags.length > 0 && tag.length > 0) {
    partial = tags[0] === 'P';
    contentStart = sp3 < 0 ? line.length : sp3 + 1;
  }
  return { timeNs, time, stream, partial, content: line.subarray(contentStart) };
}
