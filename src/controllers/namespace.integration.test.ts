import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isNotFound, Resources, type KubeObject } from '../client';
import type { Deployment } from './common/types';
import { namespacedContent } from './namespace/namespace';
import { eventually, startHarness, type Harness } from './testing/harness';

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['replicaset', 'deployment', 'garbagecollector', 'namespace', 'serviceaccount', 'root-ca-cert-publisher'] });
});
after(async () => {
  await h.stop();
});

test('serviceaccount (real API): every namespace gets a default ServiceAccount, recreated when deleted', async () => {
  const sas = h.client.resource(Resources.serviceaccounts);
  await h.client.resource(Resources.namespaces).create(undefined, { metadata: { name: 'sa-test' } } as KubeObject);
  const first = await eventually('default SA', () => sas.get('sa-test', 'default'));
  await sas.delete('sa-test', 'default');
  const second = await eventually('default SA recreated', async () => {
    const sa = await sas.get('sa-test', 'default').catch(() => undefined);
    return sa && sa.metadata?.uid !== first.metadata?.uid ? sa : undefined;
  });
  assert.ok(second.metadata?.uid, 'recreated with a new uid');
  const ca = await eventually('kube-root-ca.crt', () => h.client.resource<KubeObject & { data?: Record<string, string> }>(Resources.configmaps).get('sa-test', 'kube-root-ca.crt'));
  assert.equal(ca.data?.['ca.crt'], h.server.caPem, 'the API server CA is published');
});

async function contentLeft(ns: string): Promise<string[]> {
  const left: string[] = [];
  for (const r of namespacedContent()) {
    const items = (await h.client.resource({ group: r.group, version: r.version, plural: r.plural, namespaced: true }).list(ns)).items;
    if (items.length) left.push(`${r.plural}: ${items.map((i) => i.metadata?.name).join(',')}`);
  }
  return left;
}

async function populate(ns: string): Promise<void> {
  await h.client.resource(Resources.namespaces).create(undefined, { metadata: { name: ns } } as KubeObject);
  await h.client.resource<Deployment>(Resources.deployments).create(ns, {
    metadata: { name: 'app' }, spec: { replicas: 2, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  });
  await h.client.resource(Resources.configmaps).create(ns, { metadata: { name: 'cm' }, data: { a: 'b' } } as KubeObject);
  await h.client.resource(Resources.secrets).create(ns, { metadata: { name: 's' } } as KubeObject);
  await h.client.resource(Resources.services).create(ns, { metadata: { name: 'svc' }, spec: { selector: { app: 'a' }, ports: [{ port: 80 }] } } as KubeObject);
  await eventually('2 pods', async () => (await h.client.resource(Resources.pods).list(ns)).items.length === 2);
  await eventually('default SA', async () => !!(await h.client.resource(Resources.serviceaccounts).get(ns, 'default').catch(() => undefined)));
}

test('namespace (real API): deleting a namespace deletes everything in it', async () => {
  await populate('emptied');
  await h.client.resource(Resources.namespaces).delete(undefined, 'emptied');
  await eventually('content gone', async () => (await contentLeft('emptied')).length === 0, 30_000);
  const ns = await h.client.resource(Resources.namespaces).get(undefined, 'emptied').catch(() => undefined) as { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined;
  if (ns) {
    const remaining = ns.status?.conditions?.find((c) => c.type === 'NamespaceContentRemaining');
    assert.ok(!remaining || remaining.status === 'False' || (await contentLeft('emptied')).length === 0, `conditions ${JSON.stringify(ns.status?.conditions)}`);
  }
});

test('namespace (real API): an emptied namespace is finalized and disappears', async () => {
  await populate('doomed');
  await h.client.resource(Resources.namespaces).delete(undefined, 'doomed');
  await eventually('namespace gone', async () => {
    try {
      await h.client.resource(Resources.namespaces).get(undefined, 'doomed');
      return false;
    } catch (e) {
      return isNotFound(e);
    }
  }, 15_000);
  assert.deepEqual(await contentLeft('doomed'), [], 'nothing left behind');
});
