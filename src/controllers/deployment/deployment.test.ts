import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, Resources } from '../../client';
import type { Deployment, Pod, ReplicaSet } from '../common/types';
import { FakeClient, recorder } from '../testing/fake-client';
import { createDeploymentReconciler } from './deployment';
import { computeHash, fnv32a, safeEncodeString } from './hash';
import { newRSNewReplicas, resolveFenceposts } from './util';

const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const TEMPLATE = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'img:1' }] } };

function dep(spec: Partial<Deployment['spec']> = {}, status?: Deployment['status']): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: 1, resourceVersion: '1' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: TEMPLATE, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, ...spec },
    ...(status ? { status } : {}),
  };
}

function rs(name: string, o: { replicas: number; available?: number; revision: number; image?: string; created?: number; extraAnn?: Record<string, string> }): ReplicaSet {
  const tpl = structuredClone(TEMPLATE) as typeof TEMPLATE & { metadata: { labels: Record<string, string> } };
  tpl.metadata.labels['pod-template-hash'] = name;
  tpl.spec.containers[0]!.image = o.image ?? 'img:1';
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name: `web-${name}`, namespace: 'ns', uid: `uid-${name}`, generation: 1, resourceVersion: '1', creationTimestamp: iso(o.created ?? T0 - 100_000),
      labels: tpl.metadata.labels, annotations: { 'deployment.kubernetes.io/revision': String(o.revision), ...o.extraAnn },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: o.replicas, selector: { matchLabels: tpl.metadata.labels }, template: tpl },
    status: { replicas: o.replicas, readyReplicas: o.available ?? o.replicas, availableReplicas: o.available ?? o.replicas, observedGeneration: 1 },
  };
}

function setup(d: Deployment, sets: ReplicaSet[], pods: Pod[] = []) {
  const clock = new FakeClock(T0);
  const fake = new FakeClient(() => clock.now());
  fake.seed(Resources.deployments, d);
  for (const s of sets) fake.seed(Resources.replicasets, s);
  for (const p of pods) fake.seed(Resources.pods, p);
  const rec = recorder();
  const run = () => createDeploymentReconciler({
    client: fake.client(), deploymentLister: fake.indexer(Resources.deployments), rsLister: fake.indexer(Resources.replicasets), podLister: fake.indexer(Resources.pods), recorder: rec, clock,
  })({ namespace: 'ns', name: 'web' });
  return { fake, clock, rec, run, d: () => fake.get<Deployment>(Resources.deployments, 'ns', 'web')!, rs: (n: string) => fake.get<ReplicaSet>(Resources.replicasets, 'ns', n) };
}

test('deployment: fnv32a, safe encoding and the pod-template-hash', () => {
  assert.equal(fnv32a(Buffer.from('')), 0x811c9dc5, 'FNV-32a offset basis');
  assert.equal(fnv32a(Buffer.from('a')), 0xe40c292c, 'FNV-32a("a")');
  assert.equal(safeEncodeString('123'), '567', 'digits map through bcdfghjklmnpqrstvwxz2456789');
  const h = computeHash(TEMPLATE);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/, `hash ${h}`);
  assert.equal(computeHash(structuredClone(TEMPLATE)), h, 'deterministic');
  assert.notEqual(computeHash(TEMPLATE, 1), h, 'collisionCount changes the hash');
  assert.equal(computeHash({ ...TEMPLATE, metadata: { labels: { app: 'web' }, annotations: {} } }), h, 'empty fields do not change the hash');
});

test('deployment: fenceposts round surge up and unavailable down', () => {
  const cases: Array<[string, number, number | string, number | string, number, number]> = [
    ['25% of 10', 10, '25%', '25%', 3, 2],
    ['absolute', 4, 1, 1, 1, 1],
    ['both zero → unavailable 1', 3, 0, 0, 0, 1],
    ['25% of 1', 1, '25%', '25%', 1, 0],
    ['100% unavailable', 5, 0, '100%', 0, 5],
  ];
  for (const [name, replicas, s, u, ws, wu] of cases) {
    const got = resolveFenceposts(dep({ replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: s, maxUnavailable: u } } }));
    assert.deepEqual(got, { surge: ws, unavailable: wu }, `${name}: got ${JSON.stringify(got)}`);
  }
});

test('deployment: newRSNewReplicas', () => {
  const cases: Array<{ name: string; replicas: number; surge: number; sets: number[]; newSize: number; want: number }> = [
    { name: 'fresh deployment takes all replicas', replicas: 3, surge: 1, sets: [], newSize: 0, want: 3 },
    { name: 'surge limited', replicas: 4, surge: 1, sets: [4], newSize: 0, want: 1 },
    { name: 'at the limit: no change', replicas: 4, surge: 1, sets: [3], newSize: 2, want: 2 },
    { name: 'never above replicas', replicas: 4, surge: 3, sets: [1], newSize: 3, want: 4 },
  ];
  for (const c of cases) {
    const d = dep({ replicas: c.replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: c.surge, maxUnavailable: 1 } } });
    const newRS = rs('new', { replicas: c.newSize, revision: 2 });
    const got = newRSNewReplicas(d, [...c.sets.map((n, i) => rs(`o${i}`, { replicas: n, revision: 1 })), newRS], newRS);
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});

