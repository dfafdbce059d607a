// The kubelet against a real in-process API server with the real `process` runtime.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resources, type Lease } from '../client';
import { startHarness, waitUntil, type Harness } from './testing/harness';
import type { Node, Pod } from './types';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const sh = (script: string) => ({ name: 'main', image: 'busybox', command: ['/bin/sh', '-c', script] });
const cs = (p: Pod, name = 'main') => p.status?.containerStatuses?.find((c) => c.name === name);
const cond = (p: Pod, type: string) => p.status?.conditions?.find((c) => c.type === type)?.status;

test('registers the node with capacity, addresses, conditions and a lease', async () => {
  const node = await waitUntil(async () => {
    const n = await h.client.resource<Node>(Resources.nodes).get(undefined, h.nodeName);
    return n.status?.conditions?.length ? n : undefined;
  }, 'node with conditions');
  assert.equal(node.status?.capacity?.pods, '110', `capacity.pods: got ${node.status?.capacity?.pods}`);
  assert.ok(Number(node.status?.capacity?.cpu) >= 1, `capacity.cpu: got ${node.status?.capacity?.cpu}`);
  assert.match(node.status?.capacity?.memory ?? '', /^\d+Ki$/, 'capacity.memory');
  assert.deepEqual(node.status?.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'node-1' }]);
  assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint.Port, h.kubelet.port, 'daemonEndpoints port');
  assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], 'node-1');
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True', `Ready: got ${JSON.stringify(ready)}`);
  assert.equal(ready?.reason, 'KubeletReady');
  assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.32.4+berth');
  assert.equal(node.metadata.annotations?.['berth.io/pod-network'], 'host');
  const lease = await waitUntil(() => h.client.resource<Lease>(Resources.leases).get('kube-node-lease', 'node-1'), 'lease');
  assert.equal(lease.spec?.holderIdentity, 'node-1');
  assert.equal(lease.spec?.leaseDurationSeconds, 40);
});

