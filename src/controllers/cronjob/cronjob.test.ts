import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, Resources } from '../../client';
import type { Job } from '../job/job';
import { FakeClient, recorder } from '../testing/fake-client';
import { mostRecentTime, nextTime, parseSchedule } from './cron';
import { createCronJobReconciler, type CronJob } from './cronjob';

const at = (s: string): number => Date.parse(s);
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

test('cron: next scheduled time', () => {
  const cases: Array<[string, string, string]> = [
    ['*/5 * * * *', '2025-01-01T00:03:10Z', '2025-01-01T00:05:00.000Z'],
    ['0 * * * *', '2025-01-01T00:00:00Z', '2025-01-01T01:00:00.000Z'],
    ['@daily', '2025-01-01T12:00:00Z', '2025-01-02T00:00:00.000Z'],
    ['30 9 * * mon-fri', '2025-01-03T10:00:00Z', '2025-01-06T09:30:00.000Z'], // Friday after 9:30 → Monday
    ['0 0 13 * 5', '2025-01-01T00:00:00Z', '2025-01-03T00:00:00.000Z'], // dom OR dow: first Friday
    ['0 0 1 jan,jul *', '2025-02-01T00:00:00Z', '2025-07-01T00:00:00.000Z'],
    ['0 12 * * *', '2025-01-01T00:00:00Z', '2025-01-01T12:00:00.000Z'],
  ];
  for (const [spec, from, want] of cases) {
    const got = nextTime(parseSchedule(spec), at(from));
    assert.equal(got === undefined ? 'none' : new Date(got).toISOString(), want, `${spec} after ${from}`);
  }
  const tz = nextTime(parseSchedule('0 12 * * *'), at('2025-01-01T00:00:00Z'), 'America/New_York');
  assert.equal(new Date(tz!).toISOString(), '2025-01-01T17:00:00.000Z', 'noon in New York is 17:00 UTC in January');
  for (const bad of ['* * * *', '61 * * * *', 'x * * * *', '*/0 * * * *']) assert.throws(() => parseSchedule(bad), `${bad} rejected`);
  const r = mostRecentTime(parseSchedule('*/10 * * * *'), at('2025-01-01T00:00:00Z'), at('2025-01-01T00:35:00Z'));
  assert.deepEqual([iso(r.time!), r.missed], ['2025-01-01T00:30:00Z', 3]);
});

const T0 = at('2025-01-01T00:10:30Z');

function cronjob(spec: Partial<NonNullable<CronJob['spec']>> = {}, status?: CronJob['status']): CronJob {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj', namespace: 'ns', uid: 'cj-uid', creationTimestamp: '2025-01-01T00:00:00Z', resourceVersion: '1' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { template: { spec: { containers: [{ name: 'c' }] } } } }, ...spec },
    ...(status ? { status } : {}),
  };
}

function job(name: string, finished?: 'Complete' | 'Failed', done = T0): Job {
  return {
    metadata: { name, namespace: 'ns', uid: `u-${name}`, creationTimestamp: iso(done - 60_000), ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'cj-uid', controller: true }] },
    status: finished ? { conditions: [{ type: finished, status: 'True', lastTransitionTime: iso(done) }], ...(finished === 'Complete' ? { completionTime: iso(done) } : {}) } : {},
  };
}

test('cronjob: reconcile decisions', async (t) => {
  const minute = (s: string): number => Math.floor(at(s) / 60_000);
  const due = `cj-${minute('2025-01-01T00:10:00Z')}`;
  const cases: Array<{ name: string; cj: CronJob; jobs?: Job[]; want: string[] }> = [
    { name: 'creates the job for the latest missed time', cj: cronjob(), want: [`create jobs ns/${due}`] },
    { name: 'already created: nothing', cj: cronjob(), jobs: [job(due)], want: [] },
    { name: 'Forbid with an active job: nothing', cj: cronjob({ concurrencyPolicy: 'Forbid' }), jobs: [job('old')], want: [] },
    { name: 'Replace deletes the active job first', cj: cronjob({ concurrencyPolicy: 'Replace' }), jobs: [job('old')], want: ['delete jobs ns/old', `create jobs ns/${due}`] },
    { name: 'past startingDeadlineSeconds: missed', cj: cronjob({ startingDeadlineSeconds: 10 }), want: [] },
    { name: 'suspended: nothing', cj: cronjob({ suspend: true }), want: [] },
    {
      name: 'history beyond the limits is deleted, oldest first', cj: cronjob({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0 }, { lastScheduleTime: '2025-01-01T00:10:00Z' }),
      jobs: [job('s1', 'Complete', T0 - 3000), job('s2', 'Complete', T0 - 2000), job('f1', 'Failed')], want: ['delete jobs ns/s1', 'delete jobs ns/f1'],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const clock = new FakeClock(T0);
      const fake = new FakeClient(() => clock.now());
      fake.seed(Resources.cronjobs, c.cj);
      for (const j of c.jobs ?? []) fake.seed(Resources.jobs, j);
      const res = await createCronJobReconciler({ client: fake.client(), cronjobs: fake.indexer(Resources.cronjobs), jobs: fake.indexer(Resources.jobs), recorder: recorder(), clock })({ namespace: 'ns', name: 'cj' });
      const got = fake.log().filter((l) => !l.startsWith('update-status'));
      assert.deepEqual(got, c.want, `got ${JSON.stringify(got)}`);
      if (!c.cj.spec?.suspend) assert.equal(res.requeueAfterMs, at('2025-01-01T00:15:00Z') - T0 + 100, `requeue for the next time, got ${res.requeueAfterMs}`);
    });
  }
  const clock = new FakeClock(T0);
  const fake = new FakeClient(() => clock.now());
  fake.seed(Resources.cronjobs, cronjob());
  await createCronJobReconciler({ client: fake.client(), cronjobs: fake.indexer(Resources.cronjobs), jobs: fake.indexer(Resources.jobs), recorder: recorder(), clock })({ namespace: 'ns', name: 'cj' });
  const created = fake.list<Job>(Resources.jobs)[0]!;
  assert.equal(created.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2025-01-01T00:10:00Z');
  assert.equal(created.metadata.labels?.a, 'b');
  const st = fake.get<CronJob>(Resources.cronjobs, 'ns', 'cj')?.status;
  assert.equal(st?.lastScheduleTime, '2025-01-01T00:10:00Z');
  assert.deepEqual(st?.active?.map((r) => r.name), [created.metadata.name]);
});
