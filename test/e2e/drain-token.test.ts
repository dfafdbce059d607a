// The real kubectl against the in-process API server: `kubectl drain` through pods/eviction (with a
// PodDisruptionBudget that allows it, and one that does not), and `kubectl create token` whose token then
// works with `kubectl --token`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, ApiError, Resources, type Client, type KubeObject } from '../../src/client';
import { startTestServer, type TestServer } from '../support/server';
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
