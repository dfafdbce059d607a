// Cron schedules as the CronJob controller reads them (robfig/cron's standard parser): five fields
// (minute hour day-of-month month day-of-week) with *, ?, lists, ranges, steps and month/day names, or a
// descriptor (@yearly @annually @monthly @weekly @daily @midnight @hourly). Day-of-month and day-of-week
// match if either does when both are restricted. Times are evaluated in UTC, or in `timeZone` via Intl.

export interface Schedule {
  readonly minute: Set<number>;
  readonly hour: Set<number>;
  readonly dom: Set<number>;
  readonly month: Set<number>;
  readonly dow: Set<number>;
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseField(f: string, min: number, max: number, names?: string[], nameBase = 0): { set: Set<number>; star: boolean } {
  const set = new Set<number>();
  let star = false;
  const num = (s: string): number => {
    const i = names?.indexOf(s.toLowerCase()) ?? -1;
    if (i >= 0) return i + nameBase;
    if (!/^\d+$/.test(s)) throw new Error(`failed to parse int from ${s}`);
    return Number(s);
  };
  for (const part of f.split(',')) {
    const [range, stepS] = part.split('/') as [string, string | undefined];
    const step = stepS === undefined ? 1 : Number(stepS);
    if (!Number.isInteger(step) || step <= 0) throw new Error(`bad step in "${part}"`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min;
      hi = max;
      if (stepS === undefined) star = true;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      lo = num(a);
      hi = num(b);
    } else {
      lo = num(range);
      hi = stepS === undefined ? lo : max;
    }
    if (lo < min || hi > max || lo > hi) throw new Error(`end of range (${hi}) above maximum (${max}) or beginning of range (${lo}) below minimum (${min}): ${part}`);
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return { set, star };
}

export function parseSchedule(spec: string): Schedule {
  const s = spec.trim();
  const fields = (DESCRIPTORS[s.toLowerCase()] ?? s).split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${spec}`);
  const [mi, h, dom, mo, dow] = fields as [string, string, string, string, string];
  const d = parseField(dom, 1, 31);
  const w = parseField(dow, 0, 7, DAYS);
  if (w.set.has(7)) w.set.add(0);
  return { minute: parseField(mi, 0, 59).set, hour: parseField(h, 0, 23).set, dom: d.set, month: parseField(mo, 1, 12, MONTHS, 1).set, dow: w.set, domStar: d.star, dowStar: w.star };
}

interface Fields { minute: number; hour: number; dom: number; month: number; dow: number }

function fieldsAt(ms: number, tz?: string): Fields {
  if (!tz || tz === 'UTC' || tz === 'Etc/UTC') {
    const d = new Date(ms);
    return { minute: d.getUTCMinutes(), hour: d.getUTCHours(), dom: d.getUTCDate(), month: d.getUTCMonth() + 1, dow: d.getUTCDay() };
  }
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hour12: false, minute: 'numeric', hour: 'numeric', day: 'numeric', month: 'numeric', weekday: 'short' }).formatToParts(new Date(ms));
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '0';
  return { minute: Number(get('minute')), hour: Number(get('hour')) % 24, dom: Number(get('day')), month: Number(get('month')), dow: DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3)) };
}

function dayMatches(s: Schedule, f: Fields): boolean {
  const dom = s.dom.has(f.dom);
  const dow = s.dow.has(f.dow);
  return s.domStar || s.dowStar ? dom && dow : dom || dow;
}

/** The first scheduled time strictly after `after` (ms), or undefined within five years. */
export function nextTime(s: Schedule, after: number, tz?: string): number | undefined {
  const MIN = 60_000;
  let t = Math.floor(after / MIN) * MIN + MIN;
  const end = after + 5 * 366 * 24 * 3600_000;
  while (t <= end) {
    const f = fieldsAt(t, tz);
    if (!s.month.has(f.month) || !dayMatches(s, f)) {
      t += (24 * 60 - f.hour * 60 - f.minute) * MIN; // next local midnight (approximate across DST changes)
      continue;
    }
    if (!s.hour.has(f.hour)) {
      t += (60 - f.minute) * MIN;
      continue;
    }
    if (!s.minute.has(f.minute)) {
      t += MIN;
      continue;
    }
    return t;
  }
  return undefined;
}

/** The latest scheduled time in (earliest, now], and how many were missed (capped at `cap`). */
export function mostRecentTime(s: Schedule, earliest: number, now: number, tz?: string, cap = 100_000): { time?: number; missed: number } {
  let time: number | undefined;
  let missed = 0;
  for (let t = nextTime(s, earliest, tz); t !== undefined && t <= now && missed < cap; t = nextTime(s, t, tz)) {
    time = t;
    missed++;
  }
  return { time, missed };
}
