import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, Resources } from '../../client';
import type { Pod } from '../common/types';
import { computeHash } from '../deployment/hash';
import { FakeClient, recorder } from '../testing/fake-client';
import { createStatefulSetReconciler, ordinalOf, REVISION_HASH, type StatefulSet } from './statefulset';

const TEMPLATE = { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'db:1' }] } };
const REV1 = `db-${computeHash(TEMPLATE)}`;

const sts = (spec: Partial<NonNullable<StatefulSet['spec']>> = {}, status?: StatefulSet['status']): StatefulSet => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'ns', uid: 'sts-uid', generation: 1 },
  spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: TEMPLATE, ...spec },
  ...(status ? { status } : {}),
});

const pod = (o: number, o2: { ready?: boolean; rev?: string; phase?: string } = {}): Pod => ({
  metadata: { name: `db-${o}`, namespace: 'ns', uid: `u${o}`, labels: { app: 'db', [REVISION_HASH]: o2.rev ?? REV1 }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'sts-uid', controller: true }] },
  spec: {},
  status: { phase: o2.phase ?? 'Running', conditions: [{ type: 'Ready', status: o2.ready === false ? 'False' : 'True' }] },
});

function run(set: StatefulSet, pods: Pod[]) {
  const fake = new FakeClient();
  fake.seed(Resources.statefulsets, set);
  for (const p of pods) fake.seed(Resources.pods, p);
  const go = createStatefulSetReconciler({
    client: fake.client(), sets: fake.indexer(Resources.statefulsets), pods: fake.indexer(Resources.pods), revisions: fake.indexer(Resources.controllerrevisions),
    pvcs: fake.indexer(Resources.persistentvolumeclaims), recorder: recorder(), clock: new FakeClock(),
  })({ namespace: 'ns', name: 'db' });
  return { fake, go };
}

test('statefulset: ordinals', () => {
  assert.equal(ordinalOf('db', 'db-12'), 12);
  assert.equal(ordinalOf('db', 'db-x'), undefined);
  assert.equal(ordinalOf('db', 'dbx-1'), undefined);
});

test('statefulset: reconcile decisions', async (t) => {
  const next = { ...TEMPLATE, spec: { containers: [{ name: 'c', image: 'db:2' }] } };
  const cases: Array<{ name: string; set: StatefulSet; pods: Pod[]; want: string[] }> = [
    { name: 'OrderedReady creates only the first missing ordinal', set: sts(), pods: [], want: ['create pods ns/db-0'] },
    { name: 'OrderedReady waits for the previous pod to be ready', set: sts(), pods: [pod(0, { ready: false })], want: [] },
    { name: 'OrderedReady continues once ready', set: sts(), pods: [pod(0)], want: ['create pods ns/db-1'] },
    { name: 'Parallel creates all at once', set: sts({ podManagementPolicy: 'Parallel' }), pods: [], want: ['create pods ns/db-0', 'create pods ns/db-1', 'create pods ns/db-2'] },
    { name: 'scale down removes the highest ordinal first', set: sts({ replicas: 1 }), pods: [pod(0), pod(1), pod(2)], want: ['delete pods ns/db-2'] },
    { name: 'rolling update replaces the highest ordinal', set: sts({ template: next }), pods: [pod(0), pod(1), pod(2)], want: ['delete pods ns/db-2'] },
    { name: 'rolling update respects the partition', set: sts({ template: next, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }), pods: [pod(0), pod(1), pod(2, { rev: `db-${computeHash(next)}` })], want: [] },
    { name: 'a failed pod is recreated', set: sts(), pods: [pod(0, { phase: 'Failed' })], want: ['delete pods ns/db-0'] },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const h = run(c.set, c.pods);
      await h.go;
      const got = h.fake.log().filter((l) => / pods /.test(l));
      assert.deepEqual(got, c.want, `got ${JSON.stringify(got)}`);
    });
  }
});

test('statefulset: pod identity, claims and status', async () => {
  const h = run(sts({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } } as never] }), []);
  await h.go;
  const p = h.fake.get<Pod>(Resources.pods, 'ns', 'db-0')!;
  assert.equal(p.spec?.hostname, 'db-0');
  assert.equal(p.spec?.subdomain, 'db');
  assert.equal(p.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'db-0');
  assert.equal(p.metadata.labels?.['apps.kubernetes.io/pod-index'], '0');
  assert.deepEqual((p.spec as { volumes?: unknown[] }).volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }]);
  assert.ok(h.fake.get(Resources.persistentvolumeclaims, 'ns', 'data-db-0'), 'PVC created before the pod');
  const h2 = run(sts(), [pod(0), pod(1), pod(2)]);
  await h2.go;
  const s = h2.fake.get<StatefulSet>(Resources.statefulsets, 'ns', 'db')?.status;
  assert.deepEqual([s?.replicas, s?.readyReplicas, s?.updatedReplicas, s?.currentRevision, s?.updateRevision], [3, 3, 3, REV1, REV1]);
});

