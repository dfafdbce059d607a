import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndexer, Resources, type KubeObject } from '../../client';
import type { Pod } from '../common/types';
import type { Node } from '../nodelifecycle/nodelifecycle';
import { FakeClient, recorder } from '../testing/fake-client';
import { createBinder, defaultClass, podClaimIndex, PODS_BY_CLAIM } from './binder';
import { createProtection } from './protection';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, PVC_PROTECTION, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from './types';

const R = Resources;
const wffc: StorageClass = { metadata: { name: 'lp' }, provisioner: 'berth.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' };
const claim = (extra: Partial<PersistentVolumeClaim['metadata']> = {}, spec: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}): PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'ns', uid: 'c1', resourceVersion: '1', ...extra },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'lp', ...spec },
});
const volume = (name: string, spec: Partial<NonNullable<PersistentVolume['spec']>> = {}, annotations?: Record<string, string>, phase?: string): PersistentVolume => ({
  metadata: { name, resourceVersion: '1', ...(annotations ? { annotations } : {}) },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'lp', ...spec },
  ...(phase ? { status: { phase: phase as 'Bound' } } : {}),
});
const node = (name: string, ready = true): Node => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
const pod = (name: string, nodeName?: string, phase?: string): Pod => ({
  metadata: { name, namespace: 'ns' },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] },
  ...(phase ? { status: { phase } } : {}),
});

interface World { claims?: PersistentVolumeClaim[]; volumes?: PersistentVolume[]; classes?: StorageClass[]; pods?: Pod[]; nodes?: Node[] }

/** Seeds a fake API, runs one claim sync (or volume sync) and returns the fake with what was written. */
async function run(w: World, what: { claim?: string; volume?: string }, opts: { selectNodeFallback?: boolean } = {}) {
  const fake = new FakeClient();
  const seed = <T extends KubeObject>(ref: typeof R.pods, xs: T[] | undefined): void => xs?.forEach((x) => fake.seed(ref, x));
  seed(R.persistentvolumeclaims, w.claims);
  seed(R.persistentvolumes, w.volumes);
  seed(R.storageclasses, w.classes);
  seed(R.pods, w.pods);
  seed(R.nodes, w.nodes);
  const pods = createIndexer<Pod>({ [PODS_BY_CLAIM]: podClaimIndex });
  for (const p of w.pods ?? []) pods.upsert(p);
  const rec = recorder();
  const deps = {
    client: fake.client(), recorder: rec, now: () => Date.UTC(2026, 0, 1),
    claims: fake.indexer<PersistentVolumeClaim>(R.persistentvolumeclaims), volumes: fake.indexer<PersistentVolume>(R.persistentvolumes),
    classes: fake.indexer<StorageClass>(R.storageclasses), pods, nodes: fake.indexer<Node>(R.nodes), ...opts,
  };
  const b = createBinder(deps);
  if (what.claim) await b.syncClaim('ns', what.claim);
  if (what.volume) await b.syncVolume(what.volume);
  return { fake, events: rec.events, protection: createProtection(deps) };
}

