import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodStatus, containerStatusOf, k8sTime, podPhase, type ContainerView } from './pod-status';
import type { ContainerStatus as Rt } from './runtime';
import type { ContainerStatus, Pod } from './types';

const rt = (over: Partial<Rt>): Rt => ({
  id: 'c1', sandboxId: 's', name: 'main', attempt: 0, image: 'busybox', state: 'running', createdAt: '2025-01-01T00:00:00.5Z',
  startedAt: '2025-01-01T00:00:01.123456789Z', logPath: '/x', labels: {}, annotations: {}, ...over,
});

const st = (state: ContainerStatus['state'], lastState: ContainerStatus['lastState'] = {}): ContainerStatus => ({
  name: 'c', state, lastState, ready: false, restartCount: 0, image: '', imageID: '',
});

test('podPhase follows upstream getPhase', () => {
  const running = st({ running: {} });
  const ok = st({ terminated: { exitCode: 0 } });
  const bad = st({ terminated: { exitCode: 1 } });
  const backoff = st({ waiting: { reason: 'CrashLoopBackOff' } }, { terminated: { exitCode: 1 } });
  const creating = st({ waiting: { reason: 'ContainerCreating' } });
  const cases: Array<{ name: string; policy: string; init: ContainerStatus[]; app: ContainerStatus[]; want: string }> = [
    { name: 'creating', policy: 'Always', init: [], app: [creating], want: 'Pending' },
    { name: 'running', policy: 'Always', init: [], app: [running], want: 'Running' },
    { name: 'init running', policy: 'Always', init: [running], app: [creating], want: 'Pending' },
    { name: 'init failed, Never', policy: 'Never', init: [bad], app: [creating], want: 'Failed' },
    { name: 'init in backoff, Always', policy: 'Always', init: [backoff], app: [creating], want: 'Pending' },
    { name: 'all succeeded, Never', policy: 'Never', init: [ok], app: [ok, ok], want: 'Succeeded' },
    { name: 'one failed, Never', policy: 'Never', init: [], app: [ok, bad], want: 'Failed' },
    { name: 'one failed, OnFailure', policy: 'OnFailure', init: [], app: [ok, bad], want: 'Running' },
    { name: 'all succeeded, OnFailure', policy: 'OnFailure', init: [], app: [ok], want: 'Succeeded' },
    { name: 'exited, Always', policy: 'Always', init: [], app: [ok], want: 'Running' },
    { name: 'crash loop, Always', policy: 'Always', init: [], app: [backoff], want: 'Running' },
  ];
  for (const c of cases) {
    const got = podPhase(c.policy, c.init, c.app);
    assert.equal(got, c.want, `${c.name}: got ${got} want ${c.want}`);
  }
});

test('containerStatusOf maps runtime states to Kubernetes container states', () => {
  const base: ContainerView = { name: 'main', image: 'busybox', ready: true, started: true };
  const cases: Array<{ name: string; view: ContainerView; check: (s: ContainerStatus) => void }> = [
    { name: 'not created yet', view: base, check: (s) => assert.deepEqual(s.state, { waiting: { reason: 'ContainerCreating' } }) },
    {
      name: 'running', view: { ...base, latest: rt({}) },
      check: (s) => {
        assert.deepEqual(s.state, { running: { startedAt: '2025-01-01T00:00:01Z' } });
        assert.equal(s.containerID, 'process://c1');
        assert.equal(s.ready, true);
      },
    },
    {
      name: 'OOM killed', view: { ...base, latest: rt({ state: 'exited', exitCode: 137, reason: 'OOMKilled', finishedAt: '2025-01-01T00:00:05Z' }) },
      check: (s) => {
        assert.equal(s.state.terminated?.reason, 'OOMKilled');
        assert.equal(s.state.terminated?.exitCode, 137);
        assert.equal(s.ready, false, 'a terminated container is never ready');
      },
    },
    {
      name: 'exit 2 without reason is Error', view: { ...base, latest: rt({ state: 'exited', exitCode: 2 }) },
      check: (s) => assert.equal(s.state.terminated?.reason, 'Error'),
    },
    {
      name: 'crash loop', view: { ...base, latest: rt({ id: 'c2', attempt: 3, state: 'exited', exitCode: 1 }), previous: rt({ state: 'exited', exitCode: 1 }), waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
      check: (s) => {
        assert.equal(s.state.waiting?.reason, 'CrashLoopBackOff');
        assert.equal(s.lastState.terminated?.containerID, 'process://c2', 'lastState is the latest attempt');
        assert.equal(s.restartCount, 3);
      },
    },
    {
      name: 'restarted', view: { ...base, latest: rt({ id: 'c2', attempt: 1 }), previous: rt({ state: 'exited', exitCode: 137, reason: 'Error' }) },
      check: (s) => {
        assert.ok(s.state.running);
        assert.equal(s.lastState.terminated?.exitCode, 137);
        assert.equal(s.restartCount, 1);
      },
    },
  ];
  for (const c of cases) {
    try {
      c.check(containerStatusOf(c.view, 'process'));
    } catch (e) {
      throw new Error(`${c.name}: ${(e as Error).message}`);
    }
  }
});

test('computePodStatus: conditions, IPs, kept fields and stable transition times', () => {
  const pod: Pod = {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: { containers: [{ name: 'a' }, { name: 'b' }] },
    status: {
      qosClass: 'BestEffort',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }, { type: 'Ready', status: 'False', lastTransitionTime: '2024-06-01T00:00:00Z' }],
    },
  };
  const view = (name: string, ready: boolean): ContainerView => ({ name, image: 'i', latest: rt({ id: name }), ready, started: true });
  const s = computePodStatus({ pod, runtimeName: 'process', init: [], app: [view('a', true), view('b', false)], sandboxReady: true, podIP: '10.0.0.5', hostIP: '127.0.0.1', now: Date.UTC(2025, 0, 2) });
  const get = (t: string) => s.conditions?.find((c) => c.type === t);
  assert.equal(s.phase, 'Running');
  assert.equal(s.qosClass, 'BestEffort', 'qosClass kept');
  assert.equal(s.podIP, '10.0.0.5');
  assert.deepEqual(s.hostIPs, [{ ip: '127.0.0.1' }]);
  assert.equal(get('Ready')?.status, 'False');
  assert.equal(get('Ready')?.message, 'containers with unready status: [b]');
  assert.equal(get('Ready')?.lastTransitionTime, '2024-06-01T00:00:00Z', 'unchanged status keeps its transition time');
  assert.equal(get('PodScheduled')?.lastTransitionTime, '2024-01-01T00:00:00Z', 'PodScheduled is the API server\'s');
  assert.equal(get('Initialized')?.status, 'True');
  assert.equal(get('PodReadyToStartContainers')?.status, 'True');
  assert.equal(k8sTime('2025-01-01T00:00:01.999999999Z'), '2025-01-01T00:00:01Z');
});