test('a bound pod reaches Running with its status; logs through the HTTPS server', async () => {
  await h.createPod({ metadata: { name: 'web' }, spec: { containers: [sh('echo hello from web; exec sleep 1000')] } });
  const p = await h.waitPod('web', (x) => x.status?.phase === 'Running' && cond(x, 'Ready') === 'True', 'Running and Ready');
  const c = cs(p)!;
  assert.ok(c.state.running?.startedAt, `state: got ${JSON.stringify(c.state)}`);
  assert.match(c.containerID ?? '', /^process:\/\/\w+/, `containerID: got ${c.containerID}`);
  assert.equal(c.ready, true);
  assert.equal(c.started, true);
  assert.equal(c.restartCount, 0);
  assert.equal(p.status?.podIP, '127.0.0.1');
  assert.equal(p.status?.hostIP, '127.0.0.1');
  assert.ok(p.status?.startTime, 'startTime');
  for (const t of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready', 'PodReadyToStartContainers']) assert.equal(cond(p, t), 'True', `condition ${t}`);
  const logs = await waitUntil(async () => {
    const r = await h.kubeletGet('/containerLogs/default/web/main');
    return r.body.includes('hello') ? r : undefined;
  }, 'logs');
  assert.equal(logs.code, 200);
  assert.equal(logs.body, 'hello from web\n');
  const unauth = await h.kubeletGet('/containerLogs/default/web/main', false);
  assert.equal(unauth.code, 401, `without a client certificate: got ${unauth.code}`);
  const missing = await h.kubeletGet('/containerLogs/default/nope/main');
  assert.equal(missing.code, 404, `unknown pod: got ${missing.code}`);
  const prev = await h.kubeletGet('/containerLogs/default/web/main?previous=true');
  assert.equal(prev.code, 400);
  assert.match(prev.body, /previous terminated container \\"main\\" in pod \\"web\\" not found/);
  const healthz = await h.kubeletGet('/healthz');
  assert.equal(healthz.body, 'ok');
  const list = JSON.parse((await h.kubeletGet('/pods')).body) as { items: Pod[] };
  assert.ok(list.items.some((x) => x.metadata.name === 'web'), '/pods lists web');
  const plain = await h.kubeletGet('/exec/default/web/main?command=ls');
  assert.equal(plain.code, 400, `exec without an upgrade: got ${plain.code}`);
  const out = await h.kubeletExec('default', 'web', 'main', ['/bin/sh', '-c', 'echo exec-$((40+2))']);
  assert.equal(out, 'exec-42\n', `exec stdout: got ${JSON.stringify(out)}`);
});

test('a crashing container goes into CrashLoopBackOff with growing delays', async () => {
  await h.createPod({ metadata: { name: 'crash' }, spec: { containers: [sh('echo boom; exit 3')] } });
  const messages = new Set<string>();
  const p = await h.waitPod('crash', (x) => {
    const m = cs(x)?.state.waiting?.message;
    if (cs(x)?.state.waiting?.reason === 'CrashLoopBackOff' && m) messages.add(/back-off (\S+)/.exec(m)?.[1] ?? m);
    return messages.size >= 3;
  }, 'three different back-off delays', 40_000);
  const c = cs(p)!;
  assert.ok(c.restartCount >= 2, `restartCount: got ${c.restartCount}`);
  assert.equal(c.lastState.terminated?.exitCode, 3, `lastState: got ${JSON.stringify(c.lastState)}`);
  assert.equal(c.lastState.terminated?.reason, 'Error');
  assert.deepEqual([...messages].slice(0, 3), ['1s', '2s', '4s'], `delays: got ${[...messages]}`);
  assert.match(c.state.waiting?.message ?? '', /restarting failed container=main pod=crash_default\(/);
  const prev = await h.kubeletGet('/containerLogs/default/crash/main?previous=true');
  assert.equal(prev.body, 'boom\n', `previous logs: got ${prev.code} ${prev.body}`);
});

test('a failing liveness probe restarts the container', async () => {
  await h.createPod({
    metadata: { name: 'live' },
    spec: { containers: [{ ...sh('exec sleep 1000'), livenessProbe: { exec: { command: ['/bin/false'] }, periodSeconds: 1, failureThreshold: 2 } }] },
  });
  const p = await h.waitPod('live', (x) => (cs(x)?.restartCount ?? 0) >= 1, 'restarted after liveness failures', 30_000);
  assert.ok(cs(p)!.lastState.terminated, `lastState: got ${JSON.stringify(cs(p)!.lastState)}`);
});

test('readiness gates Ready', async () => {
  const flag = join(h.dataDir, 'ready-flag');
  await h.createPod({
    metadata: { name: 'ready' },
    spec: { containers: [{ ...sh('exec sleep 1000'), readinessProbe: { exec: { command: ['/bin/sh', '-c', `test -f ${flag}`] }, periodSeconds: 1 } }] },
  });
  const p = await h.waitPod('ready', (x) => x.status?.phase === 'Running' && !!cs(x)?.state.running, 'running');
  await new Promise((r) => setTimeout(r, 1500));
  const still = (await h.getPod('ready'))!;
  assert.equal(cond(still, 'Ready'), 'False', `Ready before the flag: got ${cond(still, 'Ready')}`);
  assert.equal(cs(still)!.ready, false);
  assert.match(still.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '', /containers with unready status: \[main\]/);
  assert.ok(p);
  writeFileSync(flag, '');
  await h.waitPod('ready', (x) => cond(x, 'Ready') === 'True' && cs(x)?.ready === true, 'Ready after the flag');
});

test('a memory-limited container is OOMKilled', async () => {
  await h.createPod({
    metadata: { name: 'oom' },
    spec: { restartPolicy: 'Never', containers: [{ ...sh('exec tail /dev/zero'), resources: { limits: { memory: '32Mi' } } }] },
  });
  const p = await h.waitPod('oom', (x) => x.status?.phase === 'Failed', 'Failed', 30_000);
  const t = cs(p)!.state.terminated;
  assert.equal(t?.reason, 'OOMKilled', `terminated: got ${JSON.stringify(t)}`);
  assert.equal(t?.exitCode, 137);
});

test('a pod that completes is Succeeded; init containers run first', async () => {
  await h.createPod({
    metadata: { name: 'job' },
    spec: {
      restartPolicy: 'Never',
      initContainers: [{ name: 'init', image: 'busybox', command: ['/bin/sh', '-c', 'echo init'] }],
      containers: [sh('echo done')],
    },
  });
  const p = await h.waitPod('job', (x) => x.status?.phase === 'Succeeded', 'Succeeded');
  assert.equal(p.status?.initContainerStatuses?.[0]?.state.terminated?.reason, 'Completed');
  assert.equal(cs(p)!.state.terminated?.reason, 'Completed');
  assert.equal(cond(p, 'Initialized'), 'True');
  assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
});

test('deletion is graceful and the pod disappears', async () => {
  const marker = join(h.dataDir, 'got-term');
  await h.createPod({
    metadata: { name: 'grace' },
    spec: { terminationGracePeriodSeconds: 10, containers: [sh(`trap 'touch ${marker}; exit 0' TERM; while true; do sleep 0.1; done`)] },
  });
  const p = await h.waitPod('grace', (x) => x.status?.phase === 'Running', 'Running');
  const id = cs(p)!.containerID!.replace('process://', '');
  await h.client.resource<Pod>(Resources.pods).delete('default', 'grace');
  await waitUntil(async () => ((await h.getPod('grace')) ? undefined : true), 'pod gone');
  assert.ok(existsSync(marker), 'the container got SIGTERM and ran its trap');
  const left = (await h.kubelet.runtime.listContainers()).filter((c) => c.id === id);
  assert.equal(left.length, 0, `containers left: ${JSON.stringify(left.map((c) => c.state))}`);
});

test('a kubelet restart adopts running containers', async () => {
  await h.createPod({ metadata: { name: 'adopt' }, spec: { containers: [sh('exec sleep 1000')] } });
  const before = await h.waitPod('adopt', (x) => cs(x)?.state.running !== undefined && cond(x, 'Ready') === 'True', 'Running');
  await h.stopKubelet();
  await h.startKubelet();
  await new Promise((r) => setTimeout(r, 3000));
  const after = await h.waitPod('adopt', (x) => cond(x, 'Ready') === 'True', 'Ready again');
  assert.equal(cs(after)!.containerID, cs(before)!.containerID, 'same container');
  assert.equal(cs(after)!.restartCount, 0, 'restartCount unchanged');
  assert.equal(cs(after)!.state.running?.startedAt, cs(before)!.state.running?.startedAt);
});
