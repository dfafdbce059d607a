// Persistent storage end to end with the real `berth server` (process runtime) and the real kubectl:
// the persistentvolume-binder in the controller manager, the local-path provisioner under <dataDir>/storage,
// and the kubelet mounting claims; the scheduler re-queues a pod waiting for its claim when the claim binds.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startBerth, type BerthProcess } from '../support/server';
import { eventually, kubectlFor, type Kubectl } from './kubectl-helpers';

let b: BerthProcess;
let k: Kubectl;
let storage: string;
let node = '';

before(async () => {
  b = await startBerth();
  k = kubectlFor(b.kubeconfigPath);
  storage = join(b.dir, 'data', 'storage');
  node = await eventually('node registered', async () => (await k.ok(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).trim());
  await eventually('default StorageClass local-path', async () => /local-path \(default\)/.test(await k.ok(['get', 'storageclass'])));
});

after(async () => {
  const code = await b.stop();
  if (code !== 0) console.error(b.output());
  rmSync(b.dir, { recursive: true, force: true });
});

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const jsonpath = async (args: string[], path: string): Promise<string> => (await k(['get', ...args, '-o', `jsonpath=${path}`])).stdout.trim();

test('a PVC (default class) and a pod writing into it: the file is under the storage dir; deleting the PVC removes the PV and the directory', async () => {
  await k.ok(['apply', '-f', '-'], {
    input: `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 64Mi } }
---
apiVersion: v1
kind: Pod
metadata: { name: writer }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: w
    image: busybox
    command: ["sh", "-c", "echo hello-from-pod > /mnt/hello.txt; sleep 3600"]
    volumeMounts: [{ name: d, mountPath: /mnt }]
  volumes:
  - name: d
    persistentVolumeClaim: { claimName: data }
`,
  });
  const pv = await eventually('claim Bound', async () => ((await jsonpath(['pvc', 'data'], '{.status.phase}')) === 'Bound' ? jsonpath(['pvc', 'data'], '{.spec.volumeName}') : undefined), 60_000);
  assert.equal(await jsonpath(['pvc', 'data'], '{.spec.storageClassName}'), 'local-path', 'the default class was assigned');
  const dir = await jsonpath(['pv', pv], '{.spec.hostPath.path}');
  assert.ok(dir.startsWith(storage), `PV path ${dir} is under ${storage}`);
  await waitFor('pod Running', async () => (await jsonpath(['pod', 'writer'], '{.status.phase}')) === 'Running', 90_000);
  const file = join(dir, 'hello.txt');
  await eventually(`${file} written`, () => existsSync(file));
  assert.equal(readFileSync(file, 'utf8').trim(), 'hello-from-pod', 'file content');

  // In-use protection: the claim waits for its pod.
  await k.ok(['delete', 'pvc', 'data', '--wait=false']);
  assert.match(await jsonpath(['pvc', 'data'], '{.metadata.deletionTimestamp}'), /\d{4}-/, 'claim terminating');
  assert.equal(existsSync(file), true, 'data kept while the pod runs');
  await k.ok(['delete', 'pod', 'writer', '--wait=true', '--timeout=60s']);
  await eventually('PVC gone', async () => (await k(['get', 'pvc', 'data'])).code !== 0, 30_000);
  await eventually('PV gone', async () => (await k(['get', 'pv', pv])).code !== 0, 30_000);
  assert.equal(existsSync(dir), false, `directory ${dir} removed`);
});

test('a StatefulSet with volumeClaimTemplates gets one bound PVC per replica, each with its own directory', async () => {
  await k.ok(['apply', '-f', '-'], {
    input: `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  replicas: 2
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "echo $POD_NAME > /mnt/who; sleep 3600"]
        env: [{ name: POD_NAME, valueFrom: { fieldRef: { fieldPath: metadata.name } } }]
        volumeMounts: [{ name: state, mountPath: /mnt }]
  volumeClaimTemplates:
  - metadata: { name: state }
    spec:
      accessModes: [ReadWriteOnce]
      resources: { requests: { storage: 16Mi } }
`,
  });
  for (const i of [0, 1]) {
    await eventually(`state-db-${i} Bound`, async () => (await jsonpath(['pvc', `state-db-${i}`], '{.status.phase}')) === 'Bound', 120_000);
    await waitFor(`db-${i} Running`, async () => (await jsonpath(['pod', `db-${i}`], '{.status.phase}')) === 'Running', 120_000);
  }
  const vols = new Set<string>();
  for (const i of [0, 1]) {
    const pv = await jsonpath(['pvc', `state-db-${i}`], '{.spec.volumeName}');
    const dir = await jsonpath(['pv', pv], '{.spec.hostPath.path}');
    vols.add(dir);
    await eventually(`db-${i} wrote its name`, () => existsSync(join(dir, 'who')) && readFileSync(join(dir, 'who'), 'utf8').trim() === `db-${i}`);
  }
  assert.equal(vols.size, 2, `one volume per replica: ${[...vols].join(', ')}`);
  assert.equal(readdirSync(storage).length >= 2, true, 'directories under the storage dir');
  await k.ok(['delete', 'statefulset', 'db', '--wait=true', '--timeout=60s']);
});

test('a pod on the node whose claim is unbound waits in ContainerCreating with FailedMount', async () => {
  await k.ok(['apply', '-f', '-'], {
    input: `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: never }
spec:
  storageClassName: no-such-class
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Mi } }
---
apiVersion: v1
kind: Pod
metadata: { name: waiter }
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
  - { name: c, image: busybox, command: ["sleep", "3600"], volumeMounts: [{ name: d, mountPath: /mnt }] }
  volumes: [{ name: d, persistentVolumeClaim: { claimName: never } }]
`,
  });
  const ev = await eventually('FailedMount event', async () => {
    const out = await k.ok(['get', 'events', '--field-selector', 'involvedObject.name=waiter,reason=FailedMount', '-o', 'jsonpath={.items[*].message}']);
    return out.includes('non-bound phase') ? out : undefined;
  }, 30_000);
  assert.match(ev, /PVC default\/never has non-bound phase \("Pending"\)/, `event: ${ev}`);
  const reason = await jsonpath(['pod', 'waiter'], '{.status.containerStatuses[0].state.waiting.reason}');
  assert.equal(reason, 'ContainerCreating', `waiting reason: got ${reason}`);
  assert.equal(await jsonpath(['pvc', 'never'], '{.status.phase}'), 'Pending', 'claim Pending');
  await k.ok(['delete', 'pod', 'waiter', '--wait=true', '--timeout=60s']);
  await k.ok(['delete', 'pvc', 'never', '--wait=true', '--timeout=30s']);
});
