import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../client/index';
import { createPodInfo } from './pod-info';
import { makePod } from './testing';
import type { Status } from './types';
import { goDuration, MAX_PERMIT_TIMEOUT_MS, WaitingPods } from './waiting-pods';

const pod = (name: string): ReturnType<typeof createPodInfo> => {
  const p = makePod(name);
  p.metadata!.uid = `uid-${name}`;
  return createPodInfo(p);
};

test('goDuration prints as Go time.Duration', () => {
  for (const [ms, want] of [[0, '0s'], [300, '300ms'], [1000, '1s'], [1500, '1.5s'], [10_000, '10s'], [90_000, '1m30s'], [MAX_PERMIT_TIMEOUT_MS, '15m0s'], [3_600_000, '1h0m0s']] as const) {
    assert.equal(goDuration(ms), want, `goDuration(${ms}): got ${goDuration(ms)}, want ${want}`);
  }
});

interface Case {
  name: string;
  waits: Array<[string, number]>;
  act: (ws: WaitingPods, clock: FakeClock) => void;
  /** undefined: allowed; a string: rejected with that message; 'pending': not settled. */
  want: string | undefined | 'pending';
  wantPlugin?: string;
}

const cases: Case[] = [
  { name: 'allowed by the only waiting plugin', waits: [['A', 10_000]], act: (ws) => ws.get('uid-p')!.allow('A'), want: undefined },
  { name: 'two plugins: one allow is not enough', waits: [['A', 10_000], ['B', 10_000]], act: (ws) => ws.get('uid-p')!.allow('A'), want: 'pending' },
  { name: 'two plugins: both allow', waits: [['A', 10_000], ['B', 10_000]], act: (ws) => ws.iterate((wp) => (wp.allow('A'), wp.allow('B'))), want: undefined },
  { name: 'allow by a plugin that is not waiting changes nothing', waits: [['A', 10_000]], act: (ws) => ws.get('uid-p')!.allow('Z'), want: 'pending' },
  { name: 'rejected by another plugin', waits: [['A', 10_000]], act: (ws) => void ws.reject('uid-p', 'DefaultPreemption', 'preempted'), want: 'preempted', wantPlugin: 'DefaultPreemption' },
  { name: 'timeout of the shortest wait rejects', waits: [['A', 10_000], ['B', 1500]], act: (_ws, c) => c.advance(1500), want: 'rejected due to timeout after waiting 1.5s at plugin B', wantPlugin: 'B' },
  { name: 'not yet timed out', waits: [['A', 10_000]], act: (_ws, c) => c.advance(9999), want: 'pending' },
  { name: 'timeouts are capped at 15 minutes', waits: [['A', 60 * 60_000]], act: (_ws, c) => c.advance(MAX_PERMIT_TIMEOUT_MS), want: 'rejected due to timeout after waiting 15m0s at plugin A', wantPlugin: 'A' },
  { name: 'allowed before the timeout: the timer is cancelled', waits: [['A', 1000]], act: (ws, c) => (ws.get('uid-p')!.allow('A'), c.advance(5000)), want: undefined },
];

for (const c of cases) {
  test(`WaitingPods: ${c.name}`, async () => {
    const clock = new FakeClock();
    const ws = new WaitingPods();
    let settled: { s: Status | undefined } | undefined;
    const { done } = ws.add(pod('p'), 'n1', new Map(c.waits), clock);
    void done.then((s) => (settled = { s }));
    c.act(ws, clock);
    await new Promise((r) => setImmediate(r));
    if (c.want === 'pending') {
      assert.equal(settled, undefined, `settled: got ${JSON.stringify(settled)}, want pending`);
      assert.equal(ws.size, 1, `waiting pods: got ${ws.size}, want 1`);
      return;
    }
    assert.ok(settled, 'settled: got pending, want settled');
    assert.equal(ws.size, 0, `waiting pods after settling: got ${ws.size}, want 0`);
    if (c.want === undefined) assert.equal(settled.s, undefined, `status: got ${JSON.stringify(settled.s)}, want allowed`);
    else {
      assert.equal(settled.s?.code, 'Unschedulable', `code: got ${settled.s?.code}, want Unschedulable`);
      assert.deepEqual(settled.s?.reasons, [c.want], `reasons: got ${JSON.stringify(settled.s?.reasons)}, want ${c.want}`);
      assert.equal(settled.s?.plugin, c.wantPlugin, `plugin: got ${settled.s?.plugin}, want ${c.wantPlugin}`);
    }
    assert.equal(clock.pending(), 0, `timers left: got ${clock.pending()}, want 0`);
  });
}
