import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources, type ResourceClient } from '../client';
import type { Deployment, Pod, ReplicaSet } from './common/types';
import { eventually, retryConflict, startHarness, type Harness } from './testing/harness';

let h: Harness;
let deps: ResourceClient<Deployment>;
let sets: ResourceClient<ReplicaSet>;
let pods: ResourceClient<Pod>;
before(async () => {
  h = await startHarness({ controllers: ['replicaset', 'deployment'] });
  deps = h.client.resource<Deployment>(Resources.deployments);
  sets = h.client.resource<ReplicaSet>(Resources.replicasets);
  pods = h.client.resource<Pod>(Resources.pods);
});
after(async () => {
  await h.stop();
});

const body = (name: string, replicas: number, image: string, strategy?: Deployment['spec']['strategy']): Deployment => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' },
  spec: {
    replicas, selector: { matchLabels: { app: name } }, ...(strategy ? { strategy } : {}),
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
  },
});

/** kubectl rollout status' checks (polymorphichelpers/rollout_status.go), in order. */
function rolloutDone(d: Deployment): boolean {
  const s = d.status ?? {};
  const r = d.spec.replicas ?? 1;
  const prog = s.conditions?.find((c) => c.type === 'Progressing');
  if (prog?.reason === 'ProgressDeadlineExceeded') throw new Error('deadline exceeded');
  return (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) && (s.updatedReplicas ?? 0) >= r && (s.replicas ?? 0) === (s.updatedReplicas ?? 0) && (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
}

async function waitRollout(name: string): Promise<Deployment> {
  return eventually(`rollout of ${name}`, async () => {
    const d = await deps.get('default', name);
    return rolloutDone(d) && d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable' ? d : undefined;
  }, 30_000);
}

test('deployment (real API): 3 replicas become available with rollout-status conditions', async () => {
  await deps.create('default', body('web', 3, 'img:1'));
  const d = await waitRollout('web');
  const s = d.status!;
  assert.equal(s.availableReplicas, 3, `got available ${s.availableReplicas}`);
  assert.equal(s.readyReplicas, 3);
  assert.equal(s.unavailableReplicas ?? 0, 0);
  const av = s.conditions?.find((c) => c.type === 'Available');
  assert.deepEqual([av?.status, av?.reason, av?.message], ['True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.']);
  const pr = s.conditions?.find((c) => c.type === 'Progressing');
  const rsList = (await sets.list('default', { labelSelector: 'app=web' })).items;
  assert.equal(rsList.length, 1, `got ${rsList.length} replicasets`);
  const rs = rsList[0]!;
  const hash = rs.metadata.labels?.['pod-template-hash'] ?? '';
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/, `hash ${hash}`);
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.equal(pr?.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
  assert.deepEqual((rs.spec?.selector as { matchLabels?: object }).matchLabels, { app: 'web', 'pod-template-hash': hash });
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
});

test('deployment (real API): a rolling update stays within maxSurge/maxUnavailable, and undo restores the old ReplicaSet', async () => {
  const replicas = 4;
  await deps.create('default', body('roll', replicas, 'img:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } }));
  await waitRollout('roll');
  const first = (await sets.list('default', { labelSelector: 'app=roll' })).items[0]!;
  // Watch the pods for the whole rollout.
  const ac = new AbortController();
  const live = new Map<string, Pod>();
  const violations: string[] = [];
  let watching = true;
  const list = await pods.list('default', { labelSelector: 'app=roll' });
  for (const p of list.items) live.set(p.metadata.name ?? '', p);
  const watcher = (async () => {
    for await (const ev of pods.watch('default', { labelSelector: 'app=roll', resourceVersion: list.metadata.resourceVersion }, ac.signal)) {
      if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') continue;
      const p = ev.object;
      if (ev.type === 'DELETED') live.delete(p.metadata.name ?? '');
      else live.set(p.metadata.name ?? '', p);
      const alive = [...live.values()].filter((x) => !x.metadata.deletionTimestamp);
      const ready = alive.filter((x) => x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      if (watching && alive.length > replicas + 1) violations.push(`${alive.length} pods > ${replicas + 1}`);
      if (watching && ready < replicas - 1) violations.push(`${ready} ready < ${replicas - 1}`);
    }
  })();
  await retryConflict(() => deps.patch('default', 'roll', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'img:2' }] } } } }));
  const d2 = await eventually('rollout to img:2', async () => {
    const d = await deps.get('default', 'roll');
    return d.spec.template?.spec?.containers?.[0]?.image === 'img:2' && rolloutDone(d) && d.status?.conditions?.some((c) => c.reason === 'NewReplicaSetAvailable') ? d : undefined;
  }, 30_000);
  await eventually('old pods gone', async () => (await pods.list('default', { labelSelector: 'app=roll' })).items.length === replicas);
  watching = false;
  ac.abort();
  await watcher;
  assert.deepEqual(violations, [], `invariant violations: ${violations.join('; ')}`);
  assert.equal(d2.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  const all = (await sets.list('default', { labelSelector: 'app=roll' })).items;
  assert.equal(all.length, 2, `got ${all.length} replicasets, want 2`);
  const oldRS = all.find((r) => r.metadata.uid === first.metadata.uid);
  assert.equal(oldRS?.spec?.replicas, 0, 'old ReplicaSet scaled to 0');

  // kubectl rollout undo: patch the template back to the previous ReplicaSet's (without the hash label).
  const tpl = structuredClone(first.spec!.template!);
  delete tpl.metadata!.labels!['pod-template-hash'];
  await retryConflict(() => deps.patch('default', 'roll', 'json', [{ op: 'replace', path: '/spec/template', value: tpl }]));
  await eventually('undo back to img:1', async () => {
    const d = await deps.get('default', 'roll');
    const rs = await sets.get('default', first.metadata.name ?? '');
    return rolloutDone(d) && d.metadata.generation === d.status?.observedGeneration && rs.spec?.replicas === replicas && (rs.status?.availableReplicas ?? 0) === replicas && d.status?.updatedReplicas === replicas;
  }, 30_000);
  const after = (await sets.list('default', { labelSelector: 'app=roll' })).items;
  assert.equal(after.length, 2, `undo reuses the old ReplicaSet: got ${after.length} sets`);
  const reused = after.find((r) => r.metadata.uid === first.metadata.uid)!;
  assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision'], '3', 'revision bumped to 3');
  assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
});

