import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources, type KubeObject } from '../../client';
import { FakeClient } from '../testing/fake-client';
import { createRootCAReconciler, ROOT_CA_CONFIGMAP } from './rootca';

test('root CA publisher: creates, repairs, leaves alone, skips terminating namespaces', async () => {
  const cases: Array<{ name: string; terminating?: boolean; existing?: Record<string, string>; want: string[] }> = [
    { name: 'missing: created', want: [`create configmaps a/${ROOT_CA_CONFIGMAP}`] },
    { name: 'edited: repaired', existing: { 'ca.crt': 'wrong' }, want: [`update configmaps a/${ROOT_CA_CONFIGMAP}`] },
    { name: 'terminating namespace: nothing', terminating: true, want: [] },
  ];
  for (const c of cases) {
    const fake = new FakeClient();
    fake.seed(Resources.namespaces, { metadata: { name: 'a', ...(c.terminating ? { deletionTimestamp: 'x' } : {}) } });
    if (c.existing) fake.seed(Resources.configmaps, { metadata: { name: ROOT_CA_CONFIGMAP, namespace: 'a' }, data: c.existing } as KubeObject);
    await createRootCAReconciler({ client: fake.client(), caPem: 'PEM', namespaces: fake.indexer(Resources.namespaces), configmaps: fake.indexer(Resources.configmaps) })({ namespace: '', name: 'a' });
    assert.deepEqual(fake.log(), c.want, `${c.name}: got ${JSON.stringify(fake.log())}`);
    if (c.want.length) assert.equal((fake.get<KubeObject & { data?: Record<string, string> }>(Resources.configmaps, 'a', ROOT_CA_CONFIGMAP))?.data?.['ca.crt'], 'PEM');
  }
  const fake = new FakeClient();
  fake.seed(Resources.namespaces, { metadata: { name: 'a' } });
  const rec = createRootCAReconciler({ client: fake.client(), caPem: 'PEM', namespaces: fake.indexer(Resources.namespaces), configmaps: fake.indexer(Resources.configmaps) });
  await rec({ namespace: '', name: 'a' });
  await createRootCAReconciler({ client: fake.client(), caPem: 'PEM', namespaces: fake.indexer(Resources.namespaces), configmaps: fake.indexer(Resources.configmaps) })({ namespace: '', name: 'a' });
  assert.equal(fake.log().length, 1, `in sync: no second write (${fake.log().join(', ')})`);
});
