import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronScheduleError } from './cron';

describe('cronScheduleError', () => {
  const ok = ['* * * * *', '*/5 * * * *', '0 0 1 jan mon', '0-59/15 0,12 1-31 1-12 0-6', '@hourly', '@every 1h30m', 'CRON_TZ=UTC 0 * * * *', '0 0 ? * SUN'];
  for (const s of ok) it(`accepts ${s}`, () => assert.equal(cronScheduleError(s), undefined, `rejected ${s}`));
  const bad: Array<[string, string]> = [
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['', 'empty spec string'],
  ];
  for (const [s, want] of bad) {
    it(`rejects ${JSON.stringify(s)}`, () => {
      const got = cronScheduleError(s);
      assert.equal(got, want, `got ${String(got)} want ${want}`);
    });
  }
});