test('deployment (real API): a controller-manager restart in the middle of a rollout finishes it within maxSurge/maxUnavailable', async () => {
  const replicas = 6;
  await deps.create('default', body('cmr', replicas, 'img:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
  await waitRollout('cmr');
  const ac = new AbortController();
  const live = new Map<string, Pod>();
  const violations: string[] = [];
  const list = await pods.list('default', { labelSelector: 'app=cmr' });
  for (const p of list.items) live.set(p.metadata.name ?? '', p);
  const watcher = (async () => {
    for await (const ev of pods.watch('default', { labelSelector: 'app=cmr', resourceVersion: list.metadata.resourceVersion }, ac.signal)) {
      if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') continue;
      if (ev.type === 'DELETED') live.delete(ev.object.metadata.name ?? '');
      else live.set(ev.object.metadata.name ?? '', ev.object);
      const alive = [...live.values()].filter((x) => !x.metadata.deletionTimestamp);
      const ready = alive.filter((x) => x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      if (alive.length > replicas + 1) violations.push(`${alive.length} pods > ${replicas + 1}`);
      if (ready < replicas) violations.push(`${ready} ready < ${replicas}`);
    }
  })();
  // New pods stay unready, so the rollout stops after its first surge pod: stop the controllers there.
  h.holdReady.add('cmr-');
  await retryConflict(() => deps.patch('default', 'cmr', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'img:2' }] } } } }));
  const newRs = await eventually('the new ReplicaSet with its surge pod', async () => {
    const rs = (await sets.list('default', { labelSelector: 'app=cmr' })).items.find((r) => r.spec?.template?.spec?.containers?.[0]?.image === 'img:2');
    return rs && (rs.status?.replicas ?? 0) === 1 ? rs : undefined;
  });
  await h.stopControllers();
  const mid = await deps.get('default', 'cmr');
  assert.equal(mid.status?.updatedReplicas, 1, 'stopped in the middle: one updated replica');
  // With the controller manager down, the surge pod becomes ready; a new controller manager carries on.
  h.holdReady.delete('cmr-');
  for (const p of (await pods.list('default', { labelSelector: 'app=cmr' })).items) {
    if (p.metadata.name?.startsWith(newRs.metadata.name ?? '?')) await pods.patch('default', p.metadata.name, 'merge', { metadata: { labels: { nudge: '1' } } });
  }
  await h.startControllers();
  const done = await eventually('rollout to img:2 after the restart', async () => {
    const d = await deps.get('default', 'cmr');
    return d.spec.template?.spec?.containers?.[0]?.image === 'img:2' && rolloutDone(d) && d.status?.conditions?.some((c) => c.reason === 'NewReplicaSetAvailable') ? d : undefined;
  }, 30_000);
  await eventually('old pods gone', async () => (await pods.list('default', { labelSelector: 'app=cmr' })).items.length === replicas);
  ac.abort();
  await watcher;
  assert.deepEqual(violations, [], `invariant violations: ${violations.join('; ')}`);
  assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  const all = (await sets.list('default', { labelSelector: 'app=cmr' })).items;
  assert.equal(all.length, 2, `got ${all.length} replicasets, want 2 (no duplicate created by the new manager)`);
  assert.equal(all.find((r) => r.metadata.uid !== newRs.metadata.uid)?.spec?.replicas, 0, 'old ReplicaSet scaled to 0');
  const images = (await pods.list('default', { labelSelector: 'app=cmr' })).items.map((p) => p.spec?.containers?.[0]?.image);
  assert.deepEqual(images, Array(replicas).fill('img:2'), 'every pod runs the new template');
});
