import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrashBackoff } from './backoff';

test('CrashBackoff: first restart immediate, then 10s doubling to 5min', () => {
  const b = new CrashBackoff();
  let now = 1_000_000;
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    // the container ran 1 s and exited at `now`
    const wait = b.remaining('c', now, now, 1000);
    waits.push(wait);
    now += wait;
    b.next('c', now, 1000);
    now += 1000;
  }
  assert.deepEqual(waits, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000], `got ${waits}`);
});

test('CrashBackoff: a long run resets the delay', () => {
  const cases = [
    { name: 'short run keeps doubling', ranMs: 5_000, want: 20_000 },
    { name: '10 minute run resets', ranMs: 600_000, want: 0 },
  ];
  for (const c of cases) {
    const b = new CrashBackoff();
    b.next('k', 0, 1000);
    b.next('k', 10_000, 1000);
    const got = b.remaining('k', 20_000, 20_000, c.ranMs);
    assert.equal(got, c.want, `${c.name}: got ${got} want ${c.want}`);
  }
});

test('CrashBackoff: stale entries expire and forget clears by prefix', () => {
  const b = new CrashBackoff();
  b.next('uid1/a', 0, 0);
  b.next('uid1/a', 1, 0);
  assert.equal(b.remaining('uid1/a', 700_000, 700_000, 0), 0, 'an entry untouched for 2*max expired');
  b.next('uid2/a', 0, 0);
  b.forget('uid2/');
  assert.equal(b.delay('uid2/a'), 0, 'forgotten');
});
