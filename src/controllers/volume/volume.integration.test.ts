// The binder and the local-path provisioner against the real in-process API server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNotFound, Resources, type ResourceClient } from '../../client';
import type { Pod } from '../common/types';
import { eventually, retryConflict, startHarness, type Harness } from '../testing/harness';
import { LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER, runLocalPathProvisioner } from './local-path';
import {
  ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, PV_PROTECTION, PVC_PROTECTION,
  type PersistentVolume, type PersistentVolumeClaim, type StorageClass,
} from './types';

let h: Harness;
let baseDir: string;
const ac = new AbortController();
let provisioner: Promise<void>;
let pvcs: ResourceClient<PersistentVolumeClaim>;
let pvs: ResourceClient<PersistentVolume>;
let pods: ResourceClient<Pod>;

before(async () => {
  h = await startHarness({ controllers: ['persistentvolume-binder'], kubelet: false });
  baseDir = mkdtempSync(join(tmpdir(), 'berth-local-path-'));
  const config = { server: h.server.url, ca: Buffer.from(h.server.caPem), token: h.server.token };
  provisioner = runLocalPathProvisioner({ config, signal: ac.signal, nodeName: 'node-a', baseDir, leaderElect: false });
  pvcs = h.client.resource<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
  pvs = h.client.resource<PersistentVolume>(Resources.persistentvolumes);
  pods = h.client.resource<Pod>(Resources.pods);
  await eventually('local-path StorageClass', () => h.client.resource<StorageClass>(Resources.storageclasses).get(undefined, LOCAL_PATH_CLASS).catch(() => undefined));
});
after(async () => {
  ac.abort();
  await provisioner;
  await h.stop();
  rmSync(baseDir, { recursive: true, force: true });
});

const claim = (name: string, size: string, storageClassName: string, extra: Record<string, unknown> = {}): PersistentVolumeClaim => ({
  metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName, ...extra },
});
const volume = (name: string, size: string, storageClassName: string, reclaim: 'Retain' | 'Delete' = 'Retain'): PersistentVolume => ({
  metadata: { name }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName, persistentVolumeReclaimPolicy: reclaim, hostPath: { path: `/tmp/${name}` } },
});
const gone = async (fn: () => Promise<unknown>): Promise<boolean> => fn().then(() => false, (e: unknown) => isNotFound(e));
const bound = (ns: string, name: string) => async () => {
  const c = await pvcs.get(ns, name);
  return c.status?.phase === 'Bound' ? c : undefined;
};

test('static binding: smallest fitting volume, both sides, annotations and finalizers; Retain keeps a Released volume', async () => {
  await pvs.create(undefined, volume('static-big', '10Gi', 'manual'));
  await pvs.create(undefined, volume('static-small', '2Gi', 'manual'));
  await pvs.create(undefined, volume('static-tiny', '500Mi', 'manual'));
  await pvcs.create('default', claim('static', '1Gi', 'manual'));
  const c = await eventually('claim bound', bound('default', 'static'));
  assert.equal(c.spec?.volumeName, 'static-small', `volumeName: got ${c.spec?.volumeName}, want static-small`);
  assert.equal(c.metadata.annotations?.[ANN_BIND_COMPLETED], 'yes', 'bind-completed annotation');
  assert.equal(c.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER], 'yes', 'bound-by-controller annotation on the claim');
  assert.equal(c.status?.capacity?.['storage'], '2Gi', `claim capacity: got ${c.status?.capacity?.['storage']}, want 2Gi`);
  assert.ok(c.metadata.finalizers?.includes(PVC_PROTECTION), `claim finalizers: got ${JSON.stringify(c.metadata.finalizers)}`);
  const v = await eventually('volume bound', async () => {
    const x = await pvs.get(undefined, 'static-small');
    return x.status?.phase === 'Bound' && x.metadata.finalizers?.includes(PV_PROTECTION) ? x : undefined;
  });
  assert.equal(v.spec?.claimRef?.uid, c.metadata.uid, `claimRef uid: got ${v.spec?.claimRef?.uid}, want ${c.metadata.uid}`);
  assert.equal(v.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER], 'yes', 'bound-by-controller annotation on the volume');
  const other = await pvs.get(undefined, 'static-big');
  assert.equal(other.status?.phase, 'Available', `untouched volume phase: got ${other.status?.phase}, want Available`);

  await pvcs.delete('default', 'static');
  await eventually('claim gone', () => gone(() => pvcs.get('default', 'static')));
  const rel = await eventually('volume released', async () => {
    const x = await pvs.get(undefined, 'static-small');
    return x.status?.phase === 'Released' ? x : undefined;
  });
  assert.equal(rel.spec?.claimRef?.name, 'static', 'a Released volume keeps its claimRef');
});

