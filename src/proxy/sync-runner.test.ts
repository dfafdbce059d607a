import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../client';
import { createSyncRunner } from './sync-runner';

test('sync runner: bounded frequency, periodic resync, retry after failure', async () => {
  const clock = new FakeClock(0);
  const syncs: number[] = [];
  let fail = false;
  const runner = createSyncRunner({
    clock, minIntervalMs: 1000, periodMs: 30_000,
    sync: async () => {
      syncs.push(clock.now());
      return !fail;
    },
  });
  const ac = new AbortController();
  const done = runner.run(ac.signal);
  await clock.tick(0);
  const cases: Array<{ name: string; act: () => Promise<void>; want: number[] }> = [
    { name: 'first sync at once', act: async () => undefined, want: [0] },
    {
      name: 'a burst within minInterval collapses into one sync at last+minInterval',
      act: async () => {
        await clock.tick(200);
        runner.request();
        runner.request();
        await clock.tick(300);
        runner.request();
        await clock.tick(600);
      },
      want: [0, 1000],
    },
    {
      name: 'a request after a quiet period runs at once',
      act: async () => {
        await clock.tick(5000);
        runner.request();
        await clock.tick(0);
      },
      want: [0, 1000, 6100],
    },
    { name: 'periodic resync without requests', act: async () => void (await clock.tick(30_000)), want: [0, 1000, 6100, 36_100] },
    {
      name: 'a failed sync is retried after minInterval',
      act: async () => {
        fail = true;
        runner.request();
        await clock.tick(1000);
        fail = false;
        await clock.tick(1000);
        await clock.tick(1000);
      },
      want: [0, 1000, 6100, 36_100, 37_100, 38_100],
    },
  ];
  for (const c of cases) {
    await c.act();
    assert.deepEqual(syncs, c.want, `${c.name}: got syncs at ${syncs.join(',')}, want ${c.want.join(',')}`);
  }
  ac.abort();
  await done;
});