test('deployment: reconcile decisions', async (t) => {
  const hash = computeHash(TEMPLATE);
  await t.test('a new deployment creates <name>-<hash> with revision 1 and NewReplicaSetCreated', async () => {
    const h = setup(dep(), []);
    await h.run();
    const created = h.rs(`web-${hash}`);
    assert.ok(created, `got replicasets ${h.fake.log({ resource: 'replicasets' }).join(',')}`);
    assert.equal(created.spec?.replicas, 3);
    assert.equal(created.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(created.spec?.template?.metadata?.labels?.['pod-template-hash'], hash);
    assert.equal(h.d().metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    const prog = h.d().status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(prog?.reason, 'NewReplicaSetCreated', `got ${JSON.stringify(prog)}`);
    assert.ok(h.rec.events.includes(`Normal ScalingReplicaSet Scaled up replica set web-${hash} from 0 to 3`), `events ${h.rec.events.join(';')}`);
  });
  await t.test('a paused deployment does not roll out a new template', async () => {
    const h = setup(dep({ paused: true, template: { ...TEMPLATE, spec: { containers: [{ name: 'c', image: 'img:2' }] } } }), [rs('a', { replicas: 3, revision: 1 })]);
    await h.run();
    assert.deepEqual(h.fake.log({ verb: 'create' }), [], 'no new ReplicaSet');
    const prog = h.d().status?.conditions?.find((c) => c.type === 'Progressing');
    assert.deepEqual([prog?.status, prog?.reason], ['Unknown', 'DeploymentPaused']);
  });
  await t.test('a stuck rollout past progressDeadlineSeconds gets ProgressDeadlineExceeded', async () => {
    const stuck = { type: 'Progressing', status: 'True' as const, reason: 'ReplicaSetUpdated', message: 'x', lastUpdateTime: iso(T0 - 700_000), lastTransitionTime: iso(T0 - 700_000) };
    const d = dep({ template: { ...TEMPLATE, spec: { containers: [{ name: 'c', image: 'img:2' }] } } }, { observedGeneration: 1, replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, conditions: [stuck] });
    const newHash = computeHash(d.spec.template);
    const h = setup(d, [rs('a', { replicas: 3, revision: 1 }), { ...rs(newHash, { replicas: 1, available: 0, revision: 2, image: 'img:2' }) }]);
    await h.run();
    const prog = h.d().status?.conditions?.find((c) => c.type === 'Progressing');
    assert.deepEqual([prog?.status, prog?.reason, prog?.message], ['False', 'ProgressDeadlineExceeded', `ReplicaSet "web-${newHash}" has timed out progressing.`]);
  });
  await t.test('history beyond revisionHistoryLimit is deleted, oldest revisions first', async () => {
    const sets = [1, 2, 3, 4].map((r) => rs(`r${r}`, { replicas: 0, revision: r, image: `img:${r + 10}` }));
    sets.forEach((s) => (s.status = { replicas: 0, observedGeneration: 1 }));
    const h = setup(dep({ revisionHistoryLimit: 2 }, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }), [...sets, rs(hash, { replicas: 3, revision: 5 })]);
    await h.run();
    assert.deepEqual(h.fake.log({ verb: 'delete' }), ['delete replicasets ns/web-r1', 'delete replicasets ns/web-r2']);
  });
  await t.test('Recreate scales old sets to zero before creating the new one', async () => {
    const h = setup(dep({ strategy: { type: 'Recreate' }, template: { ...TEMPLATE, spec: { containers: [{ name: 'c', image: 'img:2' }] } } }), [rs('a', { replicas: 3, revision: 1 })]);
    await h.run();
    assert.equal(h.rs('web-a')?.spec?.replicas, 0, 'old scaled to 0');
    assert.deepEqual(h.fake.log({ verb: 'create' }), [], 'new set not created while old pods run');
  });
  await t.test('a scaling event during a rollout scales proportionally', async () => {
    const ann = { 'deployment.kubernetes.io/desired-replicas': '10', 'deployment.kubernetes.io/max-replicas': '13' };
    const d = dep({ replicas: 20, template: { ...TEMPLATE, spec: { containers: [{ name: 'c', image: 'img:2' }] } } }, { replicas: 12 });
    const newHash = computeHash(d.spec.template);
    const h = setup(d, [rs('a', { replicas: 6, revision: 1, extraAnn: ann }), rs(newHash, { replicas: 6, revision: 2, image: 'img:2', created: T0 - 1000, extraAnn: ann })]);
    await h.run();
    const got = [h.rs(`web-${newHash}`)?.spec?.replicas, h.rs('web-a')?.spec?.replicas];
    assert.deepEqual(got, [13, 12], `got new/old ${got.join('/')}, want 13/12 (25 = 20 + 25% surge)`);
  });
});
