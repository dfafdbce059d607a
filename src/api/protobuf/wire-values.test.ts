import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGoDuration, formatTime } from './wire-values';

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
