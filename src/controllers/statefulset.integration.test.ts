import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../client';
import type { Pod } from './common/types';
import type { StatefulSet } from './statefulset/statefulset';
import { eventually, retryConflict, startHarness, type Harness } from './testing/harness';

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['statefulset', 'garbagecollector', 'persistentvolume-binder'] }); // the binder removes pvc-protection
});
after(async () => {
  await h.stop();
});

test('statefulset (real API): ordered creation, rolling update to a new revision, scale down', async () => {
  const sets = h.client.resource<StatefulSet>(Resources.statefulsets);
  const pods = h.client.resource<Pod>(Resources.pods);
  const createdOrder: string[] = [];
  const ac = new AbortController();
  const rv = (await pods.list('default')).metadata.resourceVersion;
  const watch = (async () => {
    for await (const ev of pods.watch('default', { resourceVersion: rv, labelSelector: 'app=web' }, ac.signal)) if (ev.type === 'ADDED') createdOrder.push(ev.object.metadata?.name ?? '');
  })();
  await sets.create('default', {
    metadata: { name: 'web' },
    spec: { replicas: 3, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'w:1' }] } } },
  } as StatefulSet);
  const done = (want: string) => async () => {
    const s = await sets.get('default', 'web');
    const st = s.status;
    return !!st && st.observedGeneration === s.metadata.generation && st.readyReplicas === want.split(',').length && st.updatedReplicas === st.replicas && st.currentRevision === st.updateRevision &&
      (await pods.list('default', { labelSelector: 'app=web' })).items.map((p) => p.metadata.name).sort().join(',') === want ? s : undefined;
  };
  const first = await eventually('3 ready', done('web-0,web-1,web-2'), 20_000);
  assert.deepEqual(createdOrder.slice(0, 3), ['web-0', 'web-1', 'web-2'], `creation order ${createdOrder.join(',')}`);
  await retryConflict(() => sets.patch('default', 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'w:2' }] } } } }));
  const rolled = await eventually('rolled', done('web-0,web-1,web-2'), 30_000).then(async (s) => (s.status?.updateRevision !== first.status?.updateRevision ? s : undefined));
  assert.ok(rolled, 'new revision');
  const images = (await pods.list('default', { labelSelector: 'app=web' })).items.map((p) => (p.spec?.containers?.[0] as { image?: string }).image);
  assert.deepEqual(images, ['w:2', 'w:2', 'w:2']);
  assert.deepEqual(createdOrder.slice(3), ['web-2', 'web-1', 'web-0'], `update order ${createdOrder.slice(3).join(',')}`);
  await retryConflict(() => sets.patch('default', 'web', 'merge', { spec: { replicas: 1 } }));
  await eventually('scaled to 1', done('web-0'), 20_000);
  ac.abort();
  await watch;
});

test('statefulset (real API): persistentVolumeClaimRetentionPolicy whenScaled Delete removes the condemned claim, whenDeleted Retain keeps the rest', async () => {
  const sets = h.client.resource<StatefulSet>(Resources.statefulsets);
  const pvcs = h.client.resource(Resources.persistentvolumeclaims);
  await sets.create('default', {
    metadata: { name: 'ret' },
    spec: {
      replicas: 2, serviceName: 'ret', podManagementPolicy: 'Parallel', selector: { matchLabels: { app: 'ret' } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } as never],
      template: { metadata: { labels: { app: 'ret' } }, spec: { containers: [{ name: 'c', image: 'w:1' }] } },
    },
  } as StatefulSet);
  const claims = async (): Promise<string[]> => (await pvcs.list('default')).items.map((c) => c.metadata?.name ?? '').filter((n) => n.startsWith('data-ret-')).sort();
  await eventually('two claims', async () => (await claims()).length === 2);
  await eventually('ready', async () => (await sets.get('default', 'ret')).status?.readyReplicas === 2);
  await retryConflict(async () => {
    const s = await sets.get('default', 'ret');
    await sets.update('default', { ...s, spec: { ...s.spec, replicas: 1 } });
  });
  await eventually('the scaled-down claim is collected', async () => JSON.stringify(await claims()) === JSON.stringify(['data-ret-0']), 20_000);
  await sets.delete('default', 'ret');
  await eventually('pods of the set gone', async () => (await h.client.resource<Pod>(Resources.pods).list('default', { labelSelector: 'app=ret' })).items.length === 0, 20_000);
  assert.deepEqual(await claims(), ['data-ret-0'], 'whenDeleted Retain keeps the claim');
});
