import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, Resources, type KubeObject } from '../../client';
import { FakeClient } from '../testing/fake-client';
import { createServiceAccountReconciler } from '../serviceaccount/serviceaccount';
import { createNamespaceReconciler, namespacedContent, type Namespace } from './namespace';

const ns = (name: string, deleting: boolean, finalizers = ['kubernetes']): Namespace => ({
  metadata: { name, uid: `u-${name}`, ...(deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
  spec: { finalizers },
  status: { phase: deleting ? 'Terminating' : 'Active' },
});

test('namespace: reconcile decisions', async (t) => {
  const cases: Array<{ name: string; ns: Namespace; content?: Array<[keyof typeof Resources, KubeObject]>; wantFinalize: boolean; wantRequeue: boolean; wantRemaining?: RegExp }> = [
    { name: 'active namespace: nothing', ns: ns('a', false), wantFinalize: false, wantRequeue: false },
    { name: 'terminating, empty: finalize', ns: ns('a', true), wantFinalize: true, wantRequeue: false },
    { name: 'terminating without our finalizer: nothing', ns: ns('a', true, []), wantFinalize: false, wantRequeue: false },
    {
      name: 'terminating with content that survives deletecollection: wait and say what remains',
      ns: ns('a', true), content: [['pods', { metadata: { name: 'p', namespace: 'a', finalizers: ['x/y'] } }]], wantFinalize: false, wantRequeue: true, wantRemaining: /pods has 1 resource instances/,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const fake = new FakeClient();
      fake.seed(Resources.namespaces, c.ns);
      for (const [r, o] of c.content ?? []) fake.seed(Resources[r], o);
      const client = fake.client();
      // A deletecollection that leaves the object (as with a finalizer): re-seed after each.
      const base = client.resource.bind(client);
      client.resource = ((ref) => {
        const rc = base(ref);
        return { ...rc, deleteCollection: async (n: string | undefined) => { await rc.deleteCollection(n); for (const [r, o] of c.content ?? []) if (Resources[r].plural === ref.plural) fake.seed(Resources[r], o); return {}; } };
      }) as typeof client.resource;
      const res = await createNamespaceReconciler({ client, nsLister: fake.indexer(Resources.namespaces), clock: new FakeClock() })({ namespace: '', name: 'a' });
      const finalize = fake.requests.find((r) => r.method === 'PUT' && r.path === '/api/v1/namespaces/a/finalize');
      assert.equal(!!finalize, c.wantFinalize, `finalize sent: ${!!finalize}`);
      if (finalize) assert.deepEqual((finalize.body as Namespace).spec?.finalizers, [], 'body drops the kubernetes finalizer');
      assert.equal(res.requeueAfterMs !== undefined, c.wantRequeue, `got requeue ${res.requeueAfterMs}`);
      if (c.wantRemaining) {
        const cond = fake.get<Namespace>(Resources.namespaces, '', 'a')?.status?.conditions?.find((x) => x.type === 'NamespaceContentRemaining');
        assert.match(cond?.message ?? '', c.wantRemaining, `got ${JSON.stringify(cond)}`);
        const fin = fake.get<Namespace>(Resources.namespaces, '', 'a')?.status?.conditions?.find((x) => x.type === 'NamespaceFinalizersRemaining');
        assert.equal(fin?.status, 'True', `finalizers condition ${JSON.stringify(fin)}`);
      }
    });
  }
  assert.ok(namespacedContent().some((r) => r.plural === 'pods') && !namespacedContent().some((r) => r.plural === 'namespaces'), 'content resources');
});

test('serviceaccount: creates default only where missing and the namespace is active', async () => {
  const cases = [
    { name: 'missing: created', ns: ns('a', false), sa: false, want: ['create serviceaccounts a/default'] },
    { name: 'present: nothing', ns: ns('a', false), sa: true, want: [] },
    { name: 'terminating: nothing', ns: ns('a', true), sa: false, want: [] },
  ];
  for (const c of cases) {
    const fake = new FakeClient();
    fake.seed(Resources.namespaces, c.ns);
    if (c.sa) fake.seed(Resources.serviceaccounts, { metadata: { name: 'default', namespace: 'a' } });
    await createServiceAccountReconciler({ client: fake.client(), nsLister: fake.indexer(Resources.namespaces), saLister: fake.indexer(Resources.serviceaccounts) })({ namespace: '', name: 'a' });
    assert.deepEqual(fake.log(), c.want, `${c.name}: got ${JSON.stringify(fake.log())}`);
  }
});
