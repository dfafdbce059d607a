import assert from 'node:assert/strict';
import { test } from 'node:test';

import { humanDuration } from './duration';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

const cases: Array<{ name: string; ms: number; want: string }> = [
  { name: 'far future is invalid', ms: -2 * S, want: '<invalid>' },
  { name: 'up to one second of skew is now', ms: -1999, want: '0s' },
  { name: 'just under a second of skew', ms: -500, want: '0s' },
  { name: 'zero', ms: 0, want: '0s' },
  { name: 'sub-second truncates', ms: 999, want: '0s' },
  { name: 'seconds', ms: 5 * S, want: '5s' },
  { name: 'seconds up to two minutes', ms: 119 * S, want: '119s' },
  { name: 'two minutes', ms: 2 * M, want: '2m' },
  { name: 'minutes and seconds', ms: 3 * M + 20 * S, want: '3m20s' },
  { name: 'minutes and seconds below ten minutes', ms: 9 * M + 59 * S, want: '9m59s' },
  { name: 'minutes only from ten minutes', ms: 10 * M + 30 * S, want: '10m' },
  { name: 'minutes up to three hours', ms: 179 * M, want: '179m' },
  { name: 'hours', ms: 3 * H, want: '3h' },
  { name: 'hours and minutes', ms: 5 * H + 7 * M, want: '5h7m' },
  { name: 'hours only from eight hours', ms: 8 * H + 30 * M, want: '8h' },
  { name: 'hours up to two days', ms: 47 * H, want: '47h' },
  { name: 'days', ms: 2 * D, want: '2d' },
  { name: 'days and hours', ms: 2 * D + 3 * H, want: '2d3h' },
  { name: 'days only from eight days', ms: 8 * D + 5 * H, want: '8d' },
  { name: 'days up to two years', ms: 729 * D, want: '729d' },
  { name: 'years', ms: 2 * Y, want: '2y' },
  { name: 'years and days', ms: 3 * Y + 10 * D, want: '3y10d' },
  { name: 'years only from eight years', ms: 9 * Y + 100 * D, want: '9y' },
  { name: 'not a number', ms: NaN, want: '<invalid>' },
];

for (const c of cases) {
  test(`humanDuration: ${c.name}`, () => {
    const got = humanDuration(c.ms);
    assert.equal(got, c.want, `humanDuration(${c.ms}): got ${got}, want ${c.want}`);
  });
}
