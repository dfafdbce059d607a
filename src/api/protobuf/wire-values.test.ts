import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGoDuration, formatTime, parseGoDuration, parseTime } from './wire-values';

describe('formatGoDuration matches Go time.Duration.String()', () => {
  const cases: Array<[string, number, string]> = [
    ['zero', 0, '0s'],
    ['nanoseconds', 999, '999ns'],
    ['microseconds', 1500, '1.5µs'],
    ['milliseconds', 150e6, '150ms'],
    ['seconds', 3e9, '3s'],
    ['fractional seconds', 3.5e9, '3.5s'],
    ['minutes', 90e9, '1m30s'],
    ['hours', 3600e9, '1h0m0s'],
    ['negative', -2e9, '-2s'],
  ];
  for (const [name, ns, want] of cases) {
    it(name, () => assert.equal(formatGoDuration(ns), want, `formatGoDuration(${ns}): got ${formatGoDuration(ns)}, want ${want}`));
  }
});

describe('formatTime', () => {
  const cases: Array<[string, number, number, boolean, string]> = [
    ['Time drops fractions', 1199149261, 5e8, false, '2008-01-01T01:01:01Z'],
    ['MicroTime keeps microseconds', 1199149261, 1000, true, '2008-01-01T01:01:01.000001Z'],
  ];
  for (const [name, s, n, micro, want] of cases) {
    it(name, () => assert.equal(formatTime(s, n, micro), want));
  }
});

describe('parseGoDuration inverts formatGoDuration', () => {
  for (const ns of [0, 999, 1500, 150e6, 3e9, 3.5e9, 90e9, 3600e9, -2e9, 3723e9]) {
    it(String(ns), () => {
      const text = formatGoDuration(ns);
      assert.equal(parseGoDuration(text), ns, `parseGoDuration(${text}): got ${parseGoDuration(text)}, want ${ns}`);
    });
  }
  it('rejects junk', () => assert.throws(() => parseGoDuration('5 minutes'), RangeError));
});

describe('parseTime', () => {
  it('keeps fractions as nanos', () => assert.deepEqual(parseTime('2008-01-01T01:01:01.000001Z'), { seconds: 1199149261, nanos: 1000 }));
  it('handles offsets', () => assert.deepEqual(parseTime('2008-01-01T02:01:01+01:00'), { seconds: 1199149261, nanos: 0 }));
});
