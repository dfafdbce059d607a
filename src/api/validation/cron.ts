// Cron schedule syntax as CronJobs accept it (robfig/cron/v3 ParseStandard), with its error messages.

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DOWS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const BOUNDS: Array<{ min: number; max: number; names?: Record<string, number> }> = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DOWS },
];
const durationRe = /^([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$/;
const intRe = /^[+-]?\d+$/;

function parseIntOrName(expr: string, names?: Record<string, number>): number | string {
  if (names) {
    const n = names[expr.toLowerCase()];
    if (n !== undefined) return n;
  }
  if (!intRe.test(expr)) return `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`;
  const v = Number(expr);
  if (v < 0) return `negative number (${v}) not allowed: ${expr}`;
  return v;
}

function parseRange(expr: string, b: { min: number; max: number; names?: Record<string, number> }): string | undefined {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
  } else {
    const s = parseIntOrName(lowAndHigh[0] ?? '', b.names);
    if (typeof s === 'string') return s;
    start = s;
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) {
      const e = parseIntOrName(lowAndHigh[1] ?? '', b.names);
      if (typeof e === 'string') return e;
      end = e;
    } else return `too many hyphens: ${expr}`;
  }
  if (rangeAndStep.length === 2) {
    const st = parseIntOrName(rangeAndStep[1] ?? '');
    if (typeof st === 'string') return st;
    if (singleDigit) end = b.max;
    if (st === 0) return `step of range should be a positive number: ${expr}`;
  } else if (rangeAndStep.length > 2) return `too many slashes: ${expr}`;
  if (start < b.min) return `beginning of range (${start}) below minimum (${b.min}): ${expr}`;
  if (end > b.max) return `end of range (${end}) above maximum (${b.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  return undefined;
}

/** Returns robfig/cron's error text for an invalid standard schedule, or undefined when it parses. */
export function cronScheduleError(spec: string): string | undefined {
  if (spec.length === 0) return 'empty spec string';
  let s = spec;
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    const i = s.indexOf(' ');
    const tz = s.slice(s.indexOf('=') + 1, i < 0 ? undefined : i);
    if (!validTimeZone(tz)) return `provided bad location ${tz}: unknown time zone ${tz}`;
    s = i < 0 ? '' : s.slice(i).trim();
  }
  if (s.startsWith('@')) {
    if (DESCRIPTORS.has(s)) return undefined;
    if (s.startsWith('@every ')) {
      const d = s.slice(7);
      return durationRe.test(d) ? undefined : `failed to parse duration ${s}: time: invalid duration ${JSON.stringify(d)}`;
    }
    return `unrecognized descriptor: ${s}`;
  }
  const fields = s.split(/\s+/).filter((f) => f.length > 0);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (let i = 0; i < 5; i++) {
    const b = BOUNDS[i];
    if (!b) continue;
    for (const part of (fields[i] ?? '').split(',')) {
      const err = parseRange(part, b);
      if (err) return err;
    }
  }
  return undefined;
}

const tzCache = new Map<string, boolean>();
/** IANA time zone name known to this runtime (Go's time.LoadLocation). */
export function validTimeZone(tz: string): boolean {
  const hit = tzCache.get(tz);
  if (hit !== undefined) return hit;
  let ok: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    ok = tz === 'UTC' || tz.includes('/') || /^[A-Z]/.test(tz);
  } catch {
    ok = false;
  }
  if (tzCache.size < 1000) tzCache.set(tz, ok);
  return ok;
}
