import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, Resources } from '../../client';
import type { Pod } from '../common/types';
import { computeHash } from '../deployment/hash';
import type { Node } from '../nodelifecycle/nodelifecycle';
import { Expectations } from '../replicaset/expectations';
import { FakeClient, recorder } from '../testing/fake-client';
import { createDaemonSetReconciler, REVISION_HASH, type DaemonSet } from './daemonset';
import { shouldRunOn, specForNode, targetNode } from './placement';

const node = (name: string, o: { labels?: Record<string, string>; taints?: NonNullable<Node['spec']>['taints'] } = {}): Node => ({ metadata: { name, labels: o.labels ?? {} }, spec: { taints: o.taints } });
const TEMPLATE = { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } };

test('daemonset: placement', () => {
  const cases: Array<{ name: string; spec: Record<string, unknown>; node: Node; want: boolean }> = [
    { name: 'plain node', spec: {}, node: node('a'), want: true },
    { name: 'nodeSelector mismatch', spec: { nodeSelector: { disk: 'ssd' } }, node: node('a'), want: false },
    { name: 'nodeSelector match', spec: { nodeSelector: { disk: 'ssd' } }, node: node('a', { labels: { disk: 'ssd' } }), want: true },
    { name: 'untolerated NoSchedule taint', spec: {}, node: node('a', { taints: [{ key: 'gpu', effect: 'NoSchedule' }] }), want: false },
    { name: 'unschedulable taint is tolerated by daemons', spec: {}, node: node('a', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), want: true },
    { name: 'PreferNoSchedule ignored', spec: {}, node: node('a', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }), want: true },
    {
      name: 'required affinity NotIn', node: node('a', { labels: { zone: 'z1' } }), want: false,
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['z1'] }] }] } } } },
    },
  ];
  for (const c of cases) assert.equal(shouldRunOn(c.spec, c.node), c.want, c.name);
  const s = specForNode(TEMPLATE.spec, 'n7');
  assert.equal(targetNode(s), 'n7', 'pinned by matchFields metadata.name');
  assert.ok((s as { tolerations?: Array<{ key?: string }> }).tolerations?.some((t) => t.key === 'node.kubernetes.io/unreachable'), 'daemon tolerations added');
});

function setup(ds: DaemonSet, nodes: Node[], pods: Pod[] = []) {
  const clock = new FakeClock();
  const fake = new FakeClient(() => clock.now());
  fake.seed(Resources.daemonsets, ds);
  for (const n of nodes) fake.seed(Resources.nodes, n);
  for (const p of pods) fake.seed(Resources.pods, p);
  const run = () => createDaemonSetReconciler({
    client: fake.client(), daemonsets: fake.indexer(Resources.daemonsets), nodes: fake.indexer(Resources.nodes), pods: fake.indexer(Resources.pods),
    revisions: fake.indexer(Resources.controllerrevisions), expectations: new Expectations(() => clock.now()), recorder: recorder(), clock,
  })({ namespace: 'ns', name: 'd' });
  return { fake, run, status: () => fake.get<DaemonSet>(Resources.daemonsets, 'ns', 'd')?.status };
}

const ds = (template = TEMPLATE, maxUnavailable: number | string = 1): DaemonSet => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'ns', uid: 'ds-uid', generation: 3 },
  spec: { selector: { matchLabels: { app: 'd' } }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } } },
});

