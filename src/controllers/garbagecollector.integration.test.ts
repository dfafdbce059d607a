import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources, type KubeObject, type ResourceClient } from '../client';
import type { Deployment, Pod, ReplicaSet } from './common/types';
import { eventually, startHarness, type Harness } from './testing/harness';

let h: Harness;
let deps: ResourceClient<Deployment>;
let sets: ResourceClient<ReplicaSet>;
let pods: ResourceClient<Pod>;
before(async () => {
  h = await startHarness({ controllers: ['replicaset', 'deployment', 'garbagecollector'] });
  deps = h.client.resource<Deployment>(Resources.deployments);
  sets = h.client.resource<ReplicaSet>(Resources.replicasets);
  pods = h.client.resource<Pod>(Resources.pods);
});
after(async () => {
  await h.stop();
});

const body = (name: string): Deployment => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'img' }] } } },
});

async function deployed(name: string): Promise<void> {
  await deps.create('default', body(name));
  await eventually(`${name} available`, async () => (await deps.get('default', name)).status?.availableReplicas === 2);
}

const count = async (name: string): Promise<[number, number]> => [
  (await sets.list('default', { labelSelector: `app=${name}` })).items.length,
  (await pods.list('default', { labelSelector: `app=${name}` })).items.length,
];

test('garbagecollector (real API): background deletion of a deployment leaves no ReplicaSet and no pods', async () => {
  await deployed('bg');
  await deps.delete('default', 'bg', { propagationPolicy: 'Background' });
  await eventually('dependents gone', async () => {
    const [r, p] = await count('bg');
    return r === 0 && p === 0;
  });
});

test('garbagecollector (real API): foreground deletion deletes dependents before the owner', async () => {
  await deployed('fg');
  const ac = new AbortController();
  const deletedAt = new Map<string, number>();
  const rv = (await deps.list('default')).metadata.resourceVersion;
  const watch = async (rc: ResourceClient<KubeObject>, kind: string): Promise<void> => {
    for await (const ev of rc.watch('default', { resourceVersion: rv }, ac.signal)) {
      if (ev.type === 'DELETED') deletedAt.set(`${kind}/${ev.object.metadata?.name ?? ''}`, Number(ev.object.metadata?.resourceVersion));
    }
  };
  const watches = [watch(deps as ResourceClient<KubeObject>, 'deployment'), watch(sets as ResourceClient<KubeObject>, 'rs'), watch(pods as ResourceClient<KubeObject>, 'pod')];
  await deps.delete('default', 'fg', { propagationPolicy: 'Foreground' });
  const mid = await deps.get('default', 'fg').catch(() => undefined);
  assert.ok(mid?.metadata.finalizers?.includes('foregroundDeletion'), 'owner waits with the foregroundDeletion finalizer');
  await eventually('deployment deleted', async () => deletedAt.has('deployment/fg'));
  ac.abort();
  await Promise.all(watches);
  const [r, p] = await count('fg');
  assert.deepEqual([r, p], [0, 0], `got ${r} replicasets, ${p} pods left`);
  const ownerAt = deletedAt.get('deployment/fg')!;
  const deps_ = [...deletedAt].filter(([k]) => !k.startsWith('deployment/'));
  assert.equal(deps_.length, 3, `dependents deleted: ${JSON.stringify(deps_)}`);
  for (const [k, at] of deps_) assert.ok(at < ownerAt, `${k} deleted at ${at}, after the owner at ${ownerAt}`);
});

test('garbagecollector (real API): orphan deletion keeps the ReplicaSet and drops its owner reference', async () => {
  await deployed('or');
  await deps.delete('default', 'or', { propagationPolicy: 'Orphan' });
  await eventually('deployment gone', async () => !(await deps.get('default', 'or').catch(() => undefined)));
  const rsList = (await sets.list('default', { labelSelector: 'app=or' })).items;
  assert.equal(rsList.length, 1, `got ${rsList.length} replicasets`);
  assert.deepEqual(rsList[0]!.metadata.ownerReferences ?? [], [], `owner refs: ${JSON.stringify(rsList[0]!.metadata.ownerReferences)}`);
  assert.equal((await pods.list('default', { labelSelector: 'app=or' })).items.length, 2, 'pods kept');
});

test('garbagecollector (real API): a ConfigMap owned by a deleted pod is collected; one with an unknown owner kind is kept', async () => {
  const cms = h.client.resource(Resources.configmaps);
  const owner = await pods.create('default', { metadata: { name: 'owner' }, spec: { containers: [{ name: 'c', image: 'img' }] } });
  await cms.create('default', { metadata: { name: 'owned', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'owner', uid: owner.metadata.uid ?? '' }] } } as KubeObject);
  await cms.create('default', { metadata: { name: 'alien', ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'w-uid' }] } } as KubeObject);
  await pods.delete('default', 'owner', { gracePeriodSeconds: 0 });
  await eventually('owned configmap collected', async () => !(await cms.get('default', 'owned').catch(() => undefined)));
  assert.ok(await cms.get('default', 'alien'), 'configmap with an unknown owner kind kept');
});
