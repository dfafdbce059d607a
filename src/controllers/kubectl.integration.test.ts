// The real kubectl against the controllers: rollout status / undo / history read what the deployment
// controller writes (kubectl-wire.md §2.8).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Resources } from '../client';
import type { Deployment } from './common/types';
import { eventually, startHarness, type Harness } from './testing/harness';

const run = promisify(execFile);
let h: Harness;
const kubectl = async (...args: string[]): Promise<string> => {
  const { stdout } = await run('kubectl', ['--kubeconfig', h.server.kubeconfigPath, ...args], { timeout: 60_000 });
  return stdout;
};

before(async () => {
  h = await startHarness({ controllers: ['replicaset', 'deployment', 'garbagecollector'] });
});
after(async () => {
  await h.stop();
});

test('kubectl rollout status, set image, undo and history work against the controllers', async () => {
  await kubectl('create', 'deployment', 'web', '--image=busybox:1', '--replicas=3');
  const status = await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
  assert.match(status, /deployment "web" successfully rolled out/, `got ${status}`);
  // set image races the controllers' status writes; retry like a user would on a conflict.
  await eventually('image set', async () => (await kubectl('set', 'image', 'deployment/web', 'busybox=busybox:2').then(() => true, () => false)));
  const status2 = await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
  assert.match(status2, /successfully rolled out/, `got ${status2}`);
  const history = await kubectl('rollout', 'history', 'deployment/web');
  assert.match(history, /^1\s/m, `history ${history}`);
  assert.match(history, /^2\s/m, `history ${history}`);
  await eventually('undo', async () => (await kubectl('rollout', 'undo', 'deployment/web').then(() => true, () => false)));
  const status3 = await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
  assert.match(status3, /successfully rolled out/, `got ${status3}`);
  const d = await h.client.resource<Deployment>(Resources.deployments).get('default', 'web');
  assert.equal((d.spec.template?.spec?.containers?.[0] as { image?: string } | undefined)?.image, 'busybox:1', 'undo restored the first template');
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  const rs = JSON.parse(await kubectl('get', 'rs', '-l', 'app=web', '-o', 'json')) as { items: Array<{ spec: { replicas: number } }> };
  assert.equal(rs.items.length, 2, `undo reused the old ReplicaSet: ${rs.items.length} sets`);
  await kubectl('delete', 'deployment', 'web');
  await eventually('pods gone', async () => (await kubectl('get', 'pods', '-l', 'app=web', '-o', 'name')).trim() === '');
});