test('binder: WaitForFirstConsumer node selection (the scheduler annotates; the old stopgap only on request)', async () => {
  const on = { selectNodeFallback: true };
  const cases: Array<{ name: string; w: World; opts?: { selectNodeFallback?: boolean }; want: string | undefined }> = [
    { name: 'no consumer: wait', w: { claims: [claim()], classes: [wffc], nodes: [node('n1')] }, want: undefined },
    { name: 'consumer placed by spec.nodeName: its node', w: { claims: [claim()], classes: [wffc], nodes: [node('n1'), node('n2')], pods: [pod('p', 'n2')] }, want: 'n2' },
    { name: 'default: unscheduled consumer, one node: wait for the scheduler', w: { claims: [claim()], classes: [wffc], nodes: [node('n1')], pods: [pod('p')] }, want: undefined },
    { name: 'fallback on: unscheduled consumer, one schedulable node', w: { claims: [claim()], classes: [wffc], nodes: [node('n1'), node('n2', false)], pods: [pod('p')] }, opts: on, want: 'n1' },
    { name: 'fallback on: two nodes: the scheduler must choose', w: { claims: [claim()], classes: [wffc], nodes: [node('n1'), node('n2')], pods: [pod('p')] }, opts: on, want: undefined },
    { name: 'fallback off explicitly', w: { claims: [claim()], classes: [wffc], nodes: [node('n1')], pods: [pod('p')] }, opts: { selectNodeFallback: false }, want: undefined },
    { name: 'finished consumer does not count', w: { claims: [claim()], classes: [wffc], nodes: [node('n1')], pods: [pod('p', 'n1', 'Succeeded')] }, opts: on, want: undefined },
  ];
  for (const c of cases) {
    const { fake } = await run(c.w, { claim: 'data' }, c.opts);
    const got = fake.get<PersistentVolumeClaim>(R.persistentvolumeclaims, 'ns', 'data')?.metadata.annotations?.[ANN_SELECTED_NODE];
    assert.equal(got, c.want, `${c.name}: selected-node got ${got}, want ${c.want}`);
  }
});

test('binder: claim and volume state machine', async () => {
  const boundClaim = claim({ annotations: { [ANN_BIND_COMPLETED]: 'yes' } }, { volumeName: 'pv1' });
  const ref = { namespace: 'ns', name: 'data', uid: 'c1' };
  const cases: Array<{ name: string; w: World; sync: { claim?: string; volume?: string }; check: (r: Awaited<ReturnType<typeof run>>) => string | undefined }> = [
    {
      name: 'bound claim whose volume vanished is Lost',
      w: { claims: [boundClaim] }, sync: { claim: 'data' },
      check: ({ fake, events }) => {
        const ph = fake.get<PersistentVolumeClaim>(R.persistentvolumeclaims, 'ns', 'data')?.status?.phase;
        return ph === 'Lost' && events.some((e) => e.includes('ClaimLost')) ? undefined : `phase ${ph}, events ${events.join('; ')}`;
      },
    },
    {
      name: 'bound claim, volume claimRef empty: re-bound',
      w: { claims: [boundClaim], volumes: [volume('pv1')] }, sync: { claim: 'data' },
      check: ({ fake }) => {
        const v = fake.get<PersistentVolume>(R.persistentvolumes, '', 'pv1');
        return v?.spec?.claimRef?.uid === 'c1' && v.status?.phase === 'Bound' ? undefined : `volume ${JSON.stringify(v)}`;
      },
    },
    {
      name: 'claim bound to a volume claimed by another claim is Lost (ClaimMisbound)',
      w: { claims: [boundClaim], volumes: [volume('pv1', { claimRef: { namespace: 'ns', name: 'other', uid: 'c2' } })] }, sync: { claim: 'data' },
      check: ({ fake, events }) => (fake.get<PersistentVolumeClaim>(R.persistentvolumeclaims, 'ns', 'data')?.status?.phase === 'Lost' && events.some((e) => e.includes('ClaimMisbound')) ? undefined : events.join('; ')),
    },
    {
      name: 'volume of a deleted claim, Delete without provisioner: Failed',
      w: { volumes: [volume('pv1', { claimRef: ref, persistentVolumeReclaimPolicy: 'Delete' }, undefined, 'Bound')] }, sync: { volume: 'pv1' },
      check: ({ fake }) => {
        const st = fake.get<PersistentVolume>(R.persistentvolumes, '', 'pv1')?.status;
        return st?.phase === 'Failed' && /no deletable volume plugin matched/.test(st.message ?? '') ? undefined : JSON.stringify(st);
      },
    },
    {
      name: 'volume of a deleted claim, Delete by a provisioner: Released, left to it',
      w: { volumes: [volume('pv1', { claimRef: ref, persistentVolumeReclaimPolicy: 'Delete' }, { 'pv.kubernetes.io/provisioned-by': 'x' }, 'Bound')] }, sync: { volume: 'pv1' },
      check: ({ fake }) => (fake.get<PersistentVolume>(R.persistentvolumes, '', 'pv1')?.status?.phase === 'Released' ? undefined : 'not Released'),
    },
    {
      name: 'Recycle is not supported: Failed',
      w: { volumes: [volume('pv1', { claimRef: ref, persistentVolumeReclaimPolicy: 'Recycle' }, undefined, 'Bound')] }, sync: { volume: 'pv1' },
      check: ({ fake }) => (fake.get<PersistentVolume>(R.persistentvolumes, '', 'pv1')?.status?.phase === 'Failed' ? undefined : 'not Failed'),
    },
    {
      name: 'claim bound elsewhere: a volume bound by the controller is freed',
      w: { claims: [claim({}, { volumeName: 'pv2' })], volumes: [volume('pv1', { claimRef: ref }, { [ANN_BOUND_BY_CONTROLLER]: 'yes' }, 'Bound')] }, sync: { volume: 'pv1' },
      check: ({ fake }) => {
        const v = fake.get<PersistentVolume>(R.persistentvolumes, '', 'pv1');
        return !v?.spec?.claimRef && v?.status?.phase === 'Available' && !v.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] ? undefined : JSON.stringify(v);
      },
    },
    {
      name: 'claim of an unknown class: Pending with ProvisioningFailed',
      w: { claims: [claim({}, { storageClassName: 'nope' })] }, sync: { claim: 'data' },
      check: ({ events }) => (events.some((e) => e.includes('ProvisioningFailed') && e.includes('"nope" not found')) ? undefined : events.join('; ')),
    },
    {
      name: 'Immediate class without a match: storage-provisioner annotation',
      w: { claims: [claim()], classes: [{ ...wffc, volumeBindingMode: 'Immediate' }] }, sync: { claim: 'data' },
      check: ({ fake }) => {
        const a = fake.get<PersistentVolumeClaim>(R.persistentvolumeclaims, 'ns', 'data')?.metadata.annotations ?? {};
        return a['volume.kubernetes.io/storage-provisioner'] === 'berth.io/local-path' && a['volume.beta.kubernetes.io/storage-provisioner'] === 'berth.io/local-path' ? undefined : JSON.stringify(a);
      },
    },
  ];
  for (const c of cases) {
    const why = c.check(await run(c.w, c.sync));
    assert.equal(why, undefined, `${c.name}: ${why}`);
  }
});

