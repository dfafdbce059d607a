import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndexer, FakeClock, Resources } from '../../client';
import type { Pod } from '../common/types';
import { FakeClient, recorder } from '../testing/fake-client';
import { createNodeLifecycleReconciler, desiredTaints, NODE_INDEX, podNodeIndex, unknownConditions, type Lease, type Node } from './nodelifecycle';
import { evictionTime, NOT_READY, UNREACHABLE, type Taint } from './taints';

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
  assert.deepEqual(keys(desiredTaints([], 'Unknown', T0)), [`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
  assert.deepEqual(keys(desiredTaints([{ key: UNREACHABLE, effect: 'NoExecute' }, { key: 'user', effect: 'NoSchedule' }], 'False', T0)), ['user:NoSchedule', `${NOT_READY}:NoExecute`, `${NOT_READY}:NoSchedule`]);
  assert.deepEqual(keys(desiredTaints([{ key: NOT_READY, effect: 'NoExecute' }], 'True', T0)), []);
  const kept = desiredTaints([{ key: UNREACHABLE, effect: 'NoExecute', timeAdded: 'then' }], 'Unknown', T0);
  assert.equal(kept[0]?.timeAdded, 'then', 'timeAdded kept for an existing taint');
  const conds = unknownConditions([{ type: 'Ready', status: 'True', reason: 'KubeletReady' }], T0);
  assert.deepEqual(conds.map((c) => `${c.type}=${c.status}:${c.reason}`), ['Ready=Unknown:NodeStatusUnknown', 'MemoryPressure=Unknown:NodeStatusNeverUpdated', 'DiskPressure=Unknown:NodeStatusNeverUpdated', 'PIDPressure=Unknown:NodeStatusNeverUpdated']);
});

test('nodelifecycle: a silent node becomes Unknown, tainted, and its intolerant pods are evicted', async () => {
  const clock = new FakeClock(T0);
  const fake = new FakeClient(() => clock.now());
  const node: Node = { metadata: { name: 'n1', uid: 'n1', creationTimestamp: iso(T0 - 3600_000) }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: iso(T0 - 60_000) } as never] } };
  fake.seed(Resources.nodes, node);
  const lease: Lease = { metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { renewTime: iso(T0 - 50_000) } };
  const pods: Pod[] = [
    { metadata: { name: 'plain', namespace: 'ns', uid: 'p1' }, spec: { nodeName: 'n1' } },
    { metadata: { name: 'patient', namespace: 'ns', uid: 'p2' }, spec: { nodeName: 'n1', tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] } as never },
    { metadata: { name: 'elsewhere', namespace: 'ns', uid: 'p3' }, spec: { nodeName: 'n2' } },
  ];
  for (const p of pods) fake.seed(Resources.pods, p);
  const podIx = createIndexer<Pod>({ [NODE_INDEX]: podNodeIndex });
  for (const p of pods) podIx.upsert(p);
  const leases = createIndexer<Lease>();
  leases.upsert(lease);
  const run = (nodes = fake.indexer<Node>(Resources.nodes)) => createNodeLifecycleReconciler({ client: fake.client(), nodes, leases, pods: podIx, recorder: recorder(), clock })({ namespace: '', name: 'n1' });
  const res = await run();
  const got = fake.get<Node>(Resources.nodes, '', 'n1')!;
  assert.equal(got.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'Unknown');
  assert.deepEqual(got.spec?.taints?.map((t) => t.key + ':' + t.effect), [`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
  assert.deepEqual(fake.log({ verb: 'delete' }), ['delete pods ns/plain'], 'only the pod without a toleration goes at once');
  assert.equal(res.requeueAfterMs, 5000, `got requeue ${res.requeueAfterMs}`);

  // A fresh lease: the node is healthy again (the kubelet would set Ready=True; here it stays Unknown, so the taints stay).
  leases.upsert({ ...lease, spec: { renewTime: iso(T0) } });
  fake.seed(Resources.nodes, { ...got, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: iso(T0) } as never] } });
  await run();
  assert.deepEqual(fake.get<Node>(Resources.nodes, '', 'n1')?.spec?.taints ?? [], [], 'taints removed once Ready again');
});
