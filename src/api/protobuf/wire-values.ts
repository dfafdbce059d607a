// JSON forms of apimachinery values as Go prints them.

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * metav1.Time / MicroTime from protobuf seconds+nanos: RFC 3339 in UTC; Time has second precision
 * ('2008-01-01T01:01:01Z'), MicroTime six fractional digits ('2008-01-01T01:01:01.000001Z').
 */
export function formatTime(seconds: number, nanos: number, micro: boolean): string {
  const d = new Date(seconds * 1000);
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return micro ? `${base}.${pad(Math.floor(nanos / 1000), 6)}Z` : `${base}Z`;
}

function frac(v: number, digits: number): string {
  // v in units of 10^-digits; print integer part and trimmed fraction, like Go's fmtFrac/fmtInt.
  const scale = 10 ** digits;
  const whole = Math.floor(v / scale);
  let f = String(v % scale).padStart(digits, '0').replace(/0+$/, '');
  if (f) f = `.${f}`;
  return `${whole}${f}`;
}

/** Go's time.Duration.String() of a duration in nanoseconds: '1h2m3.5s', '150ms', '0s'. */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  const u = Math.abs(ns);
  if (u < 1e3) return `${sign}${u}ns`;
  if (u < 1e6) return `${sign}${frac(u, 3)}µs`;
  if (u < 1e9) return `${sign}${frac(u, 6)}ms`;
  const h = Math.floor(u / 3600e9);
  const m = Math.floor((u % 3600e9) / 60e9);
  const s = frac(u % 60e9, 9);
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** RFC 3339 text → protobuf Time fields. Throws on text Date cannot parse. */
export function parseTime(text: string): { seconds: number; nanos: number } {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new RangeError(`parsing time ${JSON.stringify(text)}: not RFC 3339`);
  const frac = /\.(\d+)/.exec(text.slice(text.indexOf('T')))?.[1] ?? '';
  return { seconds: Math.floor(ms / 1000), nanos: Number(frac.padEnd(9, '0').slice(0, 9)) };
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration: '1h2m3.5s', '150ms', '-2s' → nanoseconds. */
export function parseGoDuration(text: string): number {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (text === '0') return 0;
  if (!m) throw new RangeError(`time: invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * (UNIT_NS[part[2] ?? ''] ?? 0);
  return Math.round(m[1] === '-' ? -total : total);
}
