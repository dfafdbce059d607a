import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventHandlers, KubeObject, SharedInformerFactory } from '../client';
import { nodeCidrGate } from './node-cidr-gate';

/** A nodes informer holding `cached` (replayed to new handlers, as a synced informer does), whose updates the test drives. */
function fakeInformers(cached: KubeObject[]) {
  const handlers: Array<EventHandlers<KubeObject>> = [];
  const factory = {
    informerFor: () => ({
      addEventHandler(h: EventHandlers<KubeObject>) {
        handlers.push(h);
        for (const o of cached) h.onAdd?.(o, true);
        return () => handlers.splice(handlers.indexOf(h), 1);
      },
    }),
  } as unknown as SharedInformerFactory;
  return { factory, handlers, update: (o: KubeObject) => handlers.forEach((h) => h.onUpdate?.(o, o)) };
}

/** A timer that fires only when the test says so. */
function fakeTimer() {
  const pending = new Map<number, () => void>();
  let id = 0;
  return {
    set: (fn: () => void) => (pending.set(++id, fn), id),
    clear: (h: unknown) => void pending.delete(h as number),
    fireAll: () => [...pending.values()].forEach((fn) => fn()),
    pending: () => pending.size,
  };
}

const node = (name: string, podCIDR?: string): KubeObject => ({ metadata: { name }, ...(podCIDR ? { spec: { podCIDR } } : {}) }) as KubeObject;
const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

const cases: Array<{ name: string; cached: KubeObject[]; then?: KubeObject; fire?: boolean; abort?: boolean; want: boolean }> = [
  { name: 'the node already has a pod CIDR: passes at once', cached: [node('n1', '10.42.0.0/24')], want: true },
  { name: 'no such node yet: holds', cached: [node('other', '10.42.1.0/24')], want: false },
  { name: 'the node without a CIDR: holds', cached: [node('n1')], want: false },
  { name: 'the node gets its CIDR later: passes', cached: [node('n1')], then: node('n1', '10.42.0.0/24'), want: true },
  { name: 'another node gets a CIDR: still holds', cached: [node('n1')], then: node('n2', '10.42.0.0/24'), want: false },
  { name: 'the time limit passes: passes', cached: [], fire: true, want: true },
  { name: 'the run stops: passes', cached: [], abort: true, want: true },
];

for (const c of cases) {
  test(`nodeCidrGate: ${c.name}`, async () => {
    const timer = fakeTimer();
    const gate = nodeCidrGate('n1', 2000, timer);
    const inf = fakeInformers(c.cached);
    const ac = new AbortController();
    const held = gate.holdUntil(inf.factory, ac.signal);
    if (c.then) inf.update(c.then);
    if (c.fire) timer.fireAll();
    if (c.abort) ac.abort();
    const got = await settled(held);
    assert.equal(got, c.want, `holdUntil resolved: got ${got}, want ${c.want}`);
    const gotPassed = await settled(gate.passed);
    assert.equal(gotPassed, c.want, `passed resolved: got ${gotPassed}, want ${c.want}`);
    if (c.want) {
      assert.equal(inf.handlers.length, 0, `event handlers left after passing: got ${inf.handlers.length}, want 0`);
      assert.equal(timer.pending(), 0, `timers left after passing: got ${timer.pending()}, want 0`);
    }
  });
}

test('nodeCidrGate: `passed` opens after the time limit even if no controller manager ever holds', async () => {
  const timer = fakeTimer();
  const gate = nodeCidrGate('n1', 2000, timer);
  assert.equal(await settled(gate.passed), false, 'passed before the limit: got true, want false');
  timer.fireAll();
  assert.equal(await settled(gate.passed), true, 'passed after the limit: got false, want true');
});
