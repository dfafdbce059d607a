import assert from 'node:assert/strict';
import { test } from 'node:test';

import { tableCells, tableColumns } from './index';
import { NOW, ago, metaOf } from './testing';

type Json = Record<string, unknown>;

function pod(name: string, spec: Json, status: Json, metaExtra: Json = {}): Json {
  return { apiVersion: 'v1', kind: 'Pod', metadata: metaOf(name, 300, metaExtra), spec, status };
}

const oneContainer = { containers: [{ name: 'app', image: 'nginx:1.27' }], nodeName: 'node-1' };
const running = { running: { startedAt: ago(290) } };
const readyConds = [
  { type: 'Initialized', status: 'True' },
  { type: 'Ready', status: 'True' },
  { type: 'ContainersReady', status: 'True' },
  { type: 'PodScheduled', status: 'True' },
];

const cases: Array<{ name: string; pod: Json; want: unknown[] }> = [
  {
    name: 'running and ready',
    pod: pod('web-1', oneContainer, {
      phase: 'Running', conditions: readyConds, podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
    }),
    want: ['web-1', '1/1', 'Running', '0', '5m', '10.0.0.5', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'crash loop with last restart suffix',
    pod: pod('crashy', oneContainer, {
      phase: 'Running', podIP: '10.0.0.6',
      containerStatuses: [{
        name: 'app', ready: false, restartCount: 5,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(125) } },
      }],
    }),
    want: ['crashy', '0/1', 'CrashLoopBackOff', '5 (2m5s ago)', '5m', '10.0.0.6', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'completed pod',
    pod: pod('batch-x', oneContainer, {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: ago(10) } } }],
    }),
    want: ['batch-x', '0/1', 'Completed', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'terminating pod',
    pod: pod('going', oneContainer, {
      phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
    }, { deletionTimestamp: ago(-30), deletionGracePeriodSeconds: 30 }),
    want: ['going', '1/1', 'Terminating', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'deleted succeeded pod keeps its terminal status',
    pod: pod('done', oneContainer, {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    }, { deletionTimestamp: ago(1) }),
    want: ['done', '0/1', 'Completed', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'node lost while deleting is Unknown',
    pod: pod('lost', oneContainer, {
      phase: 'Running', reason: 'NodeLost', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
    }, { deletionTimestamp: ago(1) }),
    want: ['lost', '1/1', 'Unknown', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'pod reason wins over phase (Evicted)',
    pod: pod('evicted', oneContainer, { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }),
    want: ['evicted', '0/1', 'Evicted', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'container creating',
    pod: pod('new', oneContainer, {
      phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
    }),
    want: ['new', '0/1', 'ContainerCreating', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'pending and unscheduled',
    pod: pod('pending', { containers: [{ name: 'app', image: 'x' }] }, { phase: 'Pending' }),
    want: ['pending', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'scheduling gated',
    pod: pod('gated', { containers: [{ name: 'app', image: 'x' }] }, {
      phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
    }),
    want: ['gated', '0/1', 'SchedulingGated', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'init container running: Init:0/2',
    pod: pod('init', { ...oneContainer, initContainers: [{ name: 'i1', image: 'busybox' }, { name: 'i2', image: 'busybox' }] }, {
      phase: 'Pending', conditions: [{ type: 'Initialized', status: 'False' }],
      initContainerStatuses: [
        { name: 'i1', ready: false, restartCount: 0, state: { running: { startedAt: ago(5) } } },
        { name: 'i2', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
      ],
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    }),
    want: ['init', '0/1', 'Init:0/2', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'second init container pending: Init:1/2',
    pod: pod('init2', { ...oneContainer, initContainers: [{ name: 'i1', image: 'busybox' }, { name: 'i2', image: 'busybox' }] }, {
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'i1', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'i2', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
      ],
    }),
    want: ['init2', '0/1', 'Init:1/2', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'init container crash looping counts init restarts',
    pod: pod('initcrash', { ...oneContainer, initContainers: [{ name: 'i1', image: 'busybox' }] }, {
      phase: 'Pending',
      initContainerStatuses: [{
        name: 'i1', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(40) } },
      }],
    }),
    want: ['initcrash', '0/1', 'Init:CrashLoopBackOff', '3 (40s ago)', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'init container failed with reason',
    pod: pod('initerr', { ...oneContainer, initContainers: [{ name: 'i1', image: 'busybox' }] }, {
      phase: 'Failed', initContainerStatuses: [{ name: 'i1', restartCount: 0, state: { terminated: { exitCode: 2, reason: 'Error' } } }],
    }),
    want: ['initerr', '0/1', 'Init:Error', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'init container killed by a signal without reason',
    pod: pod('initsig', { ...oneContainer, initContainers: [{ name: 'i1', image: 'busybox' }] }, {
      phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }],
    }),
    want: ['initsig', '0/1', 'Init:Signal:9', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'init container exit code without reason',
    pod: pod('initexit', { ...oneContainer, initContainers: [{ name: 'i1', image: 'busybox' }] }, {
      phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 0, state: { terminated: { exitCode: 3 } } }],
    }),
    want: ['initexit', '0/1', 'Init:ExitCode:3', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'container terminated without reason: ExitCode',
    pod: pod('exit', oneContainer, {
      phase: 'Failed', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 42 } } }],
    }),
    want: ['exit', '0/1', 'ExitCode:42', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'one of two containers completed while the other runs ready: Running',
    pod: pod('two', { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }], nodeName: 'node-1' }, {
      phase: 'Running', conditions: readyConds,
      containerStatuses: [
        { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', ready: true, restartCount: 0, state: running },
      ],
    }),
    want: ['two', '1/2', 'Running', '0', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'one completed, other running, pod not ready: NotReady',
    pod: pod('two-nr', { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] }, {
      phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', ready: true, restartCount: 0, state: running },
      ],
    }),
    want: ['two-nr', '1/2', 'NotReady', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'sidecar (restartable init container) counts as a container',
    pod: pod('sidecar', { ...oneContainer, initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] }, {
      phase: 'Running', conditions: readyConds,
      initContainerStatuses: [{
        name: 'proxy', ready: true, started: true, restartCount: 2, state: running,
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(3600) } },
      }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(600) } } }],
    }),
    want: ['sidecar', '2/2', 'Running', '3 (10m ago)', '5m', '<none>', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'readiness gates and nominated node',
    pod: pod('gates', { ...oneContainer, readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] }, {
      phase: 'Running', nominatedNodeName: 'node-2', podIPs: [{ ip: 'fd00::5' }, { ip: '10.0.0.9' }],
      conditions: [...readyConds, { type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
    }),
    want: ['gates', '1/1', 'Running', '0', '5m', 'fd00::5', 'node-1', 'node-2', '1/2'],
  },
  {
    name: 'no creation timestamp',
    pod: { metadata: { name: 'bare' }, spec: {}, status: {} },
    want: ['bare', '0/0', '', '0', '<unknown>', '<none>', '<none>', '<none>', '<none>'],
  },
];

for (const c of cases) {
  test(`pods: ${c.name}`, () => {
    const got = tableCells('', 'pods', c.pod, NOW);
    assert.deepEqual(got, c.want, `cells: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  });
}

test('pods: columns match upstream names, types and priorities', () => {
  const got = tableColumns('', 'pods').map((c) => `${c.name}:${c.type}:${c.priority}:${c.format}`);
  const want = [
    'Name:string:0:name', 'Ready:string:0:', 'Status:string:0:', 'Restarts:string:0:', 'Age:string:0:',
    'IP:string:1:', 'Node:string:1:', 'Nominated Node:string:1:', 'Readiness Gates:string:1:',
  ];
  assert.deepEqual(got, want, `columns: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
});
