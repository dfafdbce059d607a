// The real kubectl against the in-process API server: `kubectl drain` through pods/eviction (with a
// PodDisruptionBudget that allows it, and one that does not), and `kubectl create token` whose token then
// works with `kubectl --token`. Then the real `berth server` (kubelet, controllers): a pod's projected
// kube-api-access token, and a drain whose evictions the kubelet completes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, ApiError, Resources, type Client, type KubeObject } from '../../src/client';
import { startBerth, startTestServer, type BerthProcess, type TestServer } from '../support/server';
import { eventually, kubectlFor, type Kubectl } from './kubectl-helpers';

interface Pod extends KubeObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

describe('kubectl drain and kubectl create token', () => {
  let srv: TestServer;
  let client: Client;
  let kubectl: Kubectl;
  const stop = new AbortController();
  let kubeletLoop: Promise<void> | undefined;

  before(async () => {
    srv = await startTestServer();
    client = createClient({ server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token });
    kubectl = kubectlFor(srv.kubeconfigPath);
    // No kubelet runs here: finish graceful deletions the way the kubelet does (DELETE with gracePeriodSeconds=0).
    kubeletLoop = (async () => {
      while (!stop.signal.aborted) {
        const list = await client.resource<Pod>(Resources.pods).list(undefined).catch(() => undefined);
        for (const p of list?.items ?? []) {
          if (p.metadata?.deletionTimestamp) await client.resource(Resources.pods).delete(p.metadata.namespace, p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  });
  after(async () => {
    stop.abort();
    await kubeletLoop;
    client.close();
    await srv.stop();
  });

  async function node(name: string): Promise<void> {
    await client.resource(Resources.nodes).create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } } as KubeObject);
  }

  async function runningPod(ns: string, name: string, nodeName: string, labels: Record<string, string>, owner: { kind: string; name: string; uid: string; apiVersion: string }): Promise<void> {
    const pods = client.resource<Pod>(Resources.pods);
    await pods.create(ns, {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, labels, ownerReferences: [{ ...owner, controller: true, blockOwnerDeletion: true }] },
      spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] },
    });
    const cur = await pods.get(ns, name);
    cur.status = { ...cur.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    await pods.updateStatus(ns, cur);
  }

  async function budget(ns: string, name: string, app: string, allowed: number): Promise<void> {
    const pdbs = client.resource<KubeObject & { spec?: unknown; status?: Record<string, unknown> }>(Resources.poddisruptionbudgets);
    await pdbs.create(ns, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 1, selector: { matchLabels: { app } } } });
    const cur = await pdbs.get(ns, name);
    cur.status = { observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptedPods: {} };
    await pdbs.updateStatus(ns, cur);
  }

  const exists = async (ns: string, name: string): Promise<boolean> => {
    try {
      await client.resource(Resources.pods).get(ns, name);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return false;
      throw e;
    }
  };

  it('drain --ignore-daemonsets evicts the node\'s pods within their budget and leaves DaemonSet pods', async () => {
    await node('n1');
    const ds = await client.resource(Resources.daemonsets).create('default', {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    } as KubeObject);
    const rs = { kind: 'ReplicaSet', apiVersion: 'apps/v1', name: 'web-1', uid: '00000000-0000-0000-0000-000000000001' };
    await runningPod('default', 'web-a', 'n1', { app: 'web' }, rs);
    await runningPod('default', 'web-b', 'n1', { app: 'web' }, rs);
    await runningPod('default', 'agent-x', 'n1', { app: 'agent' }, { kind: 'DaemonSet', apiVersion: 'apps/v1', name: 'agent', uid: ds.metadata!.uid! });
    await budget('default', 'web', 'web', 2);

    const out = await kubectl(['drain', 'n1', '--ignore-daemonsets', '--timeout=30s']);
    assert.equal(out.code, 0, `kubectl drain exited ${out.code}:\n${out.stderr}${out.stdout}`);
    assert.match(out.stdout, /pod\/web-a evicted/, `stdout got:\n${out.stdout}`);
    assert.match(out.stdout, /node\/n1 drained/, `stdout got:\n${out.stdout}`);
    assert.equal(await exists('default', 'web-a'), false, 'web-a still exists after drain');
    assert.equal(await exists('default', 'web-b'), false, 'web-b still exists after drain');
    assert.equal(await exists('default', 'agent-x'), true, 'the DaemonSet pod was evicted');
    const n = await client.resource<KubeObject & { spec?: { unschedulable?: boolean } }>(Resources.nodes).get(undefined, 'n1');
    assert.equal(n.spec?.unschedulable, true, `node unschedulable got ${String(n.spec?.unschedulable)}, want true`);
  });

  it('drain stops at a budget that allows no disruption', async () => {
    await node('n2');
    const rs = { kind: 'ReplicaSet', apiVersion: 'apps/v1', name: 'db-1', uid: '00000000-0000-0000-0000-000000000002' };
    await runningPod('default', 'db-a', 'n2', { app: 'db' }, rs);
    await budget('default', 'db', 'db', 0);
    const out = await kubectl(['drain', 'n2', '--ignore-daemonsets', '--timeout=6s']);
    assert.notEqual(out.code, 0, `kubectl drain exited 0, want a failure:\n${out.stdout}`);
    assert.match(out.stdout + out.stderr, /Cannot evict pod as it would violate the pod's disruption budget/, `output got:\n${out.stderr}${out.stdout}`);
    assert.equal(await exists('default', 'db-a'), true, 'db-a was evicted despite its budget');
  });

  it('kubectl create token prints a token that works with kubectl --token', async () => {
    await kubectl.ok(['create', 'serviceaccount', 'builder']);
    const token = (await kubectl.ok(['create', 'token', 'builder', '--duration=20m'])).trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, `token got ${token}`);
    const who = await eventually('whoami with the token', async () => {
      const r = await kubectl(['--token', token, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
      return r.code === 0 ? r.stdout : undefined;
    }, 10_000);
    assert.equal(who, 'system:serviceaccount:default:builder', `whoami got ${who}`);
    const get = await kubectl(['--token', token, 'get', 'serviceaccounts', 'builder', '-o', 'name']);
    assert.equal(get.code, 0, `get with the token exited ${get.code}: ${get.stderr}`);
    await kubectl.ok(['delete', 'serviceaccount', 'builder']);
    const denied = await kubectl(['--token', token, 'get', 'serviceaccounts']);
    assert.notEqual(denied.code, 0, 'the token still works after its service account was deleted');
    assert.match(denied.stderr, /Unauthorized|must be logged in/, `stderr got ${denied.stderr}`);
  });
});

