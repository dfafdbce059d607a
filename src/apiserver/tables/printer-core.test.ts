import assert from 'node:assert/strict';
import { test } from 'node:test';

import { tableCells } from './index';
import { NOW, ago, metaOf } from './testing';

type Json = Record<string, unknown>;

const nodeInfo = { kubeletVersion: 'v1.32.4', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-37-amd64', containerRuntimeVersion: 'berth://0.1.0' };
const addresses = [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'node-1' }];

const cases: Array<{ name: string; group: string; plural: string; obj: Json; want: unknown[] }> = [
  {
    name: 'ready control-plane node',
    group: '', plural: 'nodes',
    obj: {
      metadata: metaOf('node-1', 86400 * 2 + 3 * 3600, { labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'node-1' } }),
      spec: {},
      status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }], nodeInfo, addresses },
    },
    want: ['node-1', 'Ready', 'control-plane', '2d3h', 'v1.32.4', '192.168.1.10', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-37-amd64', 'berth://0.1.0'],
  },
  {
    name: 'NotReady and cordoned node with two roles',
    group: '', plural: 'nodes',
    obj: {
      metadata: metaOf('node-2', 3600, { labels: { 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'infra', 'node-role.kubernetes.io/': '' } }),
      spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
      status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }], nodeInfo, addresses: [...addresses, { type: 'ExternalIP', address: '203.0.113.4' }] },
    },
    want: ['node-2', 'NotReady,SchedulingDisabled', 'infra,worker', '60m', 'v1.32.4', '192.168.1.10', '203.0.113.4', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-37-amd64', 'berth://0.1.0'],
  },
  {
    name: 'registering node without conditions or info',
    group: '', plural: 'nodes',
    obj: { metadata: metaOf('node-3', 5), spec: { unschedulable: false }, status: {} },
    want: ['node-3', 'Unknown', '<none>', '5s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
  },
  {
    name: 'core event with count and source',
    group: '', plural: 'events',
    obj: {
      metadata: metaOf('web-1.17e3', 600),
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', fieldPath: 'spec.containers{app}' },
      reason: 'BackOff', message: 'Back-off restarting failed container app  \n', type: 'Warning',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: ago(600), lastTimestamp: ago(30), count: 12,
    },
    want: ['30s', 'Warning', 'BackOff', 'pod/web-1', 'spec.containers{app}', 'kubelet, node-1', 'Back-off restarting failed container app', '10m', 12, 'web-1.17e3'],
  },
  {
    name: 'new-style core event: eventTime, series, reporting controller',
    group: '', plural: 'events',
    obj: {
      metadata: metaOf('ev2', 600),
      involvedObject: { kind: 'Node', name: 'node-1' }, reason: 'Starting', type: 'Normal', note: 'ignored', message: 'Starting kubelet.',
      eventTime: '2025-06-01T11:55:00.123456Z', series: { count: 4, lastObservedTime: '2025-06-01T11:59:00.000001Z' },
      reportingController: 'berth/kubelet', reportingInstance: 'node-1', source: {},
    },
    want: ['60s', 'Normal', 'Starting', 'node/node-1', '', 'berth/kubelet, node-1', 'Starting kubelet.', '4m59s', 4, 'ev2'],
  },
  {
    name: 'singleton event without timestamps or count',
    group: '', plural: 'events',
    obj: { metadata: metaOf('ev3', 60), involvedObject: { kind: 'Namespace' }, reason: 'X', type: 'Normal', source: { component: 'c' } },
    want: ['<unknown>', 'Normal', 'X', 'namespace', '', 'c', '', '<unknown>', 1, 'ev3'],
  },
  {
    name: 'events.k8s.io/v1 event',
    group: 'events.k8s.io', plural: 'events',
    obj: {
      metadata: metaOf('ev4', 600), regarding: { kind: 'Deployment', name: 'web' }, reason: 'ScalingReplicaSet', type: 'Normal',
      note: 'Scaled up replica set web-7d4 to 3', reportingController: 'deployment-controller', deprecatedSource: { component: 'deployment-controller' },
      deprecatedFirstTimestamp: ago(300), deprecatedLastTimestamp: ago(120), deprecatedCount: 2, eventTime: null,
    },
    want: ['2m', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up replica set web-7d4 to 3', '5m', 2, 'ev4'],
  },
  {
    name: 'configmap counts data and binaryData',
    group: '', plural: 'configmaps',
    obj: { metadata: metaOf('cfg', 60), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } },
    want: ['cfg', 3, '60s'],
  },
  {
    name: 'empty configmap',
    group: '', plural: 'configmaps',
    obj: { metadata: metaOf('empty', 60) },
    want: ['empty', 0, '60s'],
  },
  {
    name: 'tls secret',
    group: '', plural: 'secrets',
    obj: { metadata: metaOf('tls', 60), type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } },
    want: ['tls', 'kubernetes.io/tls', 2, '60s'],
  },
  {
    name: 'secret without type is Opaque',
    group: '', plural: 'secrets',
    obj: { metadata: metaOf('plain', 60), data: { k: 'dg==' } },
    want: ['plain', 'Opaque', 1, '60s'],
  },
  {
    name: 'service account',
    group: '', plural: 'serviceaccounts',
    obj: { metadata: metaOf('default', 60) },
    want: ['default', 0, '60s'],
  },
  {
    name: 'namespace',
    group: '', plural: 'namespaces',
    obj: { metadata: metaOf('kube-system', 86400 * 400), status: { phase: 'Active' } },
    want: ['kube-system', 'Active', '400d'],
  },
  {
    name: 'terminating namespace',
    group: '', plural: 'namespaces',
    obj: { metadata: metaOf('old', 60, { deletionTimestamp: ago(1) }), status: { phase: 'Terminating' } },
    want: ['old', 'Terminating', '60s'],
  },
  {
    name: 'bound persistent volume',
    group: '', plural: 'persistentvolumes',
    obj: {
      metadata: metaOf('pv-1', 60),
      spec: {
        capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain',
        claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'local', volumeMode: 'Filesystem',
      },
      status: { phase: 'Bound' },
    },
    want: ['pv-1', '10Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'local', '<unset>', '', '60s', 'Filesystem'],
  },
  {
    name: 'released persistent volume with beta storage-class annotation',
    group: '', plural: 'persistentvolumes',
    obj: {
      metadata: metaOf('pv-2', 60, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'old-class' } }),
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadOnlyMany', 'ReadWriteOncePod'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'new' },
      status: { phase: 'Failed', reason: 'VolumeFailedDelete' },
    },
    want: ['pv-2', '1Gi', 'ROX,RWOP', 'Delete', 'Failed', '', 'old-class', '<unset>', 'VolumeFailedDelete', '60s', '<unset>'],
  },
  {
    name: 'bound claim',
    group: '', plural: 'persistentvolumeclaims',
    obj: {
      metadata: metaOf('data', 60),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, volumeName: 'pv-1', storageClassName: 'local', volumeMode: 'Filesystem' },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } },
    },
    want: ['data', 'Bound', 'pv-1', '10Gi', 'RWO', 'local', '<unset>', '60s', 'Filesystem'],
  },
  {
    name: 'pending claim shows no capacity',
    group: '', plural: 'persistentvolumeclaims',
    obj: { metadata: metaOf('wait', 60), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } }, status: { phase: 'Pending' } },
    want: ['wait', 'Pending', '', '', '', '', '<unset>', '60s', '<unset>'],
  },
  {
    name: 'resource quota splits limits',
    group: '', plural: 'resourcequotas',
    obj: {
      metadata: metaOf('quota', 60),
      status: { hard: { pods: '10', 'requests.cpu': '2', 'limits.memory': '4Gi', 'limits.cpu': '4' }, used: { pods: '3', 'requests.cpu': '500m', 'limits.cpu': '1' } },
    },
    want: ['quota', 'pods: 3/10, requests.cpu: 500m/2', 'limits.cpu: 1/4, limits.memory: 0/4Gi', '60s'],
  },
  {
    name: 'healthy component status',
    group: '', plural: 'componentstatuses',
    obj: { metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] },
    want: ['etcd-0', 'Healthy', 'ok', ''],
  },
  {
    name: 'unhealthy component status',
    group: '', plural: 'componentstatuses',
    obj: { metadata: { name: 'scheduler' }, conditions: [{ type: 'Healthy', status: 'False', error: 'connection refused' }] },
    want: ['scheduler', 'Unhealthy', '', 'connection refused'],
  },
];

for (const c of cases) {
  test(`${c.group || 'core'}/${c.plural}: ${c.name}`, () => {
    const got = tableCells(c.group, c.plural, c.obj, NOW);
    assert.deepEqual(got, c.want, `cells: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  });
}
