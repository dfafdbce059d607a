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

test('job (real API): a podFailurePolicy FailJob rule fails the Job (FailureTarget, then Failed) and stops the other pods', async () => {
  const jobs = h.client.resource<Job>(Resources.jobs);
  const pods = h.client.resource<Pod>(Resources.pods);
  await jobs.create('default', {
    metadata: { name: 'pfp' },
    spec: {
      completions: 2, parallelism: 2, backoffLimit: 6,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } }] },
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
    },
  } as Job);
  const sel = { labelSelector: 'batch.kubernetes.io/job-name=pfp' };
  const two = await eventually('two pods', async () => {
    const list = (await pods.list('default', sel)).items;
    return list.length === 2 ? list : undefined;
  });
  const [bad, other] = two as [Pod, Pod];
  await pods.patch('default', bad.metadata.name ?? '', 'merge', {
    status: { phase: 'Failed', containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 42, reason: 'Error' } } }] },
  }, { subresource: 'status' });
  // The other pod is deleted (unbound, it goes as soon as the controller drops its finalizer).
  await eventually('other pod deleting', async () => pods.get('default', other.metadata.name ?? '').then((p) => !!p.metadata.deletionTimestamp, (e: unknown) => isNotFound(e)));
  const mid = await eventually('FailureTarget', async () => {
    const x = await jobs.get('default', 'pfp');
    return x.status?.conditions?.some((c) => c.type === 'FailureTarget') ? x : undefined;
  });
  assert.equal(mid.status?.conditions?.find((c) => c.type === 'FailureTarget')?.reason, 'PodFailurePolicy', `conditions ${JSON.stringify(mid.status?.conditions)}`);
  await pods.patch('default', other.metadata.name ?? '', 'merge', { status: { phase: 'Failed' } }, { subresource: 'status' }).catch(() => undefined);
  await pods.delete('default', other.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined);
  const j = await eventually('Failed', async () => {
    const x = await jobs.get('default', 'pfp');
    return x.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ? x : undefined;
  }, 20_000);
  const failedCond = j.status?.conditions?.find((c) => c.type === 'Failed');
  assert.equal(failedCond?.reason, 'PodFailurePolicy', `got reason ${failedCond?.reason}`);
  assert.match(failedCond?.message ?? '', /Container c for pod default\/pfp-\w+ failed with exit code 42 matching FailJob rule at index 0/);
  assert.equal(j.status?.active, 0, `got active ${j.status?.active}, want 0`);
  assert.ok((j.status?.failed ?? 0) >= 1, `got failed ${j.status?.failed}, want ≥ 1`);
});

test('job (real API): backoffLimitPerIndex retries an index once, then lists it in failedIndexes and fails the Job', async () => {
  const jobs = h.client.resource<Job>(Resources.jobs);
  const pods = h.client.resource<Pod>(Resources.pods);
  await jobs.create('default', {
    metadata: { name: 'per-index' },
    spec: {
      completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 0,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
    },
  } as Job);
  // A fake kubelet: index 0 fails, index 1 succeeds.
  const j = await eventually('Failed', async () => {
    for (const p of (await pods.list('default', { labelSelector: 'batch.kubernetes.io/job-name=per-index' })).items) {
      if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
      const phase = p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === '0' ? 'Failed' : 'Succeeded';
      await pods.patch('default', p.metadata.name ?? '', 'merge', { status: { phase } }, { subresource: 'status' }).catch(() => undefined);
    }
    const x = await jobs.get('default', 'per-index');
    return x.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ? x : undefined;
  }, 20_000);
  assert.deepEqual(
    [j.status?.failedIndexes, j.status?.completedIndexes, j.status?.conditions?.find((c) => c.type === 'Failed')?.reason, j.status?.failed, j.status?.succeeded],
    ['0', '1', 'FailedIndexes', 1, 1],
    `got status ${JSON.stringify(j.status)}`,
  );
});
