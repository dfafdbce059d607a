import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../client';
import { RateLimitedQueue } from './rate-limited-queue';
import { computeZoneState, DEFAULT_ZONE_RATES, planDisruption, zoneKey, zoneTaintQPS, type ZoneState } from './zones';

const rep = (status: string, n: number): string[] => Array.from({ length: n }, () => status);

test('zones: zone key from region and zone labels', () => {
  const cases: Array<{ name: string; labels?: Record<string, string>; want: string }> = [
    { name: 'no labels: the one unnamed zone', want: '' },
    { name: 'unrelated labels', labels: { a: 'b' }, want: '' },
    { name: 'region and zone', labels: { 'topology.kubernetes.io/region': 'r1', 'topology.kubernetes.io/zone': 'z1' }, want: 'r1:\x00:z1' },
    { name: 'zone only', labels: { 'topology.kubernetes.io/zone': 'z1' }, want: ':\x00:z1' },
  ];
  for (const c of cases) assert.equal(zoneKey(c.labels), c.want, `${c.name}: got ${JSON.stringify(zoneKey(c.labels))}, want ${JSON.stringify(c.want)}`);
});

test('zones: zone state from Ready statuses', () => {
  const cases: Array<{ name: string; ready: Array<string | undefined>; want: ZoneState; notReady: number }> = [
    { name: 'all ready', ready: rep('True', 10), want: 'Normal', notReady: 0 },
    { name: 'empty zone', ready: [], want: 'Normal', notReady: 0 },
    { name: '4 of 10 down (40 % < 55 %)', ready: [...rep('True', 6), ...rep('Unknown', 4)], want: 'Normal', notReady: 4 },
    { name: '6 of 10 down (60 % ≥ 55 %)', ready: [...rep('True', 4), ...rep('Unknown', 6)], want: 'PartialDisruption', notReady: 6 },
    { name: 'exactly 55 % down (11 of 20)', ready: [...rep('True', 9), ...rep('False', 11)], want: 'PartialDisruption', notReady: 11 },
    { name: '2 of 3 down: not more than 2', ready: ['True', 'Unknown', 'False'], want: 'Normal', notReady: 2 },
    { name: '3 of 4 down', ready: ['True', 'Unknown', 'False', 'Unknown'], want: 'PartialDisruption', notReady: 3 },
    { name: 'none ready, one down', ready: ['Unknown'], want: 'FullDisruption', notReady: 1 },
    { name: 'none ready, missing condition counts as not ready', ready: [undefined, 'False'], want: 'FullDisruption', notReady: 2 },
  ];
  for (const c of cases) {
    const got = computeZoneState(c.ready, 0.55);
    assert.deepEqual(got, { state: c.want, notReady: c.notReady }, `${c.name}: got ${JSON.stringify(got)}, want ${c.want}/${c.notReady}`);
  }
});

