import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndexer, FakeClock, Resources, type KubeObject, type Lister, type ResourceRef } from '../../client';
import type { Pod } from '../common/types';
import { FakeClient, recorder } from '../testing/fake-client';
import { createNodeLifecycleReconciler, desiredTaints, NODE_INDEX, podNodeIndex, unknownConditions, type Lease, type Node, type NodeLifecycle, type NodeLifecycleOptions } from './nodelifecycle';
import { evictionTime, NOT_READY, UNREACHABLE, type Taint } from './taints';
import { REGION_LABEL, ZONE_LABEL } from './zones';

const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

test('nodelifecycle: eviction time from tolerations', () => {
  const taint: Taint = { key: UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0) };
  const cases: Array<{ name: string; tolerations: Parameters<typeof evictionTime>[0]; want: number }> = [
    { name: 'no toleration: now', tolerations: [], want: T0 + 5000 },
    { name: 'tolerated for 300 s', tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }], want: T0 + 300_000 },
    { name: 'tolerated forever', tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }], want: Infinity },
    { name: 'Exists without key tolerates everything', tolerations: [{ operator: 'Exists' }], want: Infinity },
    { name: 'other key does not tolerate', tolerations: [{ key: NOT_READY, operator: 'Exists', tolerationSeconds: 300 }], want: T0 + 5000 },
    { name: 'shortest matching toleration wins', tolerations: [{ key: UNREACHABLE, operator: 'Exists', tolerationSeconds: 300 }, { operator: 'Exists', tolerationSeconds: 10 }], want: T0 + 10_000 },
  ];
  for (const c of cases) {
    const got = evictionTime(c.tolerations, [taint], T0 + 5000);
    assert.equal(got, c.want, `${c.name}: got ${got - T0}, want ${c.want - T0}`);
  }
});

test('nodelifecycle: taints follow Ready', () => {
  const keys = (t: Taint[]): string[] => t.map((x) => `${x.key}:${x.effect}`);
  const cases: Array<{ name: string; taints: Taint[]; ready: string | undefined; noExecute: boolean; want: string[] }> = [
    { name: 'unknown, let through', taints: [], ready: 'Unknown', noExecute: true, want: [`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`] },
    { name: 'unknown, still queued: NoSchedule only', taints: [], ready: 'Unknown', noExecute: false, want: [`${UNREACHABLE}:NoSchedule`] },
    { name: 'false swaps unreachable for not-ready, other taints kept', taints: [{ key: UNREACHABLE, effect: 'NoExecute' }, { key: 'user', effect: 'NoSchedule' }], ready: 'False', noExecute: true, want: ['user:NoSchedule', `${NOT_READY}:NoExecute`, `${NOT_READY}:NoSchedule`] },
    { name: 'ready: none', taints: [{ key: NOT_READY, effect: 'NoExecute' }, { key: NOT_READY, effect: 'NoSchedule' }], ready: 'True', noExecute: true, want: [] },
    { name: 'master disruption removes NoExecute, keeps NoSchedule', taints: [{ key: UNREACHABLE, effect: 'NoExecute' }, { key: UNREACHABLE, effect: 'NoSchedule' }], ready: 'Unknown', noExecute: false, want: [`${UNREACHABLE}:NoSchedule`] },
  ];
  for (const c of cases) {
    const got = keys(desiredTaints(c.taints, c.ready, T0, c.noExecute));
    assert.deepEqual(got, c.want, `${c.name}: got ${got.join()}, want ${c.want.join()}`);
  }
  const kept = desiredTaints([{ key: UNREACHABLE, effect: 'NoExecute', timeAdded: 'then' }], 'Unknown', T0);
  assert.equal(kept[0]?.timeAdded, 'then', 'timeAdded kept for an existing taint');
  const conds = unknownConditions([{ type: 'Ready', status: 'True', reason: 'KubeletReady' }], T0);
  assert.deepEqual(conds.map((c) => `${c.type}=${c.status}:${c.reason}`), ['Ready=Unknown:NodeStatusUnknown', 'MemoryPressure=Unknown:NodeStatusNeverUpdated', 'DiskPressure=Unknown:NodeStatusNeverUpdated', 'PIDPressure=Unknown:NodeStatusNeverUpdated']);
});