describe('berth server: projected service-account token and drain with a real kubelet', () => {
  let b: BerthProcess;
  let k: Kubectl;
  let node = '';
  before(async () => {
    b = await startBerth();
    k = kubectlFor(b.kubeconfigPath);
    node = await eventually('node registered', async () => (await k.ok(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).trim());
    await eventually('default service account', async () => (await k(['get', 'serviceaccount', 'default'])).code === 0);
  });
  after(async () => {
    // The kubelet leaves pods running when it stops (it never kills pods it lost the API for): delete them first.
    await k(['delete', 'deployment', '--all', '--wait=false']);
    await k(['delete', 'pods', '--all', '--grace-period=1', '--timeout=30s']);
    const code = await b.stop();
    if (code !== 0) console.error(b.output());
    rmSync(b.dir, { recursive: true, force: true });
  });

  it('a pod gets the kube-api-access volume; the kubelet writes a pod-bound token that authenticates', async () => {
    await k.ok(['run', 'tok', '--image=busybox', '--restart=Never', '--overrides={"spec":{"terminationGracePeriodSeconds":1}}', '--', 'sh', '-c', 'sleep 3600']);
    await eventually('pod tok running', async () => (await k.ok(['get', 'pod', 'tok', '-o', 'jsonpath={.status.phase}'])) === 'Running', 30_000);
    const uid = await k.ok(['get', 'pod', 'tok', '-o', 'jsonpath={.metadata.uid}']);
    const vol = await k.ok(['get', 'pod', 'tok', '-o', 'jsonpath={.spec.volumes[0].name}']);
    assert.match(vol, /^kube-api-access-/, `volume got ${vol}`);
    const dir = join(b.dir, 'data', 'agent', 'pods', uid, 'volumes', 'kubernetes.io~projected', vol);
    assert.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('..')).sort(), ['ca.crt', 'namespace', 'token'], `files in ${dir}`);
    assert.equal(readFileSync(join(dir, 'namespace'), 'utf8'), 'default', 'namespace file');
    const token = readFileSync(join(dir, 'token'), 'utf8');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number; 'kubernetes.io': { pod?: { uid: string } } };
    assert.equal(claims['kubernetes.io'].pod?.uid, uid, `pod claim got ${JSON.stringify(claims['kubernetes.io'])}`);
    assert.equal(claims.exp - claims.iat, 3607, `lifetime got ${claims.exp - claims.iat}`);
    const who = await k.ok(['--token', token, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(who, 'system:serviceaccount:default:default', `whoami got ${who}`);
    await k.ok(['delete', 'pod', 'tok', '--grace-period=1']);
    const after = await k(['--token', token, 'get', 'pods']);
    assert.notEqual(after.code, 0, 'the pod-bound token still works after its pod was deleted');
  });

  it('kubectl drain evicts a Deployment\'s pods; the kubelet finishes the deletions', async () => {
    await k.ok(['create', 'deployment', 'web', '--image=busybox', '--replicas=2', '--', 'sh', '-c', 'sleep 3600']);
    await k.ok(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"terminationGracePeriodSeconds":1}}}}']);
    await eventually('2 web pods running', async () => {
      const phases = (await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].status.phase}'])).split(' ');
      return phases.length === 2 && phases.every((p) => p === 'Running');
    }, 40_000);
    const before = (await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ');
    const out = await k(['drain', node, '--ignore-daemonsets', '--timeout=60s'], { timeoutMs: 90_000 });
    assert.equal(out.code, 0, `drain exited ${out.code}:\n${out.stderr}${out.stdout}`);
    for (const p of before) assert.match(out.stdout, new RegExp(`pod/${p} evicted`), `stdout got:\n${out.stdout}`);
    const now = (await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean);
    assert.ok(now.every((p) => !before.includes(p)), `evicted pods still listed: ${now.join(' ')}`);
    await k.ok(['uncordon', node]);
  });
});
