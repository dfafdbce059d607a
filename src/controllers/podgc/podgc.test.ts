import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, Resources } from '../../client';
import type { Pod } from '../common/types';
import type { Node } from '../nodelifecycle/nodelifecycle';
import { FakeClient } from '../testing/fake-client';
import { createPodGCReconciler, excessTerminated } from './podgc';

const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const pod = (name: string, o: { phase?: string; node?: string; deleting?: boolean; created?: number } = {}): Pod => ({
  metadata: { name, namespace: 'ns', uid: `u-${name}`, creationTimestamp: iso(o.created ?? T0), ...(o.deleting ? { deletionTimestamp: iso(T0) } : {}) },
  spec: { nodeName: o.node },
  status: { phase: o.phase ?? 'Running' },
});

test('podgc: excess terminated pods, oldest first', () => {
  const pods = [pod('new', { phase: 'Succeeded', created: T0 }), pod('old', { phase: 'Failed', created: T0 - 1000 }), pod('run'), pod('mid', { phase: 'Succeeded', created: T0 - 500 })];
  assert.deepEqual(excessTerminated(pods, 1).map((p) => p.metadata.name), ['old', 'mid']);
  assert.deepEqual(excessTerminated(pods, 3), []);
  assert.deepEqual(excessTerminated(pods, 0), [], '0 disables');
});

test('podgc: reconcile', async (t) => {
  const cases: Array<{ name: string; pods: Pod[]; nodes: string[]; advance?: number; want: string[] }> = [
    { name: 'unscheduled terminating pod is force-deleted', pods: [pod('a', { deleting: true }), pod('b')], nodes: [], want: ['delete pods ns/a'] },
    { name: 'pods of a missing node wait out the quarantine', pods: [pod('a', { node: 'gone' })], nodes: [], want: [] },
    { name: 'orphans are marked Failed then deleted after the quarantine', pods: [pod('a', { node: 'gone' })], nodes: [], advance: 41_000, want: ['patch-status pods ns/a', 'delete pods ns/a'] },
    { name: 'pods of an existing node stay', pods: [pod('a', { node: 'n1', deleting: true })], nodes: ['n1'], advance: 41_000, want: [] },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const clock = new FakeClock(T0);
      const fake = new FakeClient(() => clock.now());
      for (const p of c.pods) fake.seed(Resources.pods, p);
      for (const n of c.nodes) fake.seed<Node>(Resources.nodes, { metadata: { name: n } });
      const rec = createPodGCReconciler({ client: fake.client(), pods: fake.indexer(Resources.pods), nodes: fake.indexer(Resources.nodes), clock });
      const res = await rec({ namespace: '', name: 'podgc' });
      assert.equal(res.requeueAfterMs, 20_000);
      if (c.advance) {
        clock.advance(c.advance);
        await rec({ namespace: '', name: 'podgc' });
      }
      assert.deepEqual(fake.log(), c.want, `got ${JSON.stringify(fake.log())}`);
    });
  }
});
