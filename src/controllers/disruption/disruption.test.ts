import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, Resources } from '../../client';
import type { Deployment, Pod, ReplicaSet } from '../common/types';
import { FakeClient, recorder } from '../testing/fake-client';
import { budget, createDisruptionReconciler, type PodDisruptionBudget } from './disruption';

const pdb = (spec: PodDisruptionBudget['spec']): PodDisruptionBudget => ({ metadata: { name: 'p', namespace: 'ns', generation: 2 }, spec: { selector: { matchLabels: { app: 'a' } }, ...spec } });

test('disruption: budget arithmetic', () => {
  const cases: Array<[string, PodDisruptionBudget['spec'], number, number, { expected: number; desired: number }]> = [
    ['minAvailable count', { minAvailable: 2 }, 3, 5, { expected: 3, desired: 2 }],
    ['minAvailable percent rounds up against the scale', { minAvailable: '50%' }, 3, 5, { expected: 5, desired: 3 }],
    ['maxUnavailable count', { maxUnavailable: 1 }, 3, 4, { expected: 4, desired: 3 }],
    ['maxUnavailable percent rounds up', { maxUnavailable: '30%' }, 3, 4, { expected: 4, desired: 2 }],
  ];
  for (const [name, spec, pods, scale, want] of cases) assert.deepEqual(budget(pdb(spec), pods, () => scale), want, name);
});

const pod = (name: string, ready: boolean, owner?: string): Pod => ({
  metadata: { name, namespace: 'ns', labels: { app: 'a' }, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `u-${owner}`, controller: true }] } : {}) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

function run(p: PodDisruptionBudget, pods: Pod[], extra: (f: FakeClient) => void = () => undefined) {
  const fake = new FakeClient();
  fake.seed(Resources.poddisruptionbudgets, p);
  for (const x of pods) fake.seed(Resources.pods, x);
  extra(fake);
  return createDisruptionReconciler({
    client: fake.client(), pdbs: fake.indexer(Resources.poddisruptionbudgets), pods: fake.indexer(Resources.pods), replicasets: fake.indexer(Resources.replicasets),
    deployments: fake.indexer(Resources.deployments), rcs: fake.indexer(Resources.replicationcontrollers), statefulsets: fake.indexer(Resources.statefulsets), recorder: recorder(), clock: new FakeClock(),
  })({ namespace: 'ns', name: 'p' }).then(() => fake.get<PodDisruptionBudget>(Resources.poddisruptionbudgets, 'ns', 'p')?.status);
}

test('disruption: status from pods and controller scale', async () => {
  const s1 = await run(pdb({ minAvailable: 2 }), [pod('a', true), pod('b', true), pod('c', false)]);
  assert.deepEqual([s1?.currentHealthy, s1?.desiredHealthy, s1?.expectedPods, s1?.disruptionsAllowed, s1?.conditions?.[0]?.reason], [2, 2, 3, 0, 'InsufficientPods']);
  const s2 = await run(pdb({ maxUnavailable: 1 }), [pod('a', true, 'rs'), pod('b', true, 'rs'), pod('c', true, 'rs')], (f) => {
    f.seed<ReplicaSet>(Resources.replicasets, { metadata: { name: 'rs', namespace: 'ns', uid: 'u-rs', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u-d', controller: true }] }, spec: { replicas: 3 } });
    f.seed<Deployment>(Resources.deployments, { metadata: { name: 'd', namespace: 'ns', uid: 'u-d' }, spec: { replicas: 3 } });
  });
  assert.deepEqual([s2?.expectedPods, s2?.desiredHealthy, s2?.disruptionsAllowed, s2?.conditions?.[0]?.reason, s2?.observedGeneration], [3, 2, 1, 'SufficientPods', 2]);
  const s3 = await run(pdb({ maxUnavailable: 1 }), [pod('a', true)]);
  assert.deepEqual([s3?.disruptionsAllowed, s3?.conditions?.[0]?.reason], [0, 'SyncFailed'], 'pods without a controller cannot use maxUnavailable');
});
