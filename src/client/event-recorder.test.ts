import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from './clock';
import { createEventRecorder } from './event-recorder';
import { Resources } from './resource-ref';
import { startFakeApiServer } from './testing/fake-apiserver';
import type { KubeObject } from './types';

interface Ev extends KubeObject {
  count?: number;
  reason?: string;
  type?: string;
  involvedObject?: { name?: string; uid?: string };
  source?: { component?: string };
}

test('event recorder: repeats within 10 minutes aggregate; later or different ones create new events', async () => {
  const srv = await startFakeApiServer();
  try {
    const clock = new FakeClock();
    const rec = createEventRecorder(srv.client(), { component: 'default-scheduler', clock });
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' } };
    rec.event(pod, 'Warning', 'FailedScheduling', '0/1 nodes are available');
    rec.event(pod, 'Warning', 'FailedScheduling', '0/1 nodes are available');
    await rec.flush();
    clock.advance(9 * 60_000);
    rec.event(pod, 'Warning', 'FailedScheduling', '0/1 nodes are available');
    rec.event(pod, 'Normal', 'Scheduled', 'assigned ns/p to n1');
    await rec.flush();
    let evs = srv.list(Resources.events) as Ev[];
    const counts = evs.map((e) => `${e.reason}:${e.count}`).sort();
    assert.deepEqual(counts, ['FailedScheduling:3', 'Scheduled:1'], `events: got ${counts.join(', ')}`);
    const fs = evs.find((e) => e.reason === 'FailedScheduling') as Ev;
    assert.equal(fs.involvedObject?.uid, 'u1');
    assert.equal(fs.source?.component, 'default-scheduler');
    assert.equal(fs.metadata?.namespace, 'ns');
    clock.advance(11 * 60_000);
    rec.event(pod, 'Warning', 'FailedScheduling', '0/1 nodes are available');
    await rec.flush();
    evs = srv.list(Resources.events) as Ev[];
    assert.equal(evs.filter((e) => e.reason === 'FailedScheduling').length, 2, 'a repeat after the window must create a new Event');
  } finally {
    await srv.close();
  }
});
