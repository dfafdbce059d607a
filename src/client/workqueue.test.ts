import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, flush } from './clock';
import { bucketRateLimiter, exponentialFailureRateLimiter, fastSlowRateLimiter, maxOfRateLimiter } from './rate-limiters';
import { createWorkQueue } from './workqueue';

const noLimit = exponentialFailureRateLimiter<string>(0, 0);

test('workqueue: dedupes pending keys and keeps FIFO order', async () => {
  const q = createWorkQueue<string>({ rateLimiter: noLimit, clock: new FakeClock() });
  for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
  assert.equal(q.len(), 3, `len: got ${q.len()}, want 3`);
  const got: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await q.get();
    assert.equal(r.shutdown, false);
    got.push(r.item as string);
    q.done(r.item as string);
  }
  assert.deepEqual(got, ['a', 'b', 'c'], `order: got ${got.join(',')}`);
});

test('workqueue: a key added while processing is not handed out until done, then exactly once', async () => {
  const q = createWorkQueue<string>({ rateLimiter: noLimit, clock: new FakeClock() });
  q.add('k');
  const first = await q.get();
  assert.equal(first.item, 'k');
  q.add('k');
  q.add('k');
  assert.equal(q.len(), 0, `len while processing: got ${q.len()}, want 0 (parked in dirty)`);
  let second: string | undefined;
  void q.get().then((r) => (second = r.item));
  await flush();
  assert.equal(second, undefined, 'a second worker got the key while the first still holds it');
  q.done('k');
  await flush();
  assert.equal(second, 'k', `after done: got ${String(second)}, want k`);
  q.done('k');
  assert.equal(q.len(), 0, `len after both done: got ${q.len()}, want 0`);
});

test('workqueue: concurrent workers never hold the same key', async () => {
  const q = createWorkQueue<string>({ rateLimiter: noLimit, clock: new FakeClock() });
  const holding = new Set<string>();
  let violations = 0;
  let processed = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const r = await q.get();
      if (r.shutdown) return;
      if (holding.has(r.item)) violations++;
      holding.add(r.item);
      await flush(1);
      if (processed++ < 50) q.add(r.item); // re-add while processing
      holding.delete(r.item);
      q.done(r.item);
    }
  };
  for (const k of ['a', 'b', 'c']) q.add(k);
  const workers = [worker(), worker(), worker(), worker()];
  while (processed < 53) await flush(1);
  q.shutDown();
  await Promise.all(workers);
  assert.equal(violations, 0, `violations: got ${violations}, want 0`);
});

test('workqueue: addAfter fires on the clock; earlier time wins', async () => {
  const clock = new FakeClock();
  const q = createWorkQueue<string>({ rateLimiter: noLimit, clock });
  q.addAfter('x', 1000);
  q.addAfter('x', 300);
  q.addAfter('x', 5000);
  assert.equal(q.delayedLen(), 1, `delayed: got ${q.delayedLen()}, want 1`);
  clock.advance(299);
  assert.equal(q.len(), 0, 'x ready before its time');
  clock.advance(1);
  assert.equal(q.len(), 1, `x not ready at 300 ms: len ${q.len()}`);
  clock.advance(10_000);
  assert.equal(q.len(), 1, `x queued twice: len ${q.len()}`);
});

test('workqueue: shutDown wakes waiting getters, drains queued items first, drops new adds', async () => {
  const q = createWorkQueue<string>({ rateLimiter: noLimit, clock: new FakeClock() });
  const waiting = [q.get(), q.get()];
  await flush();
  q.shutDown();
  const rs = await Promise.all(waiting);
  assert.ok(rs.every((r) => r.shutdown), `got ${JSON.stringify(rs)}`);
  const q2 = createWorkQueue<string>({ rateLimiter: noLimit, clock: new FakeClock() });
  q2.add('a');
  q2.shutDown();
  q2.add('b');
  assert.deepEqual(await q2.get(), { item: 'a', shutdown: false });
  assert.deepEqual(await q2.get(), { shutdown: true });
});

test('workqueue: addRateLimited backs off exponentially per item; forget resets', () => {
  const clock = new FakeClock();
  const q = createWorkQueue<string>({ rateLimiter: exponentialFailureRateLimiter(5, 1000), clock });
  q.addRateLimited('a');
  q.addRateLimited('a'); // 10 ms, later than the pending 5 ms: ignored
  assert.equal(q.numRequeues('a'), 2, `requeues: got ${q.numRequeues('a')}`);
  clock.advance(4);
  assert.equal(q.len(), 0, 'ready before 5 ms');
  clock.advance(1);
  assert.equal(q.len(), 1, 'not ready at 5 ms');
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0, 'forget did not reset');
});

test('rate limiters: table', () => {
  const cases: Array<{ name: string; make: () => { when(i: string): number }; items: string[]; want: number[] }> = [
    { name: 'exponential 5ms doubling', make: () => exponentialFailureRateLimiter<string>(5, 1_000_000), items: ['a', 'a', 'a', 'b', 'a'], want: [5, 10, 20, 5, 40] },
    { name: 'exponential capped', make: () => exponentialFailureRateLimiter<string>(5, 12), items: ['a', 'a', 'a', 'a'], want: [5, 10, 12, 12] },
    { name: 'exponential survives huge exponents', make: () => { const l = exponentialFailureRateLimiter<string>(5, 1000); for (let i = 0; i < 2000; i++) l.when('a'); return l; }, items: ['a'], want: [1000] },
    { name: 'fast-slow', make: () => fastSlowRateLimiter<string>(1, 100, 2), items: ['a', 'a', 'a', 'b'], want: [1, 1, 100, 1] },
    { name: 'bucket: burst then 1/qps spacing', make: () => bucketRateLimiter<string>(10, 2, new FakeClock()), items: ['a', 'b', 'c', 'd'], want: [0, 0, 100, 200] },
    { name: 'max-of picks the longest', make: () => maxOfRateLimiter<string>(exponentialFailureRateLimiter(5, 1000), bucketRateLimiter(10, 1, new FakeClock())), items: ['a', 'a', 'b'], want: [5, 100, 200] },
  ];
  for (const c of cases) {
    const l = c.make();
    const got = c.items.map((i) => l.when(i));
    assert.deepEqual(got, c.want, `${c.name}: got ${got.join(',')}, want ${c.want.join(',')}`);
  }
});

test('rate limiters: bucket refills with time', () => {
  const clock = new FakeClock();
  const l = bucketRateLimiter<string>(10, 1, clock);
  assert.equal(l.when('a'), 0);
  clock.advance(100);
  assert.equal(l.when('a'), 0, 'token did not refill after 1/qps');
  clock.advance(10_000);
  assert.equal(l.when('a'), 0);
  assert.equal(l.when('a'), 100, 'burst exceeded: burst is 1');
});
