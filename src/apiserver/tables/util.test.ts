import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatLabelSelector, formatLabels, parseTime } from './util';

const timeCases: Array<{ name: string; in: unknown; want: number }> = [
  { name: 'UTC seconds', in: '2025-06-01T12:00:00Z', want: Date.UTC(2025, 5, 1, 12, 0, 0) },
  { name: 'micro fraction truncates to ms', in: '2025-06-01T11:55:00.123456Z', want: Date.UTC(2025, 5, 1, 11, 55, 0, 123) },
  { name: 'positive offset', in: '2024-02-03T04:05:06+02:00', want: Date.UTC(2024, 1, 3, 2, 5, 6) },
  { name: 'negative offset', in: '2024-02-29T23:30:00-01:30', want: Date.UTC(2024, 2, 1, 1, 0, 0) },
  { name: 'lower-case separators', in: '2008-01-01t01:01:01z', want: Date.UTC(2008, 0, 1, 1, 1, 1) },
  { name: 'before the epoch', in: '1969-12-31T23:59:59Z', want: -1000 },
  { name: 'empty is zero time', in: '', want: NaN },
  { name: 'not a string', in: 5, want: NaN },
  { name: 'garbage', in: 'yesterday', want: NaN },
];

for (const c of timeCases) {
  test(`parseTime: ${c.name}`, () => {
    const got = parseTime(c.in);
    assert.ok(Object.is(got, c.want), `parseTime(${JSON.stringify(c.in)}): got ${got}, want ${c.want}`);
  });
}

test('parseTime agrees with Date.parse on generated RFC3339 timestamps', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 5000; i++) {
    const t = rnd(4102444800) * 1000 + rnd(1000); // 1970..2100
    const iso = new Date(t).toISOString();
    const variants = [iso, iso.replace(/\.\d{3}Z$/, 'Z'), iso.replace('Z', '+05:30'), iso.replace('Z', '-11:00')];
    for (const v of variants) {
      assert.equal(parseTime(v), Date.parse(v), `parseTime(${v}): got ${parseTime(v)}, want ${Date.parse(v)}`);
    }
  }
});

const labelCases: Array<{ name: string; in: unknown; want: string }> = [
  { name: 'sorted', in: { b: '2', a: '1' }, want: 'a=1,b=2' },
  { name: 'empty', in: {}, want: '<none>' },
  { name: 'absent', in: undefined, want: '<none>' },
];
for (const c of labelCases) {
  test(`formatLabels: ${c.name}`, () => {
    assert.equal(formatLabels(c.in), c.want, `got ${formatLabels(c.in)}, want ${c.want}`);
  });
}

const selectorCases: Array<{ name: string; in: unknown; want: string }> = [
  { name: 'nil selector', in: undefined, want: '<none>' },
  { name: 'empty selector', in: {}, want: '<none>' },
  { name: 'match labels', in: { matchLabels: { app: 'web', tier: 'a' } }, want: 'app=web,tier=a' },
  { name: 'In values sorted and de-duplicated', in: { matchExpressions: [{ key: 'k', operator: 'In', values: ['b', 'a', 'b'] }] }, want: 'k in (a,b)' },
  { name: 'In without values is invalid', in: { matchExpressions: [{ key: 'k', operator: 'In', values: [] }] }, want: '<error>' },
  { name: 'Exists with values is invalid', in: { matchExpressions: [{ key: 'k', operator: 'Exists', values: ['x'] }] }, want: '<error>' },
];
for (const c of selectorCases) {
  test(`formatLabelSelector: ${c.name}`, () => {
    assert.equal(formatLabelSelector(c.in), c.want, `got ${formatLabelSelector(c.in)}, want ${c.want}`);
  });
}
