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

test('daemonset (real API): maxSurge rolls out without a node ever losing its available pod', async () => {
  const nodes = h.client.resource<Node>(Resources.nodes);
  for (const n of ['s1', 's2', 's3']) await nodes.create(undefined, { metadata: { name: n, labels: { role: 'surge' } } });
  const dss = h.client.resource<DaemonSet>(Resources.daemonsets);
  const pods = h.client.resource<Pod>(Resources.pods);
  await dss.create('default', {
    metadata: { name: 'surge' },
    spec: {
      selector: { matchLabels: { app: 'surge' } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels: { app: 'surge' } }, spec: { nodeSelector: { role: 'surge' }, containers: [{ name: 'c', image: 's:1' }] } },
    },
  } as DaemonSet);
  const live = async (): Promise<Pod[]> => (await pods.list('default', { labelSelector: 'app=surge' })).items.filter((p) => !p.metadata.deletionTimestamp);
  const ready = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  await eventually('3 ready pods', async () => (await live()).filter(ready).length === 3);
  // Every intermediate state, from the watch: per node, how many live pods and whether one is ready.
  const rv = (await pods.list('default')).metadata.resourceVersion;
  const state = new Map<string, Pod>();
  let maxPerNode = 0;
  let minNodesReady = 3;
  const ac = new AbortController();
  const watching = (async () => {
    for await (const ev of pods.watch('default', { resourceVersion: rv, labelSelector: 'app=surge' }, ac.signal)) {
      const p = ev.object as Pod;
      if (ev.type === 'DELETED' || p.metadata.deletionTimestamp) state.delete(p.metadata.uid ?? '');
      else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') state.set(p.metadata.uid ?? '', p);
      const per = new Map<string, Pod[]>();
      for (const x of state.values()) per.set(targetNode(x.spec) ?? '?', [...(per.get(targetNode(x.spec) ?? '?') ?? []), x]);
      maxPerNode = Math.max(maxPerNode, ...[...per.values()].map((x) => x.length));
      minNodesReady = Math.min(minNodesReady, ['s1', 's2', 's3'].filter((n) => (per.get(n) ?? []).some(ready)).length);
    }
  })().catch(() => undefined);
  for (const p of await live()) state.set(p.metadata.uid ?? '', p);
  await retryConflict(() => dss.patch('default', 'surge', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 's:2' }] } } } }));
  await eventually('rolled out with surge', async () => {
    const ps = await live();
    const images = ps.map((p) => (p.spec?.containers?.[0] as { image?: string } | undefined)?.image);
    return images.length === 3 && images.every((i) => i === 's:2') && ps.every(ready);
  }, 30_000);
  ac.abort();
  await watching;
  assert.equal(minNodesReady, 3, `a node was observed without a ready pod (min ${minNodesReady} of 3 nodes ready)`);
  assert.equal(maxPerNode, 2, `got at most ${maxPerNode} pods on a node, want 2 (old + surged new)`);
});