test('protection: a terminating claim keeps pvc-protection while a scheduled, running pod uses it', async () => {
  const deleting = claim({ deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: [PVC_PROTECTION] });
  const cases: Array<{ name: string; pods: Pod[]; wantKept: boolean }> = [
    { name: 'running pod on a node', pods: [pod('p', 'n1', 'Running')], wantKept: true },
    { name: 'succeeded pod', pods: [pod('p', 'n1', 'Succeeded')], wantKept: false },
    { name: 'unscheduled pod', pods: [pod('p')], wantKept: false },
    { name: 'no pod', pods: [], wantKept: false },
  ];
  for (const c of cases) {
    const { fake, protection } = await run({ claims: [deleting], pods: c.pods }, {});
    await protection.claim('ns', 'data');
    const kept = fake.get<PersistentVolumeClaim>(R.persistentvolumeclaims, 'ns', 'data')?.metadata.finalizers?.includes(PVC_PROTECTION) ?? false;
    assert.equal(kept, c.wantKept, `${c.name}: finalizer kept got ${kept}, want ${c.wantKept}`);
  }
});

test('defaultClass: the newest default wins', () => {
  const sc = (name: string, ts: string, def: boolean): StorageClass => ({ metadata: { name, creationTimestamp: ts, ...(def ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) }, provisioner: 'p' });
  assert.equal(defaultClass([sc('a', '2026-01-01T00:00:00Z', true), sc('b', '2026-02-01T00:00:00Z', true), sc('c', '2026-03-01T00:00:00Z', false)])?.metadata.name, 'b', 'newest default');
  assert.equal(defaultClass([sc('c', '2026-03-01T00:00:00Z', false)]), undefined, 'none');
});
