import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources, type KubeObject } from '../../client';
import type { Pod } from '../common/types';
import { FakeClient } from '../testing/fake-client';
import { createResourceQuotaReconciler, podUsage, type ResourceQuota } from './resourcequota';

const pod = (name: string, o: { cpu?: string; mem?: string; limCpu?: string; init?: string; phase?: string; deadline?: number } = {}): Pod => ({
  metadata: { name, namespace: 'ns' },
  spec: {
    ...(o.deadline !== undefined ? { activeDeadlineSeconds: o.deadline } : {}),
    containers: [{ name: 'c', resources: { requests: { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.mem ? { memory: o.mem } : {}) }, limits: o.limCpu ? { cpu: o.limCpu } : {} } }],
    ...(o.init ? { initContainers: [{ name: 'i', resources: { requests: { cpu: o.init } } }] } : {}),
  },
  status: { phase: o.phase ?? 'Running' },
});

test('resourcequota: pod usage', () => {
  const pods = [pod('a', { cpu: '250m', mem: '64Mi' }), pod('b', { cpu: '1', mem: '64Mi', limCpu: '2' }), pod('c', { cpu: '100m', init: '500m' }), pod('d', { cpu: '5', phase: 'Succeeded' }), pod('e')];
  const hard = { pods: '10', 'requests.cpu': '4', 'requests.memory': '1Gi', 'limits.cpu': '8', cpu: '4' };
  assert.deepEqual(podUsage(pods, hard), { pods: '4', 'requests.cpu': '1750m', 'requests.memory': '128Mi', 'limits.cpu': '2', cpu: '1750m' });
  assert.deepEqual(podUsage(pods, { pods: '1' }, ['BestEffort']), { pods: '1' }, 'only e has no requests or limits');
  assert.deepEqual(podUsage([pod('t', { deadline: 5 }), pod('u')], { pods: '1' }, ['Terminating']), { pods: '1' });
});

test('resourcequota: status hard/used with object counts', async () => {
  const fake = new FakeClient();
  fake.seed<ResourceQuota>(Resources.resourcequotas, { metadata: { name: 'q', namespace: 'ns' }, spec: { hard: { pods: '5', configmaps: '3', 'count/deployments.apps': '2', 'services.nodeports': '4' } } });
  fake.seed(Resources.pods, pod('a'));
  for (const n of ['x', 'y']) fake.seed(Resources.configmaps, { metadata: { name: n, namespace: 'ns' } });
  fake.seed(Resources.services, { metadata: { name: 's', namespace: 'ns' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }, { port: 81, nodePort: 30002 }] } } as KubeObject);
  const res = await createResourceQuotaReconciler({ client: fake.client(), quotas: fake.indexer(Resources.resourcequotas), pods: fake.indexer(Resources.pods) })({ namespace: 'ns', name: 'q' });
  const st = fake.get<ResourceQuota>(Resources.resourcequotas, 'ns', 'q')?.status;
  assert.deepEqual(st?.used, { pods: '1', configmaps: '2', 'count/deployments.apps': '0', 'services.nodeports': '2' }, `got ${JSON.stringify(st?.used)}`);
  assert.deepEqual(st?.hard, { pods: '5', configmaps: '3', 'count/deployments.apps': '2', 'services.nodeports': '4' });
  assert.equal(res.requeueAfterMs, 15_000);
});
