import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isNotFound, Resources } from '../client';
import type { Pod } from './common/types';
import { TRACKING_FINALIZER, type Job } from './job/job';
import { eventually, startHarness, type Harness } from './testing/harness';

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['job', 'garbagecollector'], kubelet: false });
});
after(async () => {
  await h.stop();
});

test('job (real API): runs pods to completions, counts them once, then ttlSecondsAfterFinished deletes it', async () => {
  const jobs = h.client.resource<Job>(Resources.jobs);
  const pods = h.client.resource<Pod>(Resources.pods);
  await jobs.create('default', {
    metadata: { name: 'calc' },
    spec: { completions: 3, parallelism: 2, ttlSecondsAfterFinished: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  } as Job);
  let maxRunning = 0;
  // A fake kubelet for jobs: every pod succeeds.
  const done = await eventually('Complete', async () => {
    const list = (await pods.list('default', { labelSelector: 'batch.kubernetes.io/job-name=calc' })).items;
    maxRunning = Math.max(maxRunning, list.filter((p) => p.status?.phase !== 'Succeeded' && !p.metadata.deletionTimestamp).length);
    for (const p of list) {
      if (p.status?.phase === 'Succeeded') continue;
      await pods.patch('default', p.metadata.name ?? '', 'merge', { status: { phase: 'Succeeded' } }, { subresource: 'status' }).catch(() => undefined);
    }
    const j = await jobs.get('default', 'calc');
    return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? { j, list } : undefined;
  }, 20_000);
  assert.equal(done.j.status?.succeeded, 3, `got succeeded ${done.j.status?.succeeded}`);
  assert.ok(done.j.status?.completionTime, 'completionTime set');
  assert.ok(maxRunning <= 2, `got ${maxRunning} pods running at once, want ≤ parallelism 2`);
  await eventually('finalizers removed', async () => (await pods.list('default', { labelSelector: 'batch.kubernetes.io/job-name=calc' })).items.every((p) => !p.metadata.finalizers?.includes(TRACKING_FINALIZER)));
  await eventually('job deleted after its TTL', async () => jobs.get('default', 'calc').then(() => false, (e: unknown) => isNotFound(e)), 15_000);
  await eventually('pods collected', async () => (await pods.list('default', { labelSelector: 'batch.kubernetes.io/job-name=calc' })).items.length === 0, 15_000);
});
