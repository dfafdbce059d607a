import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { realClock, Resources } from '../client';
import type { CronJob } from './cronjob/cronjob';
import type { Job } from './job/job';
import { eventually, startHarness, type Harness } from './testing/harness';

let h: Harness;
before(async () => {
  // The controllers' clock runs 61 s ahead, so an every-minute schedule is due as soon as the CronJob exists.
  h = await startHarness({ controllers: ['cronjob'], kubelet: false, clock: { ...realClock, now: () => Date.now() + 61_000 } });
});
after(async () => {
  await h.stop();
});

test('cronjob (real API): a due schedule creates one Job from the template and records it', async () => {
  const cjs = h.client.resource<CronJob>(Resources.cronjobs);
  await cjs.create('default', {
    metadata: { name: 'tick' },
    spec: { schedule: '* * * * *', concurrencyPolicy: 'Forbid', jobTemplate: { metadata: { labels: { app: 'tick' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
  } as CronJob);
  const cj = await eventually('lastScheduleTime', async () => {
    const c = await cjs.get('default', 'tick');
    return c.status?.lastScheduleTime && c.status.active?.length ? c : undefined;
  });
  const jobs = (await h.client.resource<Job>(Resources.jobs).list('default', { labelSelector: 'app=tick' })).items;
  assert.equal(jobs.length, 1, `got ${jobs.length} jobs`);
  const j = jobs[0]!;
  assert.match(j.metadata.name ?? '', /^tick-\d+$/);
  assert.equal(j.metadata.ownerReferences?.[0]?.kind, 'CronJob');
  assert.equal(cj.status?.active?.[0]?.name, j.metadata.name);
  assert.equal(j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], cj.status?.lastScheduleTime);
});