/** A lister over the fake client's current objects (an informer that is always up to date). */
function liveLister<T extends KubeObject>(fake: FakeClient, ref: ResourceRef, indexers: Record<string, (o: T) => string[]> = {}): Lister<T> {
  const cur = (): Lister<T> => {
    const ix = createIndexer<T>(indexers);
    for (const o of fake.list<T>(ref)) ix.upsert(o);
    return ix;
  };
  return { get: (ns, n) => cur().get(ns, n), list: (ns, sel) => cur().list(ns, sel), byIndex: (i, v) => cur().byIndex(i, v), keys: () => cur().keys() };
}

interface Sim {
  clock: FakeClock;
  fake: FakeClient;
  lc: NodeLifecycle;
  events: string[];
  logs: string[];
  /** Stops / restarts the kubelet of these nodes (Lease renewals and Ready=True). */
  kill(...names: string[]): void;
  revive(...names: string[]): void;
  /** Advances seconds one at a time: monitor pass every 5 s, taint pass and a reconcile of every node each second. */
  run(seconds: number): Promise<void>;
  /** Seconds after T0 at which each node first carried a lifecycle NoExecute taint. */
  taintedAt: Map<string, number>;
  taints(name: string): string[];
}

/** A cluster of nodes named `<zone>-<i>`; zone '' means no topology labels (then nodes are `n-<i>`). */
function sim(zones: Record<string, number>, opts: NodeLifecycleOptions = {}): Sim {
  const clock = new FakeClock(T0);
  const fake = new FakeClient(() => clock.now());
  const leases = createIndexer<Lease>();
  const dead = new Set<string>();
  const names: string[] = [];
  for (const [zone, count] of Object.entries(zones)) {
    for (let i = 0; i < count; i++) {
      const name = `${zone || 'n'}-${i}`;
      names.push(name);
      const labels = zone ? { [REGION_LABEL]: 'r', [ZONE_LABEL]: zone } : undefined;
      fake.seed<Node>(Resources.nodes, { metadata: { name, uid: name, labels, creationTimestamp: iso(T0 - 3600_000) }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: iso(T0) } as never] } });
      leases.upsert({ metadata: { name, namespace: 'kube-node-lease' }, spec: { renewTime: iso(T0) } });
    }
  }
  const rec = recorder();
  const logs: string[] = [];
  const lc = createNodeLifecycleReconciler({ ...opts, log: (_l, m) => logs.push(m), client: fake.client(), nodes: liveLister<Node>(fake, Resources.nodes), leases, pods: liveLister<Pod>(fake, Resources.pods, { [NODE_INDEX]: podNodeIndex }), recorder: rec, clock });
  const taintedAt = new Map<string, number>();
  const taints = (name: string): string[] => (fake.get<Node>(Resources.nodes, '', name)?.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`);
  return {
    clock, fake, lc, events: rec.events, logs, taintedAt, taints,
    kill: (...n) => n.forEach((x) => dead.add(x)),
    revive(...n) {
      for (const name of n) {
        dead.delete(name);
        const node = fake.get<Node>(Resources.nodes, '', name)!;
        fake.seed<Node>(Resources.nodes, { ...node, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: iso(clock.now()) } as never] } });
      }
    },
    async run(seconds) {
      for (let s = 0; s < seconds; s++) {
        clock.advance(1000);
        const now = clock.now();
        for (const name of names) if (!dead.has(name)) leases.upsert({ metadata: { name, namespace: 'kube-node-lease' }, spec: { renewTime: iso(now) } });
        if (((now - T0) / 1000) % 5 === 0) lc.monitorPass();
        lc.taintPass();
        for (const name of names) await lc.reconcile({ namespace: '', name });
        for (const name of names) {
          if (!taintedAt.has(name) && taints(name).some((t) => t.endsWith(':NoExecute'))) taintedAt.set(name, (now - T0) / 1000);
        }
      }
    },
  };
}

const times = (s: Sim, names: string[]): Array<number | undefined> => names.map((n) => s.taintedAt.get(n));
const noExecuteCount = (s: Sim): number => [...s.fake.list<Node>(Resources.nodes)].filter((n) => n.spec?.taints?.some((t) => t.effect === 'NoExecute')).length;

test('nodelifecycle: 4 of 10 nodes die at once (40 %, Normal) → tainted one every 10 s, not all at once', async () => {
  const s = sim({ '': 10 });
  s.kill('n-0', 'n-1', 'n-2', 'n-3');
  await s.run(120);
  // Grace 40 s: stale after 41 s, first seen by the monitor pass at 45 s; then one token per 10 s.
  const got = times(s, ['n-0', 'n-1', 'n-2', 'n-3']);
  assert.deepEqual(got, [45, 55, 65, 75], `NoExecute taint times: got ${got.join()}, want 45,55,65,75`);
  assert.deepEqual(s.lc.zoneStates().get(''), 'Normal', `zone state: got ${s.lc.zoneStates().get('')}`);
  for (const n of ['n-0', 'n-3']) assert.ok(s.taints(n).includes(`${UNREACHABLE}:NoSchedule`), `${n}: NoSchedule at once; got ${s.taints(n).join()}`);
  assert.equal(times(s, ['n-4'])[0], undefined, 'a live node is never tainted');
  assert.equal(s.events.filter((e) => e.includes('NodeNotReady')).length, 4, `NodeNotReady events: got ${s.events.join(' | ')}`);
});

test('nodelifecycle: 6 of 10 die in a small zone → PartialDisruption, no NoExecute tainting', async () => {
  const s = sim({ '': 10 });
  s.kill('n-0', 'n-1', 'n-2', 'n-3', 'n-4', 'n-5');
  await s.run(300);
  assert.equal(s.lc.zoneStates().get(''), 'PartialDisruption', `zone state: got ${s.lc.zoneStates().get('')}`);
  assert.equal(s.lc.zoneRates().get(''), 0, `rate: got ${s.lc.zoneRates().get('')}`);
  assert.equal(noExecuteCount(s), 0, `NoExecute-tainted nodes: got ${noExecuteCount(s)}, want 0`);
  assert.ok(s.taints('n-5').includes(`${UNREACHABLE}:NoSchedule`), `NoSchedule still added: got ${s.taints('n-5').join()}`);
  const changes = s.logs.filter((m) => m.includes('is now in state'));
  assert.deepEqual(changes, ['nodelifecycle: zone (no zone) is now in state Normal', 'nodelifecycle: zone (no zone) is now in state PartialDisruption'], `zone state changes logged: got ${JSON.stringify(s.logs)}`);
});

test('nodelifecycle: 40 of 60 die in a large zone → 0.01 nodes/s', async () => {
  const s = sim({ '': 60 });
  const dead = Array.from({ length: 40 }, (_, i) => `n-${i}`);
  s.kill(...dead);
  await s.run(260);
  assert.equal(s.lc.zoneStates().get(''), 'PartialDisruption', `zone state: got ${s.lc.zoneStates().get('')}`);
  assert.equal(s.lc.zoneRates().get(''), 0.01, `rate: got ${s.lc.zoneRates().get('')}`);
  const got = [...s.taintedAt.values()].sort((a, b) => a - b);
  assert.deepEqual(got, [45, 145, 245], `NoExecute taint times: got ${got.join()}, want 45,145,245 (one per 100 s)`);
});

test('nodelifecycle: every zone down → no NoExecute taints, earlier ones removed; tainting resumes when a node returns', async () => {
  const s = sim({ a: 3, b: 3 });
  s.kill('a-0');
  await s.run(60);
  assert.equal(s.taintedAt.get('a-0'), 45, `a-0 tainted while the rest is alive: got ${s.taintedAt.get('a-0')}`);
  s.kill('a-1', 'a-2', 'b-0', 'b-1', 'b-2');
  await s.run(120);
  assert.deepEqual(Object.fromEntries(s.lc.zoneStates()), { 'r:\x00:a': 'FullDisruption', 'r:\x00:b': 'FullDisruption' }, 'both zones fully disrupted');
  assert.equal(noExecuteCount(s), 0, `NoExecute-tainted nodes with every zone down: got ${noExecuteCount(s)}, want 0`);
  assert.ok(s.taints('a-0').includes(`${UNREACHABLE}:NoSchedule`), `NoSchedule stays: got ${s.taints('a-0').join()}`);
  s.revive('b-0');
  s.taintedAt.clear();
  await s.run(60);
  assert.ok(s.taintedAt.size > 0, 'tainting resumed after a node came back');
  const a = [...s.taintedAt].filter(([n]) => n.startsWith('a-')).map(([, t]) => t).sort((x, y) => x - y);
  for (let i = 1; i < a.length; i++) assert.ok(a[i]! - a[i - 1]! >= 10, `zone a rate-limited again: got ${a.join()}`);
  assert.equal(s.taintedAt.get('b-0'), undefined, 'the returned node is not tainted');
});

test('nodelifecycle: a node coming back is untainted at once and keeps its remaining pods', async () => {
  const s = sim({ '': 10 });
  const pod = (name: string, secs: number): Pod => ({ metadata: { name, namespace: 'ns', uid: name }, spec: { nodeName: 'n-0', tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: secs }, { key: NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: secs }] } as never });
  s.fake.seed(Resources.pods, pod('short', 20));
  s.fake.seed(Resources.pods, pod('default', 300));
  s.fake.seed(Resources.pods, { metadata: { name: 'other', namespace: 'ns', uid: 'o' }, spec: { nodeName: 'n-1' } });
  s.kill('n-0');
  await s.run(70);
  assert.equal(s.taintedAt.get('n-0'), 45, `tainted at 45 s: got ${s.taintedAt.get('n-0')}`);
  assert.deepEqual(s.fake.log({ verb: 'delete' }), ['delete pods ns/short'], 'the pod tolerating 20 s is evicted at 65 s, the 300-s one stays');
  assert.ok(s.events.some((e) => e.includes('TaintManagerEviction')), `TaintManagerEviction event: got ${s.events.join(' | ')}`);
  s.revive('n-0');
  await s.run(1);
  assert.deepEqual(s.taints('n-0'), [], `taints right after the node is Ready again: got ${s.taints('n-0').join()}`);
  await s.run(400);
  assert.deepEqual(s.fake.log({ verb: 'delete' }), ['delete pods ns/short'], 'no more evictions after the node returned');
  assert.ok(s.fake.get<Pod>(Resources.pods, 'ns', 'default'), 'the 300-s pod is still there');
});

test('nodelifecycle: zones are independent (a partially disrupted zone stops, a normal one goes on)', async () => {
  const s = sim({ a: 10, b: 10 });
  s.kill('a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'a-5');
  s.kill('b-0', 'b-1', 'b-2', 'b-3');
  await s.run(120);
  assert.deepEqual(Object.fromEntries(s.lc.zoneStates()), { 'r:\x00:a': 'PartialDisruption', 'r:\x00:b': 'Normal' }, 'zone states');
  const a = times(s, ['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
  assert.deepEqual(a, [undefined, undefined, undefined, undefined, undefined, undefined], `zone a: got ${a.join()}`);
  const b = times(s, ['b-0', 'b-1', 'b-2', 'b-3']);
  assert.deepEqual(b, [45, 55, 65, 75], `zone b at its own rate: got ${b.join()}, want 45,55,65,75`);
});

test('nodelifecycle: two zones in Normal each use their own limiter', async () => {
  const s = sim({ a: 10, b: 10 });
  s.kill('a-0', 'a-1', 'b-0', 'b-1');
  await s.run(60);
  const got = times(s, ['a-0', 'a-1', 'b-0', 'b-1']);
  assert.deepEqual(got, [45, 55, 45, 55], `got ${got.join()}, want 45,55,45,55`);
});

test('nodelifecycle: Ready=False swaps an unreachable NoExecute taint at once', async () => {
  const s = sim({ '': 10 });
  s.kill('n-0');
  await s.run(50);
  assert.ok(s.taints('n-0').includes(`${UNREACHABLE}:NoExecute`), `got ${s.taints('n-0').join()}`);
  s.revive('n-0'); // the kubelet answers again, but reports Ready=False
  const again = s.fake.get<Node>(Resources.nodes, '', 'n-0')!;
  s.fake.seed<Node>(Resources.nodes, { ...again, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastHeartbeatTime: iso(s.clock.now()) } as never] } });
  await s.run(6);
  assert.deepEqual(s.taints('n-0').sort(), [`${NOT_READY}:NoExecute`, `${NOT_READY}:NoSchedule`], `got ${s.taints('n-0').join()}`);
});
