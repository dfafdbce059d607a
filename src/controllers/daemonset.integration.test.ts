import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../client';
import type { Pod } from './common/types';
import type { DaemonSet } from './daemonset/daemonset';
import { targetNode } from './daemonset/placement';
import type { Node } from './nodelifecycle/nodelifecycle';
import { eventually, retryConflict, startHarness, type Harness } from './testing/harness';

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['daemonset'] });
});
after(async () => {
  await h.stop();
});

test('daemonset (real API): a pod per node, following node labels, rolled to a new template', async () => {
  const nodes = h.client.resource<Node>(Resources.nodes);
  for (const n of ['n1', 'n2']) await nodes.create(undefined, { metadata: { name: n, labels: { role: 'worker' } } });
  await nodes.create(undefined, { metadata: { name: 'n3', labels: { role: 'other' } } });
  const dss = h.client.resource<DaemonSet>(Resources.daemonsets);
  const pods = h.client.resource<Pod>(Resources.pods);
  await dss.create('default', {
    metadata: { name: 'agent' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { role: 'worker' }, containers: [{ name: 'c', image: 'a:1' }] } } },
  } as DaemonSet);
  const placed = async (): Promise<string[]> => (await pods.list('default', { labelSelector: 'app=agent' })).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => targetNode(p.spec) ?? '?').sort();
  await eventually('pods on n1, n2', async () => JSON.stringify(await placed()) === '["n1","n2"]');
  await eventually('status', async () => {
    const s = (await dss.get('default', 'agent')).status;
    return s?.desiredNumberScheduled === 2 && s.numberAvailable === 2 && s.updatedNumberScheduled === 2;
  });
  await retryConflict(() => nodes.patch(undefined, 'n3', 'merge', { metadata: { labels: { role: 'worker' } } }));
  await eventually('pod on n3 too', async () => JSON.stringify(await placed()) === '["n1","n2","n3"]');
  await retryConflict(() => dss.patch('default', 'agent', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'a:2' }] } } } }));
  await eventually('rolled out', async () => {
    const d = await dss.get('default', 'agent');
    const s = d.status;
    const images = (await pods.list('default', { labelSelector: 'app=agent' })).items.map((p) => (p.spec?.containers?.[0] as { image?: string } | undefined)?.image);
    return !!s && s.observedGeneration === d.metadata.generation && s.updatedNumberScheduled === 3 && s.numberAvailable === 3 && images.length === 3 && images.every((i) => i === 'a:2');
  }, 30_000);
  const revs = (await h.client.resource(Resources.controllerrevisions).list('default')).items.filter((r) => r.metadata?.name?.startsWith('agent-'));
  assert.equal(revs.length, 2, `got ${revs.length} controller revisions`);
});
