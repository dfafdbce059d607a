// The pod worker with the fake runtime and a FakeClock: restart policy and CrashLoopBackOff timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../client';
import { CrashBackoff } from './backoff';
import { PodWorker, type PodWorkerDeps } from './pod-worker';
import { FakeRuntime } from './runtime';
import { StatusManager } from './status-manager';
import type { Pod, PodStatus } from './types';

function setup(pod: Pod) {
  const clock = new FakeClock(Date.now());
  const dir = mkdtempSync(join(tmpdir(), 'pw-'));
  const runtime = new FakeRuntime({ rootDir: dir });
  const status = new StatusManager(undefined, clock, () => undefined);
  const events: string[] = [];
  let deleted = 0;
  const deps: PodWorkerDeps = {
    runtime, clock, hostIP: '127.0.0.1', backoff: new CrashBackoff(), status, log: () => undefined,
    config: { configMap: () => Promise.resolve(undefined), secret: () => Promise.resolve(undefined), services: () => [] },
    volumeHost: { podDir: (uid) => join(dir, uid), isRoot: false, event: () => undefined },
    nodeAllocatable: { cpu: 1, memory: 1e9 }, logDir: () => join(dir, 'logs'), podNetns: false, dnsConfig: () => undefined,
    event: (_p, _t, reason) => events.push(reason),
    deletePod: () => { deleted++; return Promise.resolve(); },
    onDone: () => undefined,
  };
  const w = new PodWorker(pod, deps);
  const latest = (): PodStatus => status.latest(pod.metadata.uid) ?? {};
  return { clock, runtime, w, latest, events, deleted: () => deleted, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const mkPod = (image: string, restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always'): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'uid-1' },
  spec: { restartPolicy, containers: [{ name: 'c', image }] },
});

test('pod worker: a running container makes the pod Running at once', async () => {
  const s = setup(mkPod('busybox'));
  try {
    s.w.kick();
    await s.clock.tick(0);
    await s.w.settled();
    const st = s.latest();
    assert.equal(st.phase, 'Running', `phase: got ${st.phase}`);
    assert.ok(st.containerStatuses?.[0]?.state.running, `state: got ${JSON.stringify(st.containerStatuses?.[0]?.state)}`);
    assert.equal(st.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  } finally {
    s.cleanup();
  }
});

test('pod worker: CrashLoopBackOff restarts at 0, +10s, +20s, +40s', async () => {
  const s = setup(mkPod('fake/exit-1'));
  try {
    const start = s.clock.now();
    s.w.kick();
    const restartsAt: number[] = [];
    let last = -1;
    for (let t = 0; t <= 80; t++) {
      await s.clock.tick(1000);
      s.w.kick(); // what the PLEG does when a container changes state
      await s.w.settled();
      const rc = s.latest().containerStatuses?.[0]?.restartCount ?? -1;
      if (rc !== last) {
        restartsAt.push(Math.round((s.clock.now() - start) / 1000));
        last = rc;
      }
    }
    // the first observation (restartCount 1) follows the immediate first restart
    assert.deepEqual(restartsAt, [1, 11, 31, 71], `restart times (s): got ${restartsAt}`);
    const c = s.latest().containerStatuses![0]!;
    assert.equal(c.state.waiting?.reason, 'CrashLoopBackOff');
    assert.match(c.state.waiting?.message ?? '', /^back-off 1m20s restarting failed container=c pod=p_default\(uid-1\)$/);
    assert.equal(c.lastState.terminated?.exitCode, 1);
    assert.equal(s.latest().phase, 'Running', 'restartPolicy Always keeps the pod Running');
  } finally {
    s.cleanup();
  }
});

test('pod worker: restart policies on exit', async () => {
  const cases = [
    { name: 'Never + exit 1', image: 'fake/exit-1', policy: 'Never' as const, phase: 'Failed', restarts: 0 },
    { name: 'Never + exit 0', image: 'fake/exit-0', policy: 'Never' as const, phase: 'Succeeded', restarts: 0 },
    { name: 'OnFailure + exit 0', image: 'fake/exit-0', policy: 'OnFailure' as const, phase: 'Succeeded', restarts: 0 },
    { name: 'OnFailure + exit 2', image: 'fake/exit-2', policy: 'OnFailure' as const, phase: 'Running', restarts: 1 },
  ];
  for (const c of cases) {
    const s = setup(mkPod(c.image, c.policy));
    try {
      s.w.kick();
      for (let i = 0; i < 3; i++) {
        await s.clock.tick(1000);
        s.w.kick();
        await s.w.settled();
      }
      const st = s.latest();
      assert.equal(st.phase, c.phase, `${c.name}: phase got ${st.phase} want ${c.phase}`);
      const rc = st.containerStatuses?.[0]?.restartCount;
      assert.equal(rc, c.restarts, `${c.name}: restartCount got ${rc} want ${c.restarts}`);
    } finally {
      s.cleanup();
    }
  }
});

test('pod worker: deletion stops containers, writes the final status, deletes the pod', async () => {
  const pod = mkPod('busybox');
  const s = setup(pod);
  try {
    s.w.kick();
    await s.clock.tick(0);
    await s.w.settled();
    s.w.update({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 5 } });
    await s.clock.tick(0);
    await s.w.settled();
    assert.equal(s.deleted(), 1, `DELETE calls: got ${s.deleted()}`);
    assert.equal((await s.runtime.listContainers()).length, 0, 'containers removed');
    assert.ok(s.events.includes('Killing'), `events: got ${s.events}`);
  } finally {
    s.cleanup();
  }
});