const dpod = (name: string, nodeName: string, hash: string, ready = true): Pod => ({
  metadata: { name, namespace: 'ns', uid: `u-${name}`, labels: { app: 'd', [REVISION_HASH]: hash }, creationTimestamp: '2025-01-01T00:00:00Z', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd', uid: 'ds-uid', controller: true }] },
  spec: specForNode(TEMPLATE.spec, nodeName),
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

test('daemonset: one pod per eligible node, with a revision', async () => {
  const h = setup(ds(), [node('a'), node('b'), node('tainted', { taints: [{ key: 'gpu', effect: 'NoSchedule' }] })]);
  await h.run();
  const created = h.fake.list<Pod>(Resources.pods).map((p) => targetNode(p.spec)).sort();
  assert.deepEqual(created, ['a', 'b'], `got pods for ${created.join(',')}`);
  const hash = computeHash(TEMPLATE);
  assert.ok(h.fake.list<Pod>(Resources.pods).every((p) => p.metadata.labels?.[REVISION_HASH] === hash), 'pods labelled with the revision hash');
  assert.deepEqual(h.fake.list(Resources.controllerrevisions).map((r) => r.metadata?.name), [`d-${hash}`]);
  assert.deepEqual([h.status()?.desiredNumberScheduled, h.status()?.currentNumberScheduled, h.status()?.observedGeneration], [2, 0, 3]);
});

test('daemonset: rolling update replaces at most maxUnavailable available pods at a time', async () => {
  const oldHash = computeHash(TEMPLATE);
  const next = { ...TEMPLATE, spec: { containers: [{ name: 'c', image: 'i:2' }] } };
  const h = setup(ds(next, 1), [node('a'), node('b'), node('c')], [dpod('pa', 'a', oldHash), dpod('pb', 'b', oldHash), dpod('pc', 'c', oldHash, false)]);
  await h.run();
  const deleted = h.fake.log({ verb: 'delete' }).filter((l) => l.includes('pods'));
  // pc is unavailable: replaced at once without using the budget (upstream's allowedReplacementPods); pa uses the 1.
  assert.deepEqual(deleted, ['delete pods ns/pc', 'delete pods ns/pa'], `got ${JSON.stringify(deleted)}`);
  assert.deepEqual([h.status()?.updatedNumberScheduled, h.status()?.numberAvailable, h.status()?.numberUnavailable], [0, 2, 1]);
});

test('daemonset: extra, misscheduled and orphaned-node pods are deleted', async () => {
  const hash = computeHash(TEMPLATE);
  const h = setup(ds(), [node('a'), node('b', { labels: {}, taints: [{ key: 'x', effect: 'NoExecute' }] })], [dpod('a1', 'a', hash), dpod('a2', 'a', hash), dpod('b1', 'b', hash), dpod('g1', 'gone', hash)]);
  await h.run();
  const deleted = h.fake.log({ verb: 'delete' }).filter((l) => l.includes('pods')).sort();
  assert.deepEqual(deleted, ['delete pods ns/a2', 'delete pods ns/b1', 'delete pods ns/g1']);
  assert.equal(h.status()?.numberMisscheduled, 1);
});

test('daemonset: maxSurge starts the new pod beside the old one and removes the old one once the new is available', async () => {
  const oldHash = computeHash(TEMPLATE);
  const next = { ...TEMPLATE, spec: { containers: [{ name: 'c', image: 'i:2' }] } };
  const newHash = computeHash(next);
  const surge = (d: DaemonSet): DaemonSet => ({ ...d, spec: { ...d.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } });
  // Step 1: every node runs an old available pod: one new pod is created, nothing deleted.
  const h1 = setup(surge(ds(next)), [node('a'), node('b')], [dpod('pa', 'a', oldHash), dpod('pb', 'b', oldHash)]);
  await h1.run();
  const created = h1.fake.list<Pod>(Resources.pods).filter((p) => p.metadata.labels?.[REVISION_HASH] === newHash).map((p) => targetNode(p.spec));
  assert.equal(created.length, 1, `got new pods on ${JSON.stringify(created)}, want exactly 1 (maxSurge 1)`);
  assert.deepEqual(h1.fake.log({ verb: 'delete' }), [], 'no pod deleted before its replacement is available');
  // Step 2: node a has old + new (available): the old one goes; b gets its new pod.
  const newA = { ...dpod('na', 'a', newHash), metadata: { ...dpod('na', 'a', newHash).metadata, creationTimestamp: '2025-01-01T00:01:00Z' } };
  const h2 = setup(surge(ds(next)), [node('a'), node('b')], [dpod('pa', 'a', oldHash), newA, dpod('pb', 'b', oldHash)]);
  await h2.run();
  assert.deepEqual(h2.fake.log({ verb: 'delete' }), ['delete pods ns/pa'], `got ${JSON.stringify(h2.fake.log({ verb: 'delete' }))}`);
  const createdB = h2.fake.log({ verb: 'create' }).filter((l) => l.includes(' pods '));
  assert.equal(createdB.length, 1, `got ${createdB.length} pod creates, want 1 (b surges)`);
  // Status reads the oldest pod per node: a still counts as not updated in this sync.
  assert.deepEqual([h2.status()?.updatedNumberScheduled, h2.status()?.numberAvailable, h2.status()?.currentNumberScheduled], [0, 2, 2], `got status ${JSON.stringify(h2.status())}`);
  // Step 3: a new pod not yet ready holds the only surge slot: b waits.
  const newANotReady = { ...newA, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' as const }] } };
  const h3 = setup(surge(ds(next)), [node('a'), node('b')], [dpod('pa', 'a', oldHash), newANotReady, dpod('pb', 'b', oldHash)]);
  await h3.run();
  assert.deepEqual([h3.fake.log({ verb: 'delete' }), h3.fake.log({ verb: 'create' }).filter((l) => l.includes(' pods '))], [[], []], 'waiting for the surged pod');
});
