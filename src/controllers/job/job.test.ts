import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, Resources } from '../../client';
import type { Pod } from '../common/types';
import { Expectations } from '../replicaset/expectations';
import { FakeClient, recorder } from '../testing/fake-client';
import { COMPLETION_INDEX, createJobReconciler, formatIndexes, parseIndexes, TRACKING_FINALIZER, type Job } from './job';

const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const LABELS = { 'batch.kubernetes.io/controller-uid': 'job-uid', 'batch.kubernetes.io/job-name': 'j' };

const job = (spec: Job['spec'] = {}, status?: Job['status']): Job => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ns', uid: 'job-uid', resourceVersion: '1' },
  spec: { selector: { matchLabels: LABELS }, template: { metadata: { labels: LABELS }, spec: { restartPolicy: 'Never', containers: [{ name: 'c' }] } }, ...spec },
  ...(status ? { status } : {}),
});

const pod = (name: string, phase: string, o: { finalizer?: boolean; deleting?: boolean } = {}): Pod => ({
  metadata: {
    name, namespace: 'ns', uid: `u-${name}`, labels: LABELS, creationTimestamp: iso(T0 - 1000),
    ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'job-uid', controller: true, blockOwnerDeletion: true }],
    ...(o.finalizer !== false ? { finalizers: [TRACKING_FINALIZER] } : {}), ...(o.deleting ? { deletionTimestamp: iso(T0) } : {}),
  },
  spec: {},
  status: { phase },
});

function setup(j: Job, pods: Pod[]) {
  const clock = new FakeClock(T0);
  const fake = new FakeClient(() => clock.now());
  fake.seed(Resources.jobs, j);
  for (const p of pods) fake.seed(Resources.pods, p);
  const rec = recorder();
  const expectations = new Expectations(() => clock.now());
  const run = () => createJobReconciler({ client: fake.client(), jobs: fake.indexer(Resources.jobs), pods: fake.indexer(Resources.pods), expectations, recorder: rec, clock })({ namespace: 'ns', name: 'j' });
  return { fake, clock, rec, run, status: () => fake.get<Job>(Resources.jobs, 'ns', 'j')?.status };
}

test('job: reconcile decisions', async (t) => {
  const cases: Array<{ name: string; job: Job; pods: Pod[]; wantCreates: number; want: Partial<Record<'active' | 'succeeded' | 'failed', number>>; wantCond?: string }> = [
    { name: 'a new job starts parallelism pods', job: job({ parallelism: 3, completions: 5 }), pods: [], wantCreates: 3, want: { active: 3, succeeded: 0, failed: 0 } },
    { name: 'never more than the completions left', job: job({ parallelism: 3, completions: 5 }), pods: ['a', 'b', 'c', 'd'].map((n) => pod(n, 'Succeeded')), wantCreates: 1, want: { active: 1, succeeded: 4 } },
    { name: 'completions reached: Complete', job: job({ completions: 2 }), pods: [pod('a', 'Succeeded'), pod('b', 'Succeeded')], wantCreates: 0, want: { active: 0, succeeded: 2 }, wantCond: 'Complete' },
    { name: 'no completions: one success and nothing running completes', job: job({ parallelism: 2 }), pods: [pod('a', 'Succeeded'), pod('b', 'Failed')], wantCreates: 0, want: { succeeded: 1, failed: 1 }, wantCond: 'Complete' },
    { name: 'backoffLimit exceeded: Failed', job: job({ backoffLimit: 1 }), pods: [pod('a', 'Failed'), pod('b', 'Failed')], wantCreates: 0, want: { failed: 2 }, wantCond: 'Failed' },
    { name: 'a pod deleted while running counts as failed (and backs off)', job: job({}), pods: [pod('a', 'Running', { deleting: true })], wantCreates: 0, want: { failed: 1, active: 0 } },
    { name: 'already-counted pods (no finalizer) are not counted again', job: job({ completions: 3 }, { succeeded: 1 }), pods: [pod('a', 'Succeeded', { finalizer: false })], wantCreates: 1, want: { succeeded: 1, active: 1 } },
    { name: 'suspended: nothing runs', job: job({ suspend: true, parallelism: 2 }), pods: [pod('a', 'Running')], wantCreates: 0, want: { active: 0 }, wantCond: 'Suspended' },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const h = setup(c.job, c.pods);
      await h.run().catch((e: unknown) => assert.fail(`reconcile threw ${String(e)}`));
      const creates = h.fake.log({ verb: 'create' }).length;
      assert.equal(creates, c.wantCreates, `got ${creates} creates, want ${c.wantCreates}: ${h.fake.log().join(', ')}`);
      const s = h.status() ?? {};
      for (const [k, v] of Object.entries(c.want)) assert.equal(s[k as 'active'], v, `status.${k}: got ${s[k as 'active']}, want ${v} (${JSON.stringify(s)})`);
      if (c.wantCond) assert.equal(s.conditions?.find((x) => x.type === c.wantCond)?.status, 'True', `conditions ${JSON.stringify(s.conditions)}`);
      assert.deepEqual(s.uncountedTerminatedPods ?? {}, {}, 'nothing left uncounted');
      for (const p of c.pods.filter((x) => x.status?.phase !== 'Running' || x.metadata.deletionTimestamp)) {
        const cur = h.fake.get<Pod>(Resources.pods, 'ns', p.metadata.name ?? '');
        assert.ok(!cur?.metadata.finalizers?.includes(TRACKING_FINALIZER), `${p.metadata.name} still has the tracking finalizer`);
      }
    });
  }
});

