import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, FakeClock, Resources } from '../../client';
import type { Pod, ReplicaSet } from '../common/types';
import { FakeClient, recorder } from '../testing/fake-client';
import { Expectations } from './expectations';
import { podsToDelete, slowStartBatch } from './manage';
import { createReplicaSetReconciler, REPLICA_SET, REPLICATION_CONTROLLER } from './replicaset';

const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function rs(replicas: number, extra: Partial<NonNullable<ReplicaSet['spec']>> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid', generation: 2, resourceVersion: '1' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c' }] } }, ...extra },
  };
}

interface PodOpts { owner?: string | null; labels?: Record<string, string>; node?: string; phase?: string; ready?: boolean; readyAt?: number; created?: number }
function pod(name: string, o: PodOpts = {}): Pod {
  return {
    metadata: {
      name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '1', labels: o.labels ?? { app: 'web', tier: 'fe' },
      creationTimestamp: iso(o.created ?? T0 - 60_000),
      ownerReferences: o.owner === null ? undefined : [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: o.owner ?? 'rs-uid', controller: true, blockOwnerDeletion: true }],
    },
    spec: { nodeName: o.node },
    status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: iso(o.readyAt ?? T0 - 30_000) }] },
  };
}

function setup(set: ReplicaSet, pods: Pod[], kind = REPLICA_SET) {
  const clock = new FakeClock(T0);
  const fake = new FakeClient(() => clock.now());
  fake.seed(kind.resource, set);
  for (const p of pods) fake.seed(Resources.pods, p);
  const expectations = new Expectations(() => clock.now());
  const rec = recorder();
  const run = () => createReplicaSetReconciler({
    kind, client: fake.client(), rsLister: fake.indexer<ReplicaSet>(kind.resource), podLister: fake.indexer<Pod>(Resources.pods), expectations, recorder: rec, clock,
  })({ namespace: 'ns', name: 'web' });
  return { fake, clock, expectations, rec, run, status: () => fake.get<ReplicaSet>(kind.resource, 'ns', 'web')?.status };
}