test('pre-bound claim (spec.volumeName) binds to the named volume; a claim without class or match stays Pending', async () => {
  await pvs.create(undefined, volume('named', '1Gi', ''));
  await pvs.create(undefined, volume('decoy', '1Gi', ''));
  await pvcs.create('default', claim('want-named', '1Gi', '', { volumeName: 'named' }));
  const c = await eventually('claim bound', bound('default', 'want-named'));
  assert.equal(c.spec?.volumeName, 'named');
  assert.equal(c.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER], undefined, 'the user set volumeName: no bound-by-controller on the claim');
  await pvcs.create('default', claim('too-big', '100Gi', ''));
  await eventually('pending', async () => (await pvcs.get('default', 'too-big')).status?.phase === 'Pending');
});

test('local-path, Immediate class: provisioned on this node, bound; deleting the claim deletes the volume and its directory', async () => {
  await h.client.resource<StorageClass>(Resources.storageclasses).create(undefined, {
    metadata: { name: 'lp-now' }, provisioner: LOCAL_PATH_PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate',
  } as StorageClass);
  await pvcs.create('default', claim('dyn', '3Gi', 'lp-now'));
  const c = await eventually('claim bound', bound('default', 'dyn'));
  const v = await pvs.get(undefined, c.spec?.volumeName ?? '');
  assert.equal(v.metadata.name, `pvc-${c.metadata.uid}`, 'volume name pvc-<uid>');
  const dir = v.spec?.hostPath?.path ?? '';
  assert.ok(dir.startsWith(baseDir) && existsSync(dir), `directory ${dir} under ${baseDir} exists`);
  assert.equal(v.spec?.capacity?.['storage'], '3Gi');
  assert.equal(v.spec?.persistentVolumeReclaimPolicy, 'Delete');
  assert.deepEqual(v.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, ['node-a'], 'pinned to node-a');

  await pvcs.delete('default', 'dyn');
  await eventually('volume deleted', () => gone(() => pvs.get(undefined, v.metadata.name ?? '')));
  assert.equal(existsSync(dir), false, `directory ${dir} removed`);
});

test('default class assigned to a claim without one; WaitForFirstConsumer: Pending until a pod uses the claim, then provisioned on the pod\'s node; in-use protection holds the claim until the pod is gone', async () => {
  const noClass = claim('wffc', '1Gi', '');
  delete noClass.spec?.storageClassName;
  await pvcs.create('default', noClass);
  const defaulted = await eventually('default class assigned', async () => (await pvcs.get('default', 'wffc')).spec?.storageClassName);
  assert.equal(defaulted, LOCAL_PATH_CLASS, `storageClassName: got ${defaulted}, want the default ${LOCAL_PATH_CLASS}`);
  const ev = await eventually('WaitForFirstConsumer event', async () => {
    const list = await h.client.resource<{ metadata: object; reason?: string; involvedObject?: { name?: string } }>(Resources.events).list('default');
    return list.items.find((e) => e.reason === 'WaitForFirstConsumer' && e.involvedObject?.name === 'wffc');
  });
  assert.ok(ev, 'event');
  assert.equal((await pvcs.get('default', 'wffc')).spec?.volumeName, undefined, 'not bound without a consumer');
  await pods.create('default', { metadata: { name: 'user' }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'wffc' } }] } } as Pod);
  const c = await eventually('claim bound', bound('default', 'wffc'), 20_000);
  assert.equal(c.metadata.annotations?.[ANN_SELECTED_NODE], 'node-a', 'selected-node');
  await pvcs.delete('default', 'wffc');
  const held = await pvcs.get('default', 'wffc');
  assert.ok(held.metadata.deletionTimestamp, 'claim is terminating');
  await new Promise((r) => setTimeout(r, 500));
  const still = await pvcs.get('default', 'wffc');
  assert.ok(still.metadata.finalizers?.includes(PVC_PROTECTION), 'a claim in use keeps pvc-protection');
  await retryConflict(() => pods.delete('default', 'user', { gracePeriodSeconds: 0 }));
  await eventually('claim gone after the pod', () => gone(() => pvcs.get('default', 'wffc')));
  await eventually('its volume deleted', () => gone(() => pvs.get(undefined, c.spec?.volumeName ?? '')));
});
