// Configuration against the real API server: CreateContainerConfigError, env from ConfigMaps/Secrets,
// configMap volumes updated in place, static pods with mirror pods, and hollow nodes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resources, type Lease } from '../client';
import { runHollowNodes } from './hollow';
import { startHarness, waitUntil, type Harness } from './testing/harness';
import type { ConfigMap, Node, Pod } from './types';

let h: Harness;
let manifests: string;
before(async () => {
  h = await startHarness();
  manifests = join(h.dataDir, 'manifests');
  mkdirSync(manifests);
  await h.stopKubelet();
  await h.startKubelet({ podManifestPath: manifests });
});
after(async () => {
  rmSync(manifests, { recursive: true, force: true });
  await h.close();
});

const cs = (p: Pod) => p.status?.containerStatuses?.[0];

test('missing ConfigMap: CreateContainerConfigError, then Running with env and a volume that follows updates', async () => {
  const pod = await h.createPod({
    metadata: { name: 'cfg-user' },
    spec: {
      containers: [{
        name: 'main', image: 'busybox', command: ['/bin/sh', '-c', 'echo "level=$LEVEL name=$POD_NAME"; exec sleep 1000'],
        env: [
          { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'app-cfg', key: 'level' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
        volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }],
      }],
      volumes: [{ name: 'cfg', configMap: { name: 'app-cfg', optional: true } }],
    },
  });
  const waiting = await h.waitPod('cfg-user', (p) => cs(p)?.state.waiting?.reason === 'CreateContainerConfigError', 'CreateContainerConfigError');
  assert.equal(cs(waiting)?.state.waiting?.message, 'configmap "app-cfg" not found');
  const cms = h.client.resource<ConfigMap>(Resources.configmaps);
  await cms.create('default', { metadata: { name: 'app-cfg' }, data: { level: 'debug' } });
  await h.waitPod('cfg-user', (p) => p.status?.phase === 'Running' && !!cs(p)?.state.running, 'Running', 30_000);
  const logs = await waitUntil(async () => {
    const r = await h.kubeletGet('/containerLogs/default/cfg-user/main');
    return r.body.includes('level=') ? r.body : undefined;
  }, 'logs');
  assert.equal(logs, 'level=debug name=cfg-user\n');
  const file = join(h.dataDir, 'pods', pod.metadata.uid, 'volumes', 'kubernetes.io~configmap', 'cfg', 'level');
  await waitUntil(async () => (existsSync(file) && readFileSync(file, 'utf8') === 'debug' ? true : undefined), 'volume file written');
  const cur = await cms.get('default', 'app-cfg');
  await cms.update('default', { ...cur, data: { level: 'info' } });
  await waitUntil(async () => (readFileSync(file, 'utf8') === 'info' ? true : undefined), 'volume file updated in place', 30_000);
});

test('static pods run from a manifest, are mirrored, and stop when the file goes away', async () => {
  const path = join(manifests, 'static-web.yaml');
  writeFileSync(path, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: static-web\nspec:\n  containers:\n  - name: web\n    image: busybox\n    command: ["/bin/sh", "-c", "exec sleep 1000"]\n');
  const mirror = await h.waitPod('static-web-node-1', (p) => p.status?.phase === 'Running', 'mirror pod Running', 30_000);
  assert.ok(mirror.metadata.annotations?.['kubernetes.io/config.mirror'], 'mirror annotation');
  assert.equal(mirror.spec.nodeName, 'node-1');
  rmSync(path);
  await waitUntil(async () => ((await h.getPod('static-web-node-1')) ? undefined : true), 'mirror pod deleted', 30_000);
  await waitUntil(async () => {
    const running = await h.kubelet.runtime.listContainers({ state: 'running', labels: { 'io.kubernetes.pod.name': 'static-web-node-1' } });
    return running.length === 0 ? true : undefined;
  }, 'static pod containers stopped');
});

test('hollow nodes register, heartbeat and run pods at once', async () => {
  const ac = new AbortController();
  let ready!: () => void;
  const up = new Promise<void>((r) => (ready = r));
  const run = runHollowNodes({ config: { server: h.server.url, ca: Buffer.from(h.server.caPem), token: h.server.token }, count: 20, signal: ac.signal, onReady: ready, log: () => undefined });
  try {
    await up;
    const nodes = (await h.client.resource<Node>(Resources.nodes).list(undefined, { labelSelector: 'berth.io/hollow=true' })).items;
    assert.equal(nodes.length, 20, `hollow nodes: got ${nodes.length}`);
    await waitUntil(async () => (await h.client.resource<Lease>(Resources.leases).get('kube-node-lease', 'hollow-node-7')).spec?.renewTime ? true : undefined, 'lease');
    const pods = h.client.resource<Pod>(Resources.pods);
    await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hp', namespace: 'default', uid: '' }, spec: { containers: [{ name: 'c', image: 'x' }] } } as Pod);
    await pods.createSubresource('default', 'hp', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'hp' }, target: { kind: 'Node', name: 'hollow-node-3' } });
    const p = await h.waitPod('hp', (x) => x.status?.phase === 'Running', 'hollow pod Running');
    assert.equal(cs(p)?.ready, true);
    await pods.delete('default', 'hp');
    await waitUntil(async () => ((await h.getPod('hp')) ? undefined : true), 'hollow pod deleted');
  } finally {
    ac.abort();
    await run;
  }
});
