import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../client';
import type { Pod, ReplicaSet } from './common/types';
import { eventually, retryConflict, startHarness, type Harness } from './testing/harness';

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['replicaset'] });
});
after(async () => {
  await h.stop();
});

const rsBody = (name: string, replicas: number): ReplicaSet => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
});

test('replicaset (real API): creates pods, reports status, adopts an orphan, scales down', async () => {
  const rsc = h.client.resource<ReplicaSet>(Resources.replicasets);
  const pods = h.client.resource<Pod>(Resources.pods);
  await pods.create('default', { metadata: { name: 'orphan', labels: { app: 'rs1' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  await rsc.create('default', rsBody('rs1', 3));
  const st = await eventually('3 available', async () => {
    const r = await rsc.get('default', 'rs1');
    return r.status?.availableReplicas === 3 && r.status.readyReplicas === 3 && r.status.observedGeneration === r.metadata.generation ? r.status : undefined;
  });
  assert.equal(st.replicas, 3);
  const list = (await pods.list('default', { labelSelector: 'app=rs1' })).items;
  assert.equal(list.length, 3, `got ${list.length} pods, want 3 (orphan adopted, 2 created)`);
  const orphan = list.find((p) => p.metadata.name === 'orphan');
  assert.equal(orphan?.metadata.ownerReferences?.[0]?.kind, 'ReplicaSet', `orphan owner: ${JSON.stringify(orphan?.metadata.ownerReferences)}`);
  await retryConflict(() => rsc.patch('default', 'rs1', 'merge', { spec: { replicas: 1 } }));
  await eventually('1 pod left', async () => {
    const items = (await pods.list('default', { labelSelector: 'app=rs1' })).items.filter((p) => !p.metadata.deletionTimestamp);
    const r = await rsc.get('default', 'rs1');
    return items.length === 1 && r.status?.replicas === 1;
  });
});
