// The official JavaScript client (@kubernetes/client-node 1.4) against `berth server`, unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startBerth, type BerthProcess } from '../support/server';
import { startEtcd, type EtcdProcess } from '../../src/store/etcd/etcd-process';
import { eventually } from './kubectl-helpers';

for (const datastore of ['sqlite', 'etcd'] as const) describe(`@kubernetes/client-node against berth (${datastore})`, () => {
  let b: BerthProcess;
  let kc: k8s.KubeConfig;
  let etcd: EtcdProcess | undefined;

  before(async () => {
    if (datastore === 'etcd') etcd = await startEtcd();
    b = await startBerth({ args: ['--disable-agent', '--datastore', etcd ? `etcd://${etcd.endpoint}` : 'sqlite'] });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(b.kubeconfigPath);
  });
  after(async () => {
    if (b) await b.stop();
    await etcd?.stop();
  });

  test('typed CRUD on core and apps resources', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const ns = await core.listNamespace();
    assert.ok(ns.items.some((n) => n.metadata?.name === 'kube-system'), 'kube-system exists');
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'from-client' }, data: { a: '1' } } });
    assert.equal(cm.metadata?.name, 'from-client');
    assert.ok(cm.metadata?.resourceVersion, 'resourceVersion set');
    const read = await core.readNamespacedConfigMap({ name: 'from-client', namespace: 'default' });
    assert.equal(read.data?.a, '1');
    const dep = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'cn' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'cn' } }, template: { metadata: { labels: { app: 'cn' } }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1d'] }] } } },
      },
    });
    assert.equal(dep.spec?.strategy?.type, 'RollingUpdate', 'defaults applied');
    const scaled = await apps.patchNamespacedDeploymentScale(
      { name: 'cn', namespace: 'default', body: { spec: { replicas: 4 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(scaled.spec?.replicas, 4);
    await assert.rejects(core.readNamespacedPod({ name: 'nope', namespace: 'default' }), (e: unknown) => {
      assert.equal((e as { code?: number }).code, 404);
      return true;
    });
    await core.deleteNamespacedConfigMap({ name: 'from-client', namespace: 'default' });
  });

  test('server-side apply through KubernetesObjectApi', async () => {
    const client = k8s.KubernetesObjectApi.makeApiClient(kc);
    const spec = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa-cn', namespace: 'default' }, data: { x: 'y' } };
    const created = await client.patch(spec, undefined, undefined, 'client-node-test', true, k8s.PatchStrategy.ServerSideApply);
    assert.equal((created as { data?: Record<string, string> }).data?.x, 'y');
    const got = await client.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa-cn', namespace: 'default' } });
    const managers = (got.metadata?.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
    assert.ok(managers.includes('client-node-test/Apply'), `managedFields: ${managers.join(',')}`);
  });

  test('watch delivers ADDED, MODIFIED and DELETED', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { allowWatchBookmarks: true },
      (type: string, obj: { metadata?: { name?: string } }) => {
        if (obj.metadata?.name === 'watched') seen.push(type);
      },
      () => undefined,
    );
    try {
      await eventually('the watch to be established', async () => {
        await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' } } });
        return true;
      });
      await core.patchNamespacedConfigMap({ name: 'watched', namespace: 'default', body: { data: { a: 'b' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ name: 'watched', namespace: 'default' });
      await eventually(`ADDED, MODIFIED, DELETED (seen ${seen.join(',')})`, () => seen.join(',') === 'ADDED,MODIFIED,DELETED');
    } finally {
      req.abort();
    }
  });

  test('informer lists and then follows changes', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const added: string[] = [];
    informer.on('add', (o: k8s.V1ConfigMap) => added.push(o.metadata?.name ?? ''));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'informed' } } });
      await eventually('the informer to see the new configmap', () => added.includes('informed'));
      assert.ok(added.includes('ssa-cn'), 'the initial list was delivered');
    } finally {
      await informer.stop();
    }
  });
});