test('statefulset: maxUnavailable, ordinals.start and claim retention', async (t) => {
  const next = { ...TEMPLATE, spec: { containers: [{ name: 'c', image: 'db:2' }] } };
  const rolling = (maxUnavailable: number | string, partition = 0) => ({ type: 'RollingUpdate' as const, rollingUpdate: { maxUnavailable, partition } });
  const startAt = (o: number, p: Pod): Pod => ({ ...p, metadata: { ...p.metadata, name: `db-${o}` } });
  const cases: Array<{ name: string; set: StatefulSet; pods: Pod[]; want: string[] }> = [
    { name: 'maxUnavailable 2: two stale pods at once, highest first', set: sts({ template: next, updateStrategy: rolling(2) }), pods: [pod(0), pod(1), pod(2)], want: ['delete pods ns/db-2', 'delete pods ns/db-1'] },
    { name: 'maxUnavailable 2 with one pod unready: one more', set: sts({ template: next, updateStrategy: rolling(2), podManagementPolicy: 'Parallel' }), pods: [pod(0), pod(1, { ready: false }), pod(2)], want: ['delete pods ns/db-2'] },
    { name: 'maxUnavailable percent rounds up (34% of 3 → 2)', set: sts({ template: next, updateStrategy: rolling('34%') }), pods: [pod(0), pod(1), pod(2)], want: ['delete pods ns/db-2', 'delete pods ns/db-1'] },
    { name: 'maxUnavailable stops at the partition', set: sts({ template: next, updateStrategy: rolling(3, 2) }), pods: [pod(0), pod(1), pod(2)], want: ['delete pods ns/db-2'] },
    { name: 'ordinals.start: the first pod is db-5', set: sts({ ordinals: { start: 5 } }), pods: [], want: ['create pods ns/db-5'] },
    { name: 'ordinals.start: pods below the start are condemned', set: sts({ ordinals: { start: 1 }, replicas: 2 }), pods: [pod(0), startAt(1, pod(1)), startAt(2, pod(2))], want: ['delete pods ns/db-0'] },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const h = run(c.set, c.pods);
      await h.go;
      const got = h.fake.log().filter((l) => / pods /.test(l));
      assert.deepEqual(got, c.want, `got ${JSON.stringify(got)}`);
    });
  }

  await t.test('whenScaled Delete: the condemned pod owns its claim before it is deleted', async () => {
    const vct = [{ metadata: { name: 'data' } } as never];
    const fake = new FakeClient();
    const set = sts({ replicas: 2, volumeClaimTemplates: vct, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    fake.seed(Resources.statefulsets, set);
    for (const o of [0, 1, 2]) {
      fake.seed(Resources.pods, pod(o));
      fake.seed(Resources.persistentvolumeclaims, { metadata: { name: `data-db-${o}`, namespace: 'ns', resourceVersion: '1' } });
    }
    await createStatefulSetReconciler({
      client: fake.client(), sets: fake.indexer(Resources.statefulsets), pods: fake.indexer(Resources.pods), revisions: fake.indexer(Resources.controllerrevisions),
      pvcs: fake.indexer(Resources.persistentvolumeclaims), recorder: recorder(), clock: new FakeClock(),
    })({ namespace: 'ns', name: 'db' });
    const log = fake.log().filter((l) => / (pods|persistentvolumeclaims) /.test(l));
    assert.deepEqual(log, ['update persistentvolumeclaims ns/data-db-2', 'delete pods ns/db-2'], `got ${JSON.stringify(log)}`);
    const refs = fake.get<Pod>(Resources.persistentvolumeclaims, 'ns', 'data-db-2')?.metadata.ownerReferences;
    assert.deepEqual(refs?.map((r) => `${r.kind}/${r.name}/${r.uid}`), ['Pod/db-2/u2'], `got ${JSON.stringify(refs)}`);
  });

  await t.test('whenDeleted Delete: new claims are owned by the set', async () => {
    const h = run(sts({ volumeClaimTemplates: [{ metadata: { name: 'data' } } as never], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' } }), []);
    await h.go;
    const refs = h.fake.get<Pod>(Resources.persistentvolumeclaims, 'ns', 'data-db-0')?.metadata.ownerReferences;
    assert.deepEqual(refs?.map((r) => `${r.kind}/${r.uid}`), ['StatefulSet/sts-uid'], `got ${JSON.stringify(refs)}`);
  });
});
