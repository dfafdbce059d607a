import assert from 'node:assert/strict';
import { test } from 'node:test';

import { tableCells } from './index';
import { NOW, ago, metaOf } from './testing';

type Json = Record<string, unknown>;

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'log', image: 'busybox:1.36' }] },
};
const selector = { matchLabels: { app: 'web' } };

const cases: Array<{ name: string; group: string; plural: string; obj: Json; want: unknown[] }> = [
  {
    name: 'deployment mid-rollout',
    group: 'apps', plural: 'deployments',
    obj: {
      metadata: metaOf('web', 200), spec: { replicas: 3, selector, template },
      status: { replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1 },
    },
    want: ['web', '3/3', 2, 3, '3m20s', 'nginx,log', 'nginx:1.27,busybox:1.36', 'app=web'],
  },
  {
    name: 'new deployment without status',
    group: 'apps', plural: 'deployments',
    obj: { metadata: metaOf('fresh', 5), spec: { replicas: 2, selector, template } },
    want: ['fresh', '0/2', 0, 0, '5s', 'nginx,log', 'nginx:1.27,busybox:1.36', 'app=web'],
  },
  {
    name: 'deployment selector with expressions, sorted by key',
    group: 'apps', plural: 'deployments',
    obj: {
      metadata: metaOf('expr', 60),
      spec: {
        replicas: 1, template,
        selector: {
          matchLabels: { tier: 'front' },
          matchExpressions: [
            { key: 'env', operator: 'In', values: ['prod', 'canary'] },
            { key: 'zz', operator: 'Exists' },
            { key: 'legacy', operator: 'DoesNotExist' },
            { key: 'app', operator: 'NotIn', values: ['db'] },
          ],
        },
      },
      status: { readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 },
    },
    want: ['expr', '1/1', 1, 1, '60s', 'nginx,log', 'nginx:1.27,busybox:1.36', 'app notin (db),env in (canary,prod),!legacy,tier=front,zz'],
  },
  {
    name: 'deployment with an invalid selector operator',
    group: 'apps', plural: 'deployments',
    obj: { metadata: metaOf('bad', 60), spec: { replicas: 1, template, selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } } },
    want: ['bad', '0/1', 0, 0, '60s', 'nginx,log', 'nginx:1.27,busybox:1.36', '<invalid>'],
  },
  {
    name: 'replicaset',
    group: 'apps', plural: 'replicasets',
    obj: { metadata: metaOf('web-7d4b9c8f5d', 3 * 3600), spec: { replicas: 3, selector, template }, status: { replicas: 3, readyReplicas: 2 } },
    want: ['web-7d4b9c8f5d', 3, 3, 2, '3h', 'nginx,log', 'nginx:1.27,busybox:1.36', 'app=web'],
  },
  {
    name: 'scaled-down replicaset without selector prints <none>',
    group: 'apps', plural: 'replicasets',
    obj: { metadata: metaOf('old', 86400 * 3), spec: { replicas: 0, template }, status: { replicas: 0 } },
    want: ['old', 0, 0, 0, '3d', 'nginx,log', 'nginx:1.27,busybox:1.36', '<none>'],
  },
  {
    name: 'replication controller',
    group: '', plural: 'replicationcontrollers',
    obj: { metadata: metaOf('rc', 60), spec: { replicas: 2, selector: { b: '2', a: '1' }, template }, status: { replicas: 2, readyReplicas: 2 } },
    want: ['rc', 2, 2, 2, '60s', 'nginx,log', 'nginx:1.27,busybox:1.36', 'a=1,b=2'],
  },
  {
    name: 'daemonset',
    group: 'apps', plural: 'daemonsets',
    obj: {
      metadata: metaOf('agent', 600),
      spec: { selector, template: { ...template, spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    },
    want: ['agent', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '10m', 'nginx,log', 'nginx:1.27,busybox:1.36', 'app=web'],
  },
  {
    name: 'statefulset',
    group: 'apps', plural: 'statefulsets',
    obj: { metadata: metaOf('db', 60), spec: { replicas: 3, selector, template, serviceName: 'db' }, status: { replicas: 2, readyReplicas: 1 } },
    want: ['db', '1/3', '60s', 'nginx,log', 'nginx:1.27,busybox:1.36'],
  },
  {
    name: 'statefulset without replicas defaults to 1',
    group: 'apps', plural: 'statefulsets',
    obj: { metadata: metaOf('db1', 60), spec: { selector, template } },
    want: ['db1', '0/1', '60s', 'nginx,log', 'nginx:1.27,busybox:1.36'],
  },
  {
    name: 'completed job',
    group: 'batch', plural: 'jobs',
    obj: {
      metadata: metaOf('pi', 3600),
      spec: { completions: 1, parallelism: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, template },
      status: {
        succeeded: 1, startTime: ago(3600), completionTime: ago(3600 - 42),
        conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }],
      },
    },
    want: ['pi', 'Complete', '1/1', '42s', '60m', 'nginx,log', 'nginx:1.27,busybox:1.36', 'batch.kubernetes.io/controller-uid=u1'],
  },
  {
    name: 'running parallel work-queue job',
    group: 'batch', plural: 'jobs',
    obj: { metadata: metaOf('queue', 400), spec: { parallelism: 3, template }, status: { succeeded: 1, active: 2, startTime: ago(390) } },
    want: ['queue', 'Running', '1/1 of 3', '6m30s', '6m40s', 'nginx,log', 'nginx:1.27,busybox:1.36', '<none>'],
  },
  {
    name: 'failed job',
    group: 'batch', plural: 'jobs',
    obj: {
      metadata: metaOf('boom', 100), spec: { completions: 3, parallelism: 1, template },
      status: { failed: 7, startTime: ago(90), conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] },
    },
    want: ['boom', 'Failed', '0/3', '90s', '100s', 'nginx,log', 'nginx:1.27,busybox:1.36', '<none>'],
  },
  {
    name: 'suspended job that never started',
    group: 'batch', plural: 'jobs',
    obj: { metadata: metaOf('later', 100), spec: { suspend: true, template }, status: { conditions: [{ type: 'Suspended', status: 'True' }] } },
    want: ['later', 'Suspended', '0/1', '', '100s', 'nginx,log', 'nginx:1.27,busybox:1.36', '<none>'],
  },
  {
    name: 'cronjob',
    group: 'batch', plural: 'cronjobs',
    obj: {
      metadata: metaOf('nightly', 86400 * 10),
      spec: { schedule: '0 3 * * *', suspend: false, jobTemplate: { spec: { template } } },
      status: { active: [{ name: 'nightly-1' }], lastScheduleTime: ago(7200) },
    },
    want: ['nightly', '0 3 * * *', '<none>', 'False', 1, '120m', '10d', 'nginx,log', 'nginx:1.27,busybox:1.36', '<none>'],
  },
  {
    name: 'suspended cronjob with time zone, never scheduled',
    group: 'batch', plural: 'cronjobs',
    obj: { metadata: metaOf('tz', 60), spec: { schedule: '@hourly', timeZone: 'Europe/Paris', suspend: true, jobTemplate: { spec: { template } } }, status: {} },
    want: ['tz', '@hourly', 'Europe/Paris', 'True', 0, '<none>', '60s', 'nginx,log', 'nginx:1.27,busybox:1.36', '<none>'],
  },
  {
    name: 'pod template',
    group: '', plural: 'podtemplates',
    obj: { metadata: metaOf('tpl', 60), template },
    want: ['tpl', 'nginx,log', 'nginx:1.27,busybox:1.36', 'app=web'],
  },
  {
    name: 'controller revision owned by a statefulset',
    group: 'apps', plural: 'controllerrevisions',
    obj: {
      metadata: metaOf('db-6d5f', 60, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'x', controller: true }] }),
      revision: 2, data: {},
    },
    want: ['db-6d5f', 'statefulset.apps/db', 2, '60s'],
  },
  {
    name: 'controller revision without controller',
    group: 'apps', plural: 'controllerrevisions',
    obj: { metadata: metaOf('orphan', 60), revision: 1 },
    want: ['orphan', '<none>', 1, '60s'],
  },
  {
    name: 'pod disruption budget with minAvailable',
    group: 'policy', plural: 'poddisruptionbudgets',
    obj: { metadata: metaOf('pdb', 60), spec: { minAvailable: 2, selector }, status: { disruptionsAllowed: 1 } },
    want: ['pdb', '2', 'N/A', 1, '60s'],
  },
  {
    name: 'pod disruption budget with percentage maxUnavailable',
    group: 'policy', plural: 'poddisruptionbudgets',
    obj: { metadata: metaOf('pdb2', 60), spec: { maxUnavailable: '25%', selector }, status: {} },
    want: ['pdb2', 'N/A', '25%', 0, '60s'],
  },
];

for (const c of cases) {
  test(`${c.plural}: ${c.name}`, () => {
    const got = tableCells(c.group, c.plural, c.obj, NOW);
    assert.deepEqual(got, c.want, `cells: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  });
}