test('job: created pods carry the tracking finalizer; failures back off', async () => {
  const h = setup(job({ backoffLimit: 6 }), [pod('a', 'Failed')]);
  const res = await h.run();
  assert.equal(h.fake.log({ verb: 'create' }).length, 0, 'no replacement before the 10 s backoff');
  assert.equal(res.requeueAfterMs, 10_000, `got requeue ${res.requeueAfterMs}`);
  h.clock.advance(10_000);
  await h.run();
  const created = h.fake.actions.find((a) => a.verb === 'create')?.body as Pod | undefined;
  assert.deepEqual(created?.metadata.finalizers, [TRACKING_FINALIZER]);
  assert.equal(created?.metadata.generateName, 'j-');
  assert.equal(h.status()?.failed, 1);
});

test('job: Indexed completion mode', async () => {
  assert.equal(formatIndexes(parseIndexes('0,2-4,7')), '0,2-4,7');
  assert.equal(formatIndexes(new Set([5, 1, 2, 3])), '1-3,5');
  assert.equal(formatIndexes(new Set()), '');
  const indexedPod = (i: number, phase: string): Pod => {
    const p = pod(`i${i}`, phase);
    p.metadata.annotations = { [COMPLETION_INDEX]: String(i) };
    return p;
  };
  const h = setup(job({ completionMode: 'Indexed', completions: 5, parallelism: 2 }, { completedIndexes: '0', succeeded: 1 }), [indexedPod(1, 'Running'), indexedPod(2, 'Succeeded')]);
  await h.run();
  const created = h.fake.actions.filter((a) => a.verb === 'create').map((a) => a.body as Pod);
  assert.deepEqual(created.map((p) => p.metadata.annotations?.[COMPLETION_INDEX]), ['3'], 'the lowest free index');
  const c = created[0]!;
  assert.equal(c.metadata.generateName, 'j-3-');
  assert.equal(c.spec?.hostname, 'j-3');
  assert.deepEqual((c.spec?.containers?.[0]?.env as Array<{ name: string }>).map((e) => e.name), ['JOB_COMPLETION_INDEX']);
  assert.deepEqual([h.status()?.completedIndexes, h.status()?.succeeded], ['0,2', 2]);
  const done = setup(job({ completionMode: 'Indexed', completions: 3 }, { completedIndexes: '0-1', succeeded: 2 }), [indexedPod(2, 'Succeeded')]);
  await done.run();
  assert.equal(done.status()?.conditions?.find((x) => x.type === 'Complete')?.status, 'True', 'every index done: Complete');
});
