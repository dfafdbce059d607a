// Reconcile-level tests of podFailurePolicy, podReplacementPolicy, backoffLimitPerIndex/maxFailedIndexes,
// successPolicy and the two-step (interim, then terminal) finish conditions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, Resources, type KubeObject, type Lister, type ResourceRef } from '../../client';
import type { Pod } from '../common/types';
import { Expectations } from '../replicaset/expectations';
import { FakeClient, recorder } from '../testing/fake-client';
import { COMPLETION_INDEX, INDEX_FAILURE_COUNT } from './indexes';
import { createJobReconciler, TRACKING_FINALIZER, type Job } from './job';
import type { JobSpec } from './types';

const T0 = Date.UTC(2025, 0, 1);
const LABELS = { 'batch.kubernetes.io/controller-uid': 'job-uid', 'batch.kubernetes.io/job-name': 'j' };

const job = (spec: JobSpec, status?: Job['status']): Job => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ns', uid: 'job-uid', resourceVersion: '1' },
  spec: { backoffLimit: 6, parallelism: 1, selector: { matchLabels: LABELS }, template: { metadata: { labels: LABELS }, spec: { restartPolicy: 'Never', containers: [{ name: 'c' }] } }, ...spec },
  ...(status ? { status } : {}),
});

interface PodOpts { exit?: number; cond?: string; index?: number; failures?: number; deleting?: boolean; finalizer?: boolean }
const pod = (name: string, phase: string, o: PodOpts = {}): Pod => ({
  metadata: {
    name, namespace: 'ns', uid: `u-${name}`, labels: LABELS, creationTimestamp: new Date(T0 - 60_000).toISOString(),
    ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'job-uid', controller: true, blockOwnerDeletion: true }],
    ...(o.finalizer === false ? {} : { finalizers: [TRACKING_FINALIZER] }),
    ...(o.deleting ? { deletionTimestamp: new Date(T0 - 1000).toISOString() } : {}),
    ...(o.index !== undefined ? { annotations: { [COMPLETION_INDEX]: String(o.index), ...(o.failures !== undefined ? { [INDEX_FAILURE_COUNT]: String(o.failures) } : {}) } } : {}),
  },
  spec: {},
  status: {
    phase,
    ...(o.exit !== undefined ? { containerStatuses: [{ name: 'c', state: { terminated: { exitCode: o.exit, finishedAt: new Date(T0 - 1000).toISOString() } } }] } : {}),
    ...(o.cond ? { conditions: [{ type: o.cond, status: 'True' as const }] } : {}),
  },
});

function setup(j: Job, pods: Pod[]) {
  const clock = new FakeClock(T0);
  const fake = new FakeClient(() => clock.now());
  fake.seed(Resources.jobs, j);
  for (const p of pods) fake.seed(Resources.pods, p);
  const expectations = new Expectations(() => clock.now());
  // Listers read the fake's current objects on every call, as an informer cache that caught up would.
  const live = <T extends KubeObject>(ref: ResourceRef): Lister<T> => ({
    get: (ns, n) => fake.indexer<T>(ref).get(ns, n), list: (ns, sel) => fake.indexer<T>(ref).list(ns, sel),
    byIndex: (i, v) => fake.indexer<T>(ref).byIndex(i, v), keys: () => fake.indexer<T>(ref).keys(),
  });
  const reconcile = createJobReconciler({ client: fake.client(), jobs: live<Job>(Resources.jobs), pods: live<Pod>(Resources.pods), expectations, recorder: recorder(), clock });
  const status = () => fake.get<Job>(Resources.jobs, 'ns', 'j')?.status ?? {};
  const conds = () => Object.fromEntries((status().conditions ?? []).filter((c) => c.status === 'True').map((c) => [c.type, c.reason]));
  const created = () => fake.actions.filter((a) => a.verb === 'create').map((a) => a.body as Pod);
  const deleted = () => fake.log({ verb: 'delete' }).length;
  return { fake, clock, status, conds, created, deleted, run: () => reconcile({ namespace: 'ns', name: 'j' }) };
}

const ignoreDisruption: JobSpec['podFailurePolicy'] = { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }, { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] };

