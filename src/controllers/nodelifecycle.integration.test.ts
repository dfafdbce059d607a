import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isNotFound, Resources } from '../client';
import type { Pod } from './common/types';
import { nodeLifecycleControllerWith, type Node } from './nodelifecycle/nodelifecycle';
import { UNREACHABLE } from './nodelifecycle/taints';
import { eventually, startHarness, type Harness } from './testing/harness';

let h: Harness;
before(async () => {
  h = await startHarness({ kubelet: false, registry: { nodelifecycle: nodeLifecycleControllerWith({ gracePeriodMs: 1500, monitorPeriodMs: 200 }) } });
});
after(async () => {
  await h.stop();
});

test('nodelifecycle (real API): a node without heartbeats turns Unknown, gets the unreachable taint, and intolerant pods are evicted', async () => {
  const nodes = h.client.resource<Node>(Resources.nodes);
  const pods = h.client.resource<Pod>(Resources.pods);
  await nodes.create(undefined, { metadata: { name: 'silent' } });
  await nodes.patch(undefined, 'silent', 'merge', { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } }, { subresource: 'status' });
  // Pods bound to the node: one tolerating unreachable forever, one for 1 s (without a toleration the API server adds 300 s).
  await pods.create('default', { metadata: { name: 'doomed' }, spec: { nodeName: 'silent', tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }], containers: [{ name: 'c', image: 'i' }] } as never });
  await pods.create('default', { metadata: { name: 'stays' }, spec: { nodeName: 'silent', tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }], containers: [{ name: 'c', image: 'i' }] } as never });
  const tainted = await eventually('unreachable taint', async () => {
    const n = await nodes.get(undefined, 'silent');
    return n.spec?.taints?.some((t) => t.key === UNREACHABLE && t.effect === 'NoExecute') ? n : undefined;
  }, 15_000);
  assert.equal(tainted.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'Unknown');
  const doomed = await eventually('intolerant pod marked for deletion', async () => {
    try {
      const p = await pods.get('default', 'doomed');
      return p.metadata.deletionTimestamp ? 'terminating' : undefined;
    } catch (e) {
      return isNotFound(e) ? 'gone' : undefined;
    }
  }, 15_000);
  assert.ok(doomed, 'evicted');
  const stays = await pods.get('default', 'stays');
  assert.equal(stays.metadata.deletionTimestamp, undefined, 'the tolerating pod stays');
});
