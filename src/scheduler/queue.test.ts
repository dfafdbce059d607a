import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../client/index';
import { createPodInfo } from './pod-info';
import { SchedulingQueue, type QueuedPod } from './queue';
import { makePod } from './testing';

const info = (name: string, priority = 0) => createPodInfo(makePod(name, { priority }));
const popNow = (q: SchedulingQueue): QueuedPod | undefined => q.tryPop();

test('activeQ pops by priority, then first queued', () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock });
  q.add(info('low-1', 0));
  clock.advance(1);
  q.add(info('high', 100));
  clock.advance(1);
  q.add(info('low-2', 0));
  const order = [popNow(q), popNow(q), popNow(q)].map((x) => x?.info.name);
  assert.deepEqual(order, ['high', 'low-1', 'low-2'], `pop order: got ${JSON.stringify(order)}`);
});

test('backoff doubles per attempt from 1 s and caps at 10 s', () => {
  const q = new SchedulingQueue({ clock: new FakeClock() });
  const got = [1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration(a));
  assert.deepEqual(got, [1000, 2000, 4000, 8000, 10000, 10000], `durations: got ${JSON.stringify(got)}`);
});

test('a failed pod waits out its backoff before it is active again', async () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock });
  q.add(info('p'));
  const qp = popNow(q)!;
  q.requeue(qp, { unschedulable: false });
  assert.equal(popNow(q), undefined, 'nothing active right after the failure');
  await clock.tick(999);
  assert.equal(popNow(q), undefined, 'still backing off at 999 ms');
  await clock.tick(1);
  assert.equal(popNow(q)?.info.name, 'p', 'active after 1 s');
});

test('unschedulable pods move on relevant cluster events only', async () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock });
  q.add(info('a'));
  q.add(info('b'));
  const a = popNow(q)!;
  const b = popNow(q)!;
  // Another cycle starts after these failed, so no event raced them.
  q.requeue(a, { unschedulable: true, plugins: ['NodeResourcesFit'] });
  q.requeue(b, { unschedulable: true, plugins: ['TaintToleration'] });
  assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 2, inflight: 0 }, `stats: ${JSON.stringify(q.stats())}`);
  await clock.tick(20_000); // well past backoff: events move straight to active
  q.moveAllToActiveOrBackoff(new Set(['NodeResourcesFit']));
  assert.equal(popNow(q)?.info.name, 'a', 'a (rejected by NodeResourcesFit) moves on a resource event');
  assert.equal(popNow(q), undefined, 'b (rejected by TaintToleration) stays parked');
  q.moveAllToActiveOrBackoff();
  assert.equal(popNow(q)?.info.name, 'b', 'an event for all plugins moves b');
});

test('an event during the cycle sends the failed pod to backoff, not unschedulable', () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock });
  q.add(info('p'));
  const qp = popNow(q)!;
  q.moveAllToActiveOrBackoff(); // e.g. a node was added while p was being scheduled
  q.requeue(qp, { unschedulable: true, plugins: ['NodeResourcesFit'] });
  assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0, inflight: 0 }, `stats: ${JSON.stringify(q.stats())}`);
});

test('unschedulable pods are retried after 5 minutes without events', async () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock });
  q.add(info('p'));
  q.requeue(popNow(q)!, { unschedulable: true });
  await clock.tick(4 * 60_000);
  assert.equal(popNow(q), undefined, 'parked at 4 min');
  await clock.tick(61_000);
  assert.equal(popNow(q)?.info.name, 'p', 'retried after 5 min');
});

test('pop waits for work and ends on abort; deleted pods are not popped', async () => {
  const q = new SchedulingQueue({ clock: new FakeClock() });
  const ac = new AbortController();
  const waiting = q.pop(ac.signal);
  assert.ok(waiting instanceof Promise, 'empty queue returns a promise');
  q.add(info('x'));
  assert.equal((await waiting)?.info.name, 'x', 'the waiter receives the added pod');
  q.add(info('gone'));
  q.delete('default/gone');
  const next = q.pop(ac.signal);
  ac.abort();
  assert.equal(await next, undefined, 'abort ends the wait with undefined');
});
