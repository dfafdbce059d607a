import assert from 'node:assert/strict';
import { test } from 'node:test';

import { tableCells } from './index';
import { NOW, metaOf } from './testing';

type Json = Record<string, unknown>;

const subjects = [
  { kind: 'User', name: 'alice' },
  { kind: 'Group', name: 'devs' },
  { kind: 'ServiceAccount', namespace: 'kube-system', name: 'ctl' },
  { kind: 'User', name: 'bob' },
];

const cases: Array<{ name: string; group: string; plural: string; obj: Json; want: unknown[] }> = [
  {
    name: 'role binding with subjects',
    group: 'rbac.authorization.k8s.io', plural: 'rolebindings',
    obj: { metadata: metaOf('rb', 60), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects },
    want: ['rb', 'Role/reader', '60s', 'alice, bob', 'devs', 'kube-system/ctl'],
  },
  {
    name: 'cluster role binding without subjects',
    group: 'rbac.authorization.k8s.io', plural: 'clusterrolebindings',
    obj: { metadata: metaOf('crb', 60), roleRef: { kind: 'ClusterRole', name: 'cluster-admin' } },
    want: ['crb', 'ClusterRole/cluster-admin', '60s', '', '', ''],
  },
  {
    name: 'approved and issued CSR',
    group: 'certificates.k8s.io', plural: 'certificatesigningrequests',
    obj: {
      metadata: metaOf('csr-1', 60),
      spec: { signerName: 'kubernetes.io/kube-apiserver-client', username: 'system:admin', expirationSeconds: 86400 },
      status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'LS0t' },
    },
    want: ['csr-1', '60s', 'kubernetes.io/kube-apiserver-client', 'system:admin', '24h', 'Approved,Issued'],
  },
  {
    name: 'denied CSR that failed',
    group: 'certificates.k8s.io', plural: 'certificatesigningrequests',
    obj: { metadata: metaOf('csr-2', 60), spec: { username: 'u' }, status: { conditions: [{ type: 'Approved' }, { type: 'Denied' }, { type: 'Failed' }] } },
    want: ['csr-2', '60s', '<none>', 'u', '<none>', 'Denied,Failed'],
  },
  {
    name: 'lease',
    group: 'coordination.k8s.io', plural: 'leases',
    obj: { metadata: metaOf('node-1', 60), spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } },
    want: ['node-1', 'node-1', '60s'],
  },
  {
    name: 'default storage class',
    group: 'storage.k8s.io', plural: 'storageclasses',
    obj: { metadata: metaOf('local-path', 60, { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'berth.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true },
    want: ['local-path (default)', 'berth.io/local-path', 'Delete', 'WaitForFirstConsumer', true, '60s'],
  },
  {
    name: 'storage class with explicit policy',
    group: 'storage.k8s.io', plural: 'storageclasses',
    obj: { metadata: metaOf('keep', 60), provisioner: 'p', reclaimPolicy: 'Retain' },
    want: ['keep', 'p', 'Retain', 'Immediate', false, '60s'],
  },
  {
    name: 'csi driver with defaults',
    group: 'storage.k8s.io', plural: 'csidrivers',
    obj: { metadata: metaOf('csi.example.com', 60), spec: {} },
    want: ['csi.example.com', true, false, false, '<unset>', false, '<none>', '60s'],
  },
  {
    name: 'csi driver fully set',
    group: 'storage.k8s.io', plural: 'csidrivers',
    obj: {
      metadata: metaOf('d', 60),
      spec: { attachRequired: false, podInfoOnMount: true, storageCapacity: true, requiresRepublish: true, tokenRequests: [{ audience: 'a' }, { audience: 'b' }], volumeLifecycleModes: ['Persistent', 'Ephemeral'] },
    },
    want: ['d', false, true, true, 'a,b', true, 'Persistent,Ephemeral', '60s'],
  },
  {
    name: 'csi node',
    group: 'storage.k8s.io', plural: 'csinodes',
    obj: { metadata: metaOf('node-1', 60), spec: { drivers: [{ name: 'a' }, { name: 'b' }] } },
    want: ['node-1', 2, '60s'],
  },
  {
    name: 'volume attachment',
    group: 'storage.k8s.io', plural: 'volumeattachments',
    obj: { metadata: metaOf('csi-123', 60), spec: { attacher: 'csi.example.com', source: { persistentVolumeName: 'pv-1' }, nodeName: 'node-1' }, status: { attached: true } },
    want: ['csi-123', 'csi.example.com', 'pv-1', 'node-1', true, '60s'],
  },
  {
    name: 'priority class',
    group: 'scheduling.k8s.io', plural: 'priorityclasses',
    obj: { metadata: metaOf('system-node-critical', 60), value: 2000001000, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority' },
    want: ['system-node-critical', 2000001000, false, '60s', 'PreemptLowerPriority'],
  },
  {
    name: 'runtime class',
    group: 'node.k8s.io', plural: 'runtimeclasses',
    obj: { metadata: metaOf('gvisor', 60), handler: 'runsc' },
    want: ['gvisor', 'runsc', '60s'],
  },
  {
    name: 'local API service',
    group: 'apiregistration.k8s.io', plural: 'apiservices',
    obj: { metadata: metaOf('v1.apps', 60), spec: { group: 'apps', version: 'v1' }, status: { conditions: [{ type: 'Available', status: 'True', reason: 'Local' }] } },
    want: ['v1.apps', 'Local', 'True', '60s'],
  },
  {
    name: 'unavailable aggregated API service',
    group: 'apiregistration.k8s.io', plural: 'apiservices',
    obj: {
      metadata: metaOf('v1beta1.metrics.k8s.io', 60), spec: { service: { namespace: 'kube-system', name: 'metrics-server' } },
      status: { conditions: [{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }] },
    },
    want: ['v1beta1.metrics.k8s.io', 'kube-system/metrics-server', 'False (MissingEndpoints)', '60s'],
  },
  {
    name: 'HPA v2 with cpu utilisation and memory value',
    group: 'autoscaling', plural: 'horizontalpodautoscalers',
    obj: {
      metadata: metaOf('web', 60),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
        ],
      },
      status: { currentReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45, averageValue: '120m' } } }] },
    },
    want: ['web', 'Deployment/web', 'cpu: 45%/80%, memory: <unknown>/500Mi', '2', 10, 3, '60s'],
  },
  {
    name: 'HPA v2 with more than two metrics of other types',
    group: 'autoscaling', plural: 'horizontalpodautoscalers',
    obj: {
      metadata: metaOf('q', 60),
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'q' }, maxReplicas: 5,
        metrics: [
          { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } },
          { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
          { type: 'Object', object: { metric: { name: 'hits' }, target: { type: 'Value', value: '2k' } } },
        ],
      },
      status: { currentReplicas: 1, currentMetrics: [{ type: 'Pods', pods: { current: { averageValue: '7' } } }, { type: 'External', external: { current: { averageValue: '12' } } }] },
    },
    want: ['q', 'Deployment/q', '7/10, 12/30 (avg) + 1 more...', '1', 5, 1, '60s'],
  },
  {
    name: 'HPA v1 shape',
    group: 'autoscaling', plural: 'horizontalpodautoscalers',
    obj: {
      metadata: metaOf('v1hpa', 60),
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 50 },
      status: { currentReplicas: 1 },
    },
    want: ['v1hpa', 'Deployment/web', 'cpu: <unknown>/50%', '1', 4, 1, '60s'],
  },
  {
    name: 'HPA without metrics',
    group: 'autoscaling', plural: 'horizontalpodautoscalers',
    obj: { metadata: metaOf('none', 60), spec: { scaleTargetRef: { kind: 'StatefulSet', name: 'db' }, maxReplicas: 3, metrics: [] } },
    want: ['none', 'StatefulSet/db', '<none>', '1', 3, 0, '60s'],
  },
];

for (const c of cases) {
  test(`${c.group}/${c.plural}: ${c.name}`, () => {
    const got = tableCells(c.group, c.plural, c.obj, NOW);
    assert.deepEqual(got, c.want, `cells: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  });
}