test('replicaset: reconcile decisions', async (t) => {
  const cases: Array<{ name: string; set: ReplicaSet; pods: Pod[]; want: string[]; kind?: typeof REPLICA_SET }> = [
    { name: 'scale up from zero creates every missing pod', set: rs(3), pods: [], want: ['create pods', 'create pods', 'create pods'] },
    { name: 'in sync does nothing', set: rs(2), pods: [pod('a', { node: 'n' }), pod('b', { node: 'n' })], want: [] },
    {
      name: 'scale down deletes unscheduled, then pending, then not ready first',
      set: rs(1),
      pods: [pod('ready', { node: 'n' }), pod('notready', { node: 'n', ready: false }), pod('pending', { node: 'n', phase: 'Pending', ready: false }), pod('unsched', { ready: false, phase: 'Pending' })],
      want: ['delete pods ns/unsched', 'delete pods ns/pending', 'delete pods ns/notready'],
    },
    {
      name: 'among equals the newest ready pod goes first',
      set: rs(1), pods: [pod('old', { node: 'n', readyAt: T0 - 100_000 }), pod('new', { node: 'n', readyAt: T0 - 1000 })],
      want: ['delete pods ns/new'],
    },
    { name: 'pods of another controller are ignored', set: rs(1), pods: [pod('other', { owner: 'someone-else' })], want: ['create pods'] },
    { name: 'a matching orphan is adopted instead of creating', set: rs(1), pods: [pod('orphan', { owner: null })], want: ['patch pods ns/orphan'] },
    {
      name: 'an owned pod that stopped matching is released and replaced',
      set: rs(1), pods: [pod('moved', { labels: { app: 'other' } })], want: ['patch pods ns/moved', 'create pods'],
    },
    { name: 'terminating and finished pods do not count', set: rs(2), pods: [{ ...pod('done'), status: { phase: 'Succeeded' } }, { ...pod('gone'), metadata: { ...pod('gone').metadata, deletionTimestamp: iso(T0) } }], want: ['create pods', 'create pods'] },
    { name: 'a ReplicationController selects by its map', set: { ...rs(1), apiVersion: 'v1', kind: 'ReplicationController', spec: { ...rs(1).spec, selector: { app: 'web' } } }, pods: [], want: ['create pods'], kind: REPLICATION_CONTROLLER },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const h = setup(c.set, c.pods, c.kind);
      await h.run();
      const got = h.fake.log().filter((l) => !l.startsWith('update-status')).map((l) => (l.startsWith('create pods') ? 'create pods' : l));
      assert.deepEqual(got, c.want, `got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
    });
  }
});

test('replicaset: created pods come from the template with generateName and a controller reference', async () => {
  const h = setup(rs(1), []);
  await h.run();
  const created = h.fake.actions.find((a) => a.verb === 'create')?.body as Pod;
  assert.equal(created.metadata.generateName, 'web-', `got generateName ${created.metadata.generateName}`);
  assert.deepEqual(created.metadata.labels, { app: 'web', tier: 'fe' }, 'labels from the template');
  assert.deepEqual(created.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(h.rec.events, [`Normal SuccessfulCreate Created pod: ${created.metadata.name}`]);
});

test('replicaset: expectations stop a second reconcile from creating again before the informer caught up', async () => {
  const h = setup(rs(3), []);
  await h.run();
  assert.deepEqual(h.expectations.get('ns/web'), { add: 3, del: 0 }, 'expectations after creating 3');
  const before = h.fake.log({ verb: 'create' }).length;
  // The lister is rebuilt from the fake's objects, but pretend the informer has not seen them: use an empty pod list.
  await createReplicaSetReconciler({
    kind: REPLICA_SET, client: h.fake.client(), rsLister: h.fake.indexer(Resources.replicasets), podLister: new FakeClient().indexer(Resources.pods),
    expectations: h.expectations, recorder: h.rec, clock: h.clock,
  })({ namespace: 'ns', name: 'web' });
  assert.equal(h.fake.log({ verb: 'create' }).length, before, 'no creates while expectations are pending');
  for (let i = 0; i < 3; i++) h.expectations.creationObserved('ns/web');
  assert.equal(h.expectations.satisfied('ns/web'), true, 'satisfied after observing 3 creations');
});

test('replicaset: a failed create stops the slow-start batch and sets ReplicaFailure', async () => {
  const h = setup(rs(5), []);
  const quota = new ApiError(403, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: 'pods "web-" is forbidden: exceeded quota' });
  h.fake.failNext('create', 'pods', quota);
  await assert.rejects(h.run(), /exceeded quota/);
  assert.equal(h.fake.log({ verb: 'create' }).length, 1, 'the first batch of 1 failed: no more creates');
  const cond = h.status()?.conditions?.find((c) => c.type === 'ReplicaFailure');
  assert.equal(cond?.reason, 'FailedCreate', `got condition ${JSON.stringify(cond)}`);
  assert.match(cond?.message ?? '', /exceeded quota/);
  assert.equal(h.expectations.satisfied('ns/web'), true, 'expectations lowered for creates that never happened');
  assert.ok(h.rec.events.some((e) => e.startsWith('Warning FailedCreate Error creating:')), `events ${h.rec.events.join(';')}`);
});

test('replicaset: slowStartBatch sizes 1, 2, 4, … and stops after the batch with a failure', async () => {
  const cases = [
    { name: 'all succeed', count: 10, failAt: -1, wantCalls: 10, wantOk: 10 },
    { name: 'failure in the third batch', count: 10, failAt: 4, wantCalls: 7, wantOk: 6 },
    { name: 'failure at the very first call', count: 10, failAt: 1, wantCalls: 1, wantOk: 0 },
  ];
  for (const c of cases) {
    let calls = 0;
    const res = await slowStartBatch(c.count, 1, async () => {
      if (++calls === c.failAt) throw new Error('x');
    });
    assert.equal(calls, c.wantCalls, `${c.name}: got ${calls} calls, want ${c.wantCalls}`);
    assert.equal(res.ok, c.wantOk, `${c.name}: got ${res.ok} ok, want ${c.wantOk}`);
  }
});

test('replicaset: status counts and minReadySeconds', async () => {
  const set = rs(3, { minReadySeconds: 10 });
  const pods = [
    pod('a', { node: 'n', readyAt: T0 - 60_000 }),
    pod('b', { node: 'n', readyAt: T0 - 2_000 }), // ready, not yet available
    pod('c', { node: 'n', ready: false, labels: { app: 'web' } }), // not fully labeled
  ];
  const h = setup(set, pods);
  const res = await h.run();
  assert.deepEqual(h.status(), { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 2 }, `got ${JSON.stringify(h.status())}`);
  assert.equal(res.requeueAfterMs, undefined, 'not all ready: no requeue');
  const h2 = setup(rs(2, { minReadySeconds: 10 }), pods.slice(0, 2));
  const res2 = await h2.run();
  assert.equal(res2.requeueAfterMs, 10_000, `got requeue ${res2.requeueAfterMs}, want 10000`);
});

test('replicaset: podsToDelete keeps scheduled, running, ready, older pods', () => {
  const pods = [pod('r-old', { node: 'n', created: T0 - 9000, readyAt: T0 - 9000 }), pod('r-new', { node: 'n', created: T0 - 1000, readyAt: T0 - 9000 }), pod('unsched', { ready: false })];
  const got = podsToDelete(pods, 2).map((p) => p.metadata.name);
  assert.deepEqual(got, ['unsched', 'r-new'], `got ${got.join(',')}`);
});