test('job: finishing and pod failure policy', async (t) => {
  const cases: Array<{
    name: string; job: Job; pods: Pod[]; runs?: number;
    want: { conds: Record<string, string>; failed?: number; created?: number; deleted?: number; terminating?: number; failedIndexes?: string; createdAnnotations?: Record<string, string> };
  }> = [
    {
      name: 'FailJob rule: FailureTarget at once, running pods deleted, Failed only after they are gone',
      job: job({ podFailurePolicy: ignoreDisruption, parallelism: 2, completions: 2 }), pods: [pod('a', 'Failed', { exit: 42 }), pod('b', 'Running')],
      want: { conds: { FailureTarget: 'PodFailurePolicy' }, failed: 1, created: 0, deleted: 1 },
    },
    {
      name: 'FailJob rule: the second sync adds Failed',
      job: job({ podFailurePolicy: ignoreDisruption, parallelism: 2, completions: 2 }), pods: [pod('a', 'Failed', { exit: 42 }), pod('b', 'Running')], runs: 2,
      want: { conds: { FailureTarget: 'PodFailurePolicy', Failed: 'PodFailurePolicy' }, failed: 1, created: 0 },
    },
    {
      name: 'Ignore rule: not counted, replaced without backoff even with backoffLimit 0',
      job: job({ podFailurePolicy: ignoreDisruption, backoffLimit: 0 }), pods: [pod('a', 'Failed', { exit: 137, cond: 'DisruptionTarget' })],
      want: { conds: {}, failed: 0, created: 1 },
    },
    {
      name: 'no rule matches: counted (backoffLimit 0 → BackoffLimitExceeded, both conditions)',
      job: job({ podFailurePolicy: ignoreDisruption, backoffLimit: 0 }), pods: [pod('a', 'Failed', { exit: 1 })],
      want: { conds: { FailureTarget: 'BackoffLimitExceeded', Failed: 'BackoffLimitExceeded' }, failed: 1, created: 0 },
    },
    {
      name: 'podFailurePolicy implies podReplacementPolicy Failed: a terminating pod is neither failed nor replaced',
      job: job({ podFailurePolicy: ignoreDisruption }), pods: [pod('a', 'Running', { deleting: true })],
      want: { conds: {}, failed: 0, created: 0, terminating: 1 },
    },
    {
      name: 'podReplacementPolicy TerminatingOrFailed: a terminating pod counts as failed',
      job: job({}), pods: [pod('a', 'Running', { deleting: true })],
      want: { conds: {}, failed: 1, created: 0, terminating: 1 },
    },
    {
      name: 'backoffLimitPerIndex: a first failure retries the index with its failure count',
      job: job({ completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 1 }), pods: [pod('a', 'Failed', { index: 0, failures: 0 }), pod('b', 'Running', { index: 1, failures: 0 })],
      runs: 2, // the second sync runs after the 10 s per-index backoff
      want: { conds: {}, failed: 1, created: 1, failedIndexes: '', createdAnnotations: { [COMPLETION_INDEX]: '0', [INDEX_FAILURE_COUNT]: '1' } },
    },
    {
      name: 'backoffLimitPerIndex: an exhausted index is failed and not retried',
      job: job({ completionMode: 'Indexed', completions: 3, parallelism: 1, backoffLimitPerIndex: 1 }), pods: [pod('a', 'Failed', { index: 0, failures: 1 })],
      want: { conds: {}, failed: 1, created: 1, failedIndexes: '0', createdAnnotations: { [COMPLETION_INDEX]: '1', [INDEX_FAILURE_COUNT]: '0' } },
    },
    {
      name: 'maxFailedIndexes exceeded: MaxFailedIndexesExceeded',
      job: job({ completionMode: 'Indexed', completions: 3, parallelism: 1, backoffLimitPerIndex: 0, maxFailedIndexes: 0 }), pods: [pod('a', 'Failed', { index: 0, failures: 0 })],
      want: { conds: { FailureTarget: 'MaxFailedIndexesExceeded', Failed: 'MaxFailedIndexesExceeded' }, failed: 1, created: 0, failedIndexes: '0' },
    },
    {
      name: 'every index finished, some failed: FailedIndexes',
      job: job({ completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 0 }, { completedIndexes: '1', succeeded: 1 }), pods: [pod('a', 'Failed', { index: 0, failures: 0 })],
      want: { conds: { FailureTarget: 'FailedIndexes', Failed: 'FailedIndexes' }, failed: 1, created: 0, failedIndexes: '0' },
    },
    {
      name: 'FailIndex rule fails the index on the first failure',
      job: job({ completionMode: 'Indexed', completions: 2, parallelism: 1, backoffLimitPerIndex: 5, podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } }] } }),
      pods: [pod('a', 'Failed', { index: 0, failures: 0, exit: 3 })],
      want: { conds: {}, failed: 1, created: 1, failedIndexes: '0', createdAnnotations: { [COMPLETION_INDEX]: '1', [INDEX_FAILURE_COUNT]: '0' } },
    },
    {
      name: 'successPolicy met: SuccessCriteriaMet, the rest deleted, not counted as failed',
      job: job({ completionMode: 'Indexed', completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: '0' }] } }),
      pods: [pod('a', 'Succeeded', { index: 0 }), pod('b', 'Running', { index: 1 }), pod('c', 'Running', { index: 2 })],
      want: { conds: { SuccessCriteriaMet: 'SuccessPolicy' }, failed: 0, created: 0, deleted: 2 },
    },
    {
      name: 'successPolicy met: Complete once nothing runs',
      job: job({ completionMode: 'Indexed', completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: '0' }] } }),
      pods: [pod('a', 'Succeeded', { index: 0 }), pod('b', 'Running', { index: 1 })], runs: 2,
      want: { conds: { SuccessCriteriaMet: 'SuccessPolicy', Complete: 'SuccessPolicy' }, failed: 0, created: 0 },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const h = setup(c.job, c.pods);
      for (let i = 0; i < (c.runs ?? 1); i++) {
        await h.run().catch((e: unknown) => assert.fail(`reconcile ${i + 1} threw ${String(e)}`));
        h.clock.advance(10_000);
      }
      const s = h.status();
      assert.deepEqual(h.conds(), c.want.conds, `conditions: got ${JSON.stringify(h.conds())}, want ${JSON.stringify(c.want.conds)}`);
      if (c.want.failed !== undefined) assert.equal(s.failed, c.want.failed, `status.failed: got ${s.failed}, want ${c.want.failed}`);
      if (c.want.created !== undefined) assert.equal(h.created().length, c.want.created, `creates: got ${h.created().length}, want ${c.want.created}`);
      if (c.want.deleted !== undefined) assert.equal(h.deleted(), c.want.deleted, `deletes: got ${h.deleted()}, want ${c.want.deleted}`);
      if (c.want.terminating !== undefined) assert.equal(s.terminating, c.want.terminating, `status.terminating: got ${s.terminating}, want ${c.want.terminating}`);
      if (c.want.failedIndexes !== undefined) assert.equal(s.failedIndexes, c.want.failedIndexes, `status.failedIndexes: got ${s.failedIndexes}, want ${c.want.failedIndexes}`);
      if (c.want.createdAnnotations) {
        const a = h.created()[0]?.metadata.annotations ?? {};
        for (const [k, v] of Object.entries(c.want.createdAnnotations)) assert.equal(a[k], v, `created pod annotation ${k}: got ${a[k]}, want ${v}`);
      }
      assert.deepEqual(s.uncountedTerminatedPods ?? {}, {}, 'nothing left uncounted');
      for (const p of c.pods.filter((x) => ['Succeeded', 'Failed'].includes(x.status?.phase ?? ''))) {
        const cur = h.fake.get<Pod>(Resources.pods, 'ns', p.metadata.name ?? '');
        assert.ok(!cur?.metadata.finalizers?.includes(TRACKING_FINALIZER), `${p.metadata.name} still has the tracking finalizer`);
      }
    });
  }
});

test('job: backoffLimitPerIndex waits out the index backoff before retrying', async () => {
  const h = setup(job({ completionMode: 'Indexed', completions: 1, backoffLimitPerIndex: 3 }), [pod('a', 'Failed', { index: 0, failures: 1, exit: 1 })]);
  // Failed at T0-1s, its 2nd counted failure: backoff 20 s from its finish, 19 s from now.
  const res = await h.run();
  assert.equal(h.created().length, 0, `got ${h.created().length} creates before the backoff, want 0`);
  assert.equal(res.requeueAfterMs, 19_000, `got requeue ${res.requeueAfterMs}, want 19000`);
  h.clock.advance(18_000);
  await h.run();
  assert.equal(h.created().length, 0, `got ${h.created().length} creates 1 s before the backoff ends, want 0`);
  h.clock.advance(1_000);
  await h.run();
  assert.equal(h.created()[0]?.metadata.annotations?.[INDEX_FAILURE_COUNT], '2', 'the retry carries 2 failures');
});
