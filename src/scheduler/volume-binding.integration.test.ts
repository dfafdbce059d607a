// Delayed volume binding end to end against a real in-process API server: two Node objects (no kubelets),
// the scheduler, the PV binder (its selected-node stopgap off, the default) and one local-path
// provisioner per node with its own baseDir. The scheduler alone decides where WaitForFirstConsumer
// claims are provisioned or which static volume they take.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test/support/server';
import { createClient, Resources, type Client, type ResourceClient } from '../client/index';
import { runControllers } from '../controllers/index';
import { LOCAL_PATH_CLASS, runLocalPathProvisioner, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../controllers/volume';
import { defaultSchedulerConfig } from './config';
import { ERR_BIND_CONFLICT } from './plugins/volume-binding/volume-binding';
import { runScheduler } from './run';
import { makeNode, makePod, waitFor } from './testing';
import type { Pod } from './types';

const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const STATIC_CLASS = 'manual-wffc';
/** A WaitForFirstConsumer class whose provisioner nobody runs. */
const ORPHAN_CLASS = 'nobody-provisions';
/** A second profile whose VolumeBinding gives up after 1 s. */
const SHORT_BIND = 'short-bind';

let srv: TestServer;
let client: Client;
const ac = new AbortController();
const running: Array<Promise<void>> = [];
const dirs: Record<string, string> = {};
let pods: ResourceClient<Pod>;
let pvcs: ResourceClient<PersistentVolumeClaim>;
let pvs: ResourceClient<PersistentVolume>;

before(async () => {
  srv = await startTestServer();
  const config = { server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token };
  client = createClient(config);
  pods = client.resource<Pod>(Resources.pods);
  pvcs = client.resource<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
  pvs = client.resource<PersistentVolume>(Resources.persistentvolumes);
  for (const n of ['node-a', 'node-b']) {
    await client.resource(Resources.nodes).create(undefined, makeNode(n));
    dirs[n] = mkdtempSync(join(tmpdir(), `berth-vb-${n}-`));
  }
  await client.resource<StorageClass>(Resources.storageclasses).create(undefined, {
    metadata: { name: STATIC_CLASS }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer',
  } as StorageClass);
  await client.resource<StorageClass>(Resources.storageclasses).create(undefined, {
    metadata: { name: ORPHAN_CLASS }, provisioner: 'example.com/nobody', volumeBindingMode: 'WaitForFirstConsumer',
  } as StorageClass);
  const schedulerConfig = defaultSchedulerConfig();
  schedulerConfig.profiles.push({ schedulerName: SHORT_BIND, plugins: {}, pluginConfig: { VolumeBinding: { bindTimeoutSeconds: 1 } } });
  const log = (): void => undefined;
  let ready!: () => void;
  const synced = new Promise<void>((r) => (ready = r));
  running.push(runControllers({ config, signal: ac.signal, leaderElect: false, controllers: ['persistentvolume-binder'], onReady: ready, log }));
  await synced;
  running.push(runLocalPathProvisioner({ config, signal: ac.signal, nodeName: 'node-a', baseDir: dirs['node-a']!, leaderElect: false, log }));
  running.push(runLocalPathProvisioner({ config, signal: ac.signal, nodeName: 'node-b', baseDir: dirs['node-b']!, leaderElect: false, createStorageClass: false, log }));
  running.push(runScheduler({ config, signal: ac.signal, leaderElect: false, log, schedulerConfig }));
  await waitFor('local-path StorageClass', () => client.resource<StorageClass>(Resources.storageclasses).get(undefined, LOCAL_PATH_CLASS).catch(() => undefined));
});

after(async () => {
  ac.abort();
  await Promise.all(running);
  client.close();
  await srv.stop();
  for (const d of Object.values(dirs)) rmSync(d, { recursive: true, force: true });
});

const claim = (name: string, storageClassName: string, size = '1Gi'): PersistentVolumeClaim => ({
  metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName },
});
const staticVolume = (name: string, node: string): PersistentVolume => ({
  metadata: { name },
  spec: {
    capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: STATIC_CLASS, persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/tmp/${name}` },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
  },
});
const podUsing = (name: string, claimName: string, extra: Parameters<typeof makePod>[1] = {}): Pod => makePod(name, { ...extra, volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] });
const nodeOf = async (name: string): Promise<string | undefined> => (await pods.get('default', name)).spec?.nodeName || undefined;
const pinnedTo = (node: string): Parameters<typeof makePod>[1] => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } } },
});

test('WaitForFirstConsumer claim of a pod pinned to node-b: provisioned on node-b, then the pod is bound there', async () => {
  await pvcs.create('default', claim('wffc-b', LOCAL_PATH_CLASS));
  await pods.create('default', podUsing('user-b', 'wffc-b', pinnedTo('node-b')));
  const node = await waitFor('user-b bound', () => nodeOf('user-b'), 30_000);
  assert.equal(node, 'node-b', `pod node: got ${node}, want node-b`);
  const c = await pvcs.get('default', 'wffc-b');
  assert.equal(c.status?.phase, 'Bound', `claim phase when the pod is bound: got ${c.status?.phase}, want Bound (PreBind waits for it)`);
  assert.equal(c.metadata.annotations?.[SELECTED_NODE], 'node-b', `selected-node: got ${c.metadata.annotations?.[SELECTED_NODE]}, want node-b`);
  const v = await pvs.get(undefined, c.spec?.volumeName ?? '');
  const dir = v.spec?.hostPath?.path ?? '';
  assert.ok(dir.startsWith(dirs['node-b']!) && existsSync(dir), `volume directory ${dir}: want an existing directory under node-b's ${dirs['node-b']}`);
  const affinity = v.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values;
  assert.deepEqual(affinity, ['node-b'], `PV node affinity: got ${JSON.stringify(affinity)}, want node-b`);
});

test('a static PV with node affinity to node-a takes the claim, and the pod lands on node-a', async () => {
  await pvs.create(undefined, staticVolume('static-a', 'node-a'));
  await pvcs.create('default', claim('static-claim', STATIC_CLASS));
  await pods.create('default', podUsing('user-static', 'static-claim'));
  const node = await waitFor('user-static bound', () => nodeOf('user-static'), 30_000);
  assert.equal(node, 'node-a', `pod node: got ${node}, want node-a (where its only volume is)`);
  const c = await pvcs.get('default', 'static-claim');
  assert.equal(c.spec?.volumeName, 'static-a', `claim volumeName: got ${c.spec?.volumeName}, want static-a`);
  assert.equal(c.metadata.annotations?.[SELECTED_NODE], undefined, 'a static match needs no selected-node');
});

test('a burst of three pods over two static PVs: each PV is bound once, pods follow their PV, the third waits', async () => {
  await pvs.create(undefined, staticVolume('burst-a', 'node-a'));
  await pvs.create(undefined, staticVolume('burst-b', 'node-b'));
  const names = ['burst-1', 'burst-2', 'burst-3'];
  await Promise.all(names.map((n) => pvcs.create('default', claim(n, STATIC_CLASS))));
  await Promise.all(names.map((n) => pods.create('default', podUsing(n, n))));
  const placed = await waitFor('two burst pods bound', async () => {
    const got = await Promise.all(names.map(async (n) => ({ n, node: await nodeOf(n) })));
    const b = got.filter((x) => x.node);
    return b.length >= 2 ? b : undefined;
  }, 30_000);
  // Let any wrong extra binding show before judging.
  await new Promise((r) => setTimeout(r, 1000));
  const all = await Promise.all(names.map(async (n) => ({ n, node: await nodeOf(n), claim: await pvcs.get('default', n) })));
  const bound = all.filter((x) => x.node);
  assert.equal(bound.length, 2, `bound pods: got ${JSON.stringify(bound.map((x) => x.n))}, want exactly two (placed first: ${JSON.stringify(placed)})`);
  const vols = bound.map((x) => x.claim.spec?.volumeName);
  assert.deepEqual([...vols].sort(), ['burst-a', 'burst-b'], `volumes of the bound pods: got ${JSON.stringify(vols)}, want burst-a and burst-b once each`);
  for (const x of bound) {
    const want = x.claim.spec?.volumeName === 'burst-a' ? 'node-a' : 'node-b';
    assert.equal(x.node, want, `${x.n}: node ${x.node}, want ${want} (its volume's node)`);
  }
  for (const v of ['burst-a', 'burst-b']) {
    const pv = await pvs.get(undefined, v);
    assert.ok(bound.some((x) => x.claim.metadata.uid === pv.spec?.claimRef?.uid), `${v} claimRef ${JSON.stringify(pv.spec?.claimRef)} names a bound pod's claim`);
  }
  const waiting = all.find((x) => !x.node)!;
  const msg = await waitFor('PodScheduled=False on the third pod', async () => {
    const c = (await pods.get('default', waiting.n)).status?.conditions?.find((x) => x.type === 'PodScheduled');
    return c?.status === 'False' && c.message?.includes(ERR_BIND_CONFLICT) ? c.message : undefined;
  }, 30_000);
  assert.ok(msg.includes(ERR_BIND_CONFLICT), `third pod's condition: got ${msg}`);
  assert.equal(waiting.claim.status?.phase, 'Pending', `third claim: got ${waiting.claim.status?.phase}, want Pending`);
});

test('PreBind timeout (bindTimeoutSeconds) fails the binding cycle: FailedScheduling, the pod stays unbound and is retried', async () => {
  await pvcs.create('default', claim('orphan', ORPHAN_CLASS));
  await pods.create('default', podUsing('orphan-user', 'orphan', { schedulerName: SHORT_BIND }));
  const want = 'running PreBind plugin "VolumeBinding": binding volumes: context deadline exceeded';
  const msg = await waitFor('PodScheduled=False after the PreBind timeout', async () => {
    const c = (await pods.get('default', 'orphan-user')).status?.conditions?.find((x) => x.type === 'PodScheduled');
    return c?.status === 'False' ? c.message : undefined;
  }, 30_000);
  assert.equal(msg, want, `condition message: got ${msg}, want ${want}`);
  assert.equal(await nodeOf('orphan-user'), undefined, 'the pod is not bound');
  const c = await pvcs.get('default', 'orphan');
  assert.ok(c.metadata.annotations?.[SELECTED_NODE], `the claim was offered to a node: annotations ${JSON.stringify(c.metadata.annotations)}`);
  const events = await waitFor('two FailedScheduling attempts (retried with backoff)', async () => {
    const l = await client.resource(Resources.events).list('default');
    const e = (l.items as Array<{ reason?: string; count?: number; message?: string; involvedObject?: { name?: string } }>)
      .filter((x) => x.reason === 'FailedScheduling' && x.involvedObject?.name === 'orphan-user' && x.message === want);
    const n = e.reduce((a, x) => a + (x.count ?? 1), 0);
    return n >= 2 ? n : undefined;
  }, 30_000);
  assert.ok(events >= 2, `FailedScheduling count: got ${events}, want ≥ 2`);
});