test('zones: tainting rate per zone state', () => {
  const o = DEFAULT_ZONE_RATES;
  const cases: Array<{ name: string; state: ZoneState; size: number; want: number }> = [
    { name: 'normal', state: 'Normal', size: 10, want: 0.1 },
    { name: 'partial, small zone: stopped', state: 'PartialDisruption', size: 10, want: 0 },
    { name: 'partial, exactly the threshold is small', state: 'PartialDisruption', size: 50, want: 0 },
    { name: 'partial, large zone', state: 'PartialDisruption', size: 60, want: 0.01 },
    { name: 'full disruption (other zones alive)', state: 'FullDisruption', size: 10, want: 0.1 },
  ];
  for (const c of cases) {
    const got = zoneTaintQPS(c.state, c.size, o);
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});

test('zones: disruption plan across passes', () => {
  const o = DEFAULT_ZONE_RATES;
  const z = (entries: Record<string, string[]>): Map<string, string[]> => new Map(Object.entries(entries));
  const s = (entries: Record<string, ZoneState>): Map<string, ZoneState> => new Map(Object.entries(entries));
  const cases: Array<{ name: string; prev: Map<string, ZoneState>; zones: Map<string, string[]>; states: Record<string, ZoneState>; qps: Record<string, number>; all: boolean; exit: boolean }> = [
    { name: 'first pass sets every zone', prev: s({}), zones: z({ a: rep('True', 3), b: ['True', ...rep('Unknown', 3)] }), states: { a: 'Normal', b: 'PartialDisruption' }, qps: { a: 0.1, b: 0 }, all: false, exit: false },
    { name: 'unchanged states: no rate change', prev: s({ a: 'Normal' }), zones: z({ a: rep('True', 3) }), states: { a: 'Normal' }, qps: {}, all: false, exit: false },
    { name: 'one zone fully down, another alive: normal rate there', prev: s({ a: 'Normal', b: 'Normal' }), zones: z({ a: rep('Unknown', 3), b: rep('True', 3) }), states: { a: 'FullDisruption', b: 'Normal' }, qps: { a: 0.1 }, all: false, exit: false },
    { name: 'every zone down: stop everything', prev: s({ a: 'FullDisruption', b: 'Normal' }), zones: z({ a: rep('Unknown', 3), b: rep('Unknown', 3) }), states: { a: 'FullDisruption', b: 'FullDisruption' }, qps: { a: 0, b: 0 }, all: true, exit: false },
    { name: 'still every zone down: nothing new', prev: s({ a: 'FullDisruption', b: 'FullDisruption' }), zones: z({ a: rep('Unknown', 3), b: rep('Unknown', 3) }), states: { a: 'FullDisruption', b: 'FullDisruption' }, qps: {}, all: false, exit: false },
    { name: 'a node answers: every zone gets its rate back', prev: s({ a: 'FullDisruption', b: 'FullDisruption' }), zones: z({ a: rep('Unknown', 3), b: ['True', 'Unknown', 'Unknown'] }), states: { a: 'FullDisruption', b: 'Normal' }, qps: { a: 0.1, b: 0.1 }, all: false, exit: true },
    { name: 'a vanished zone is forgotten', prev: s({ a: 'Normal', gone: 'PartialDisruption' }), zones: z({ a: rep('True', 2) }), states: { a: 'Normal' }, qps: {}, all: false, exit: false },
  ];
  for (const c of cases) {
    const p = planDisruption(c.prev, c.zones, o);
    assert.deepEqual(Object.fromEntries(p.states), c.states, `${c.name}: states got ${JSON.stringify(Object.fromEntries(p.states))}, want ${JSON.stringify(c.states)}`);
    assert.deepEqual(Object.fromEntries(p.qps), c.qps, `${c.name}: rates got ${JSON.stringify(Object.fromEntries(p.qps))}, want ${JSON.stringify(c.qps)}`);
    assert.equal(p.markAllReachable, c.all, `${c.name}: markAllReachable got ${p.markAllReachable}, want ${c.all}`);
    assert.equal(p.exitedAllDisrupted, c.exit, `${c.name}: exitedAllDisrupted got ${p.exitedAllDisrupted}, want ${c.exit}`);
  }
});

test('rate-limited queue: one name per token, unique until removed, swappable rate', () => {
  const clock = new FakeClock();
  const q = new RateLimitedQueue(0.5, clock);
  for (const n of ['a', 'b', 'c']) assert.equal(q.add(n), true, `add ${n}`);
  assert.equal(q.add('a'), false, 'a queued name is not added twice');
  const done: string[] = [];
  const drain = (): void => q.tryDrain((n) => (done.push(n), true));
  drain();
  assert.deepEqual(done, ['a'], `burst 1: got ${done.join()}, want a`);
  clock.advance(1000);
  drain();
  assert.deepEqual(done, ['a'], `half a token after 1 s: got ${done.join()}`);
  clock.advance(1000);
  drain();
  assert.deepEqual(done, ['a', 'b'], `a token after 2 s: got ${done.join()}`);
  assert.equal(q.add('a'), false, 'a processed name stays seen until removed');
  q.swapLimiter(0);
  clock.advance(60_000);
  drain();
  assert.deepEqual(done, ['a', 'b'], `stopped: got ${done.join()}`);
  q.swapLimiter(1);
  drain();
  assert.deepEqual(done, ['a', 'b'], `a stopped bucket resumes empty (upstream SwapLimiter): got ${done.join()}`);
  clock.advance(1000);
  drain();
  assert.deepEqual(done, ['a', 'b', 'c'], `resumed: got ${done.join()}`);
  q.remove('a');
  assert.equal(q.add('a'), true, 'after remove a name can be queued again');
  let offered = 0;
  clock.advance(1000);
  q.tryDrain(() => (offered++, false));
  assert.equal(offered, 1, `a failed name goes back and is offered once per drain: got ${offered}`);
  assert.deepEqual(q.pending(), ['a'], `got ${q.pending().join()}`);
});
