// metrics.k8s.io against a real in-process API server: the API server scrapes a fake kubelet (HTTPS, client
// certificate required, as the real one) and the real kubectl runs `top node` / `top pod`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../store';
import { ensurePki } from '../apiserver/auth/pki';
import { createApiServer } from '../apiserver/server';
import { adminKubeconfig, writeSecretFile } from '../cli/kubeconfig';
import { createClient, isNotFound, Resources, type KubeObject } from '../client';
import { kubectlFor } from '../../test/e2e/kubectl-helpers';

const RESOLUTION_MS = 200;

/** A kubelet double: cumulative cpu grows by `cores` per second of wall time for every container. */
function fakeKubelet(caPem: string, cert: { certPem: string; keyPem: string }, pods: Array<{ ns: string; name: string; containers: string[]; cores: number; mem: number }>): Server {
  const t0 = Date.now();
  let unauthorized = 0;
  const server = createServer({ cert: cert.certPem, key: cert.keyPem, ca: [caPem], requestCert: true, rejectUnauthorized: false }, (req, res) => {
    if (!(req.socket as TLSSocket).authorized) {
      unauthorized++;
      res.writeHead(401).end();
      return;
    }
    if (req.url !== '/stats/summary') {
      res.writeHead(404).end();
      return;
    }
    const now = Date.now();
    const time = new Date(now).toISOString();
    const secs = (now - t0) / 1000;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({
      node: { nodeName: 'n1', cpu: { time, usageCoreNanoSeconds: Math.round(secs * 1.5e9) }, memory: { time, workingSetBytes: 2 * 1024 ** 3 } },
      pods: pods.map((p) => ({
        podRef: { name: p.name, namespace: p.ns, uid: `uid-${p.name}` },
        containers: p.containers.map((c) => ({ name: c, startTime: new Date(t0).toISOString(), cpu: { time, usageCoreNanoSeconds: Math.round(secs * p.cores * 1e9) }, memory: { time, workingSetBytes: p.mem } })),
      })),
    }));
  });
  (server as Server & { unauthorized: () => number }).unauthorized = () => unauthorized;
  return server;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

test('metrics.k8s.io: scraped from the kubelet, served to clients and to kubectl top', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-metrics-'));
  const store = await createStore({ datastore: 'sqlite', path: join(dir, 'state.db') });
  const pki = ensurePki(join(dir, 'tls'), ['127.0.0.1']);
  const api = await createApiServer({ store, pki, port: 0, bindAddress: '127.0.0.1', advertiseAddress: '127.0.0.1', logLevel: 'warn', log: () => undefined, metricsResolutionMs: RESOLUTION_MS });
  const kubeconfigPath = join(dir, 'kubeconfig.yaml');
  writeSecretFile(kubeconfigPath, adminKubeconfig({ server: api.url, caPem: pki.caPem, token: pki.adminToken }));
  const kubelet = fakeKubelet(pki.caPem, pki.issueClientCert({ commonName: 'fake-kubelet' }), [
    { ns: 'default', name: 'busy', containers: ['main'], cores: 0.5, mem: 64 * 1024 * 1024 },
    { ns: 'default', name: 'duo', containers: ['a', 'b'], cores: 0.25, mem: 1024 * 1024 },
    { ns: 'other', name: 'web', containers: ['nginx'], cores: 0.1, mem: 4096 },
    { ns: 'default', name: 'ghost', containers: ['x'], cores: 1, mem: 4096 }, // not in the API: never served
  ]);
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  t.after(async () => {
    kubelet.close();
    await api.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = createClient({ server: api.url, ca: Buffer.from(pki.caPem), token: pki.adminToken });
  const nodes = client.resource(Resources.nodes);
  const node = await nodes.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { zone: 'a' } } });
  await nodes.updateStatus(undefined, {
    ...node,
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: (kubelet.address() as AddressInfo).port } } },
  } as KubeObject);
  await client.resource(Resources.namespaces).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  const pods = client.resource(Resources.pods);
  const pod = (ns: string, name: string, containers: string[], labels: Record<string, string>): Promise<KubeObject> =>
    pods.create(ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { nodeName: 'n1', containers: containers.map((c) => ({ name: c, image: 'busybox' })) } } as KubeObject);
  await pod('default', 'busy', ['main'], { app: 'busy' });
  await pod('default', 'duo', ['a', 'b'], { app: 'duo' });
  await pod('other', 'web', ['nginx'], { app: 'web' });

  type PodMetrics = KubeObject & { timestamp: string; window: string; containers: Array<{ name: string; usage: { cpu: string; memory: string } }> };
  const base = '/apis/metrics.k8s.io/v1beta1';
  const busy = await waitFor('busy pod metrics', async () => client.request<PodMetrics>('GET', `${base}/namespaces/default/pods/busy`));

  await t.test('PodMetrics shape and values', () => {
    assert.equal(busy.kind, 'PodMetrics', `got kind ${busy.kind}`);
    assert.deepEqual(busy.metadata?.labels, { app: 'busy' }, 'labels copied from the pod');
    assert.match(busy.window, /^\d+(\.\d+)?(ms|s)$/, `got window ${busy.window}, want a Go duration`);
    const c = busy.containers[0];
    assert.equal(c?.name, 'main');
    assert.equal(c?.usage.memory, '64Mi', `got memory ${c?.usage.memory}, want 64Mi`);
    const m = /^(\d+)(n|u|m|)$/.exec(c?.usage.cpu ?? '');
    assert.ok(m, `got cpu ${c?.usage.cpu}, want a cpu quantity`);
    const cores = Number(m[1]) * ({ n: 1e-9, u: 1e-6, m: 1e-3, '': 1 } as Record<string, number>)[m[2]!]!;
    assert.ok(cores > 0.45 && cores < 0.55, `got ${cores} cores, want about 0.5`);
  });

  await t.test('lists, selectors, 404s and verbs', async () => {
    const cases: Array<{ name: string; path: string; want: string[] }> = [
      { name: 'namespace list', path: `${base}/namespaces/default/pods`, want: ['busy', 'duo'] },
      { name: 'all namespaces', path: `${base}/pods`, want: ['busy', 'duo', 'web'] },
      { name: 'label selector', path: `${base}/namespaces/default/pods?labelSelector=app%3Dduo`, want: ['duo'] },
      { name: 'field selector', path: `${base}/pods?fieldSelector=metadata.namespace%3Dother`, want: ['web'] },
      { name: 'nodes', path: `${base}/nodes`, want: ['n1'] },
      { name: 'nodes by label (no match)', path: `${base}/nodes?labelSelector=zone%3Db`, want: [] },
    ];
    for (const c of cases) {
      const got = await waitFor(c.name, async () => {
        const l = await client.request<{ items: KubeObject[] }>('GET', c.path);
        const names = l.items.map((i) => i.metadata?.name ?? '').sort();
        return names.length === c.want.length ? names : undefined;
      });
      assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
    }
    const errs = [
      { name: 'pod unknown to the API', path: `${base}/namespaces/default/pods/ghost`, code: 404, msg: 'podmetrics.metrics.k8s.io "ghost" not found' },
      { name: 'no such pod', path: `${base}/namespaces/default/pods/nope`, code: 404, msg: 'podmetrics.metrics.k8s.io "nope" not found' },
      { name: 'no such node', path: `${base}/nodes/nope`, code: 404, msg: 'nodemetrics.metrics.k8s.io "nope" not found' },
      { name: 'watch', path: `${base}/pods?watch=true`, code: 405, msg: 'watch is not supported' },
    ];
    for (const e of errs) {
      const err = await client.request('GET', e.path).then(() => undefined, (x: unknown) => x as { code?: number; message?: string });
      assert.equal(err?.code, e.code, `${e.name}: got code ${err?.code}, want ${e.code}`);
      assert.ok(err?.message?.includes(e.msg), `${e.name}: got message ${err?.message}, want it to include ${e.msg}`);
    }
    assert.ok(isNotFound(await client.request('GET', `${base}/namespaces/default/pods/nope`).catch((x: unknown) => x)), 'isNotFound recognises the 404');
  });

  await t.test('discovery lists metrics.k8s.io (legacy and aggregated)', async () => {
    const apis = await client.request<{ groups: Array<{ name: string; preferredVersion: { version: string } }> }>('GET', '/apis');
    assert.equal(apis.groups.find((g) => g.name === 'metrics.k8s.io')?.preferredVersion.version, 'v1beta1', 'legacy /apis lists metrics.k8s.io/v1beta1');
    const rl = await client.request<{ resources: Array<{ name: string; kind: string; namespaced: boolean }> }>('GET', `${base}`);
    assert.deepEqual(rl.resources.map((r) => `${r.name}:${r.kind}:${r.namespaced}`), ['nodes:NodeMetrics:false', 'pods:PodMetrics:true']);
    const agg = await client.request<{ items: Array<{ metadata: { name: string }; versions: Array<{ resources: Array<{ resource: string }> }> }> }>('GET', '/apis', undefined, {
      Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    });
    const g = agg.items.find((i) => i.metadata.name === 'metrics.k8s.io');
    assert.deepEqual(g?.versions[0]?.resources.map((r) => r.resource), ['nodes', 'pods'], `got ${JSON.stringify(g)}`);
  });

  await t.test('kubectl top node / pod', async () => {
    const kubectl = kubectlFor(kubeconfigPath);
    const nodeOut = await kubectl.ok(['top', 'node']);
    assert.match(nodeOut, /^NAME\s+CPU\(cores\)\s+CPU(%|\(%\))\s+MEMORY\(bytes\)\s+MEMORY(%|\(%\))/m, `got:\n${nodeOut}`);
    assert.match(nodeOut, /^n1\s+1[45]\d\dm\s/m, `got:\n${nodeOut}\nwant n1 at about 1500m`);
    const podOut = await kubectl.ok(['top', 'pod', '-A']);
    assert.match(podOut, /^default\s+busy\s+(4\d\d|5\d\d)m\s+64Mi/m, `got:\n${podOut}\nwant busy at about 500m and 64Mi`);
    assert.match(podOut, /^other\s+web\s+\d+m/m, `got:\n${podOut}`);
    const contOut = await kubectl.ok(['top', 'pod', 'duo', '--containers']);
    assert.match(contOut, /^duo\s+a\s+\d+m/m, `got:\n${contOut}`);
    assert.match(contOut, /^duo\s+b\s+\d+m/m, `got:\n${contOut}`);
    const miss = await kubectl(['top', 'pod', 'nope']);
    assert.notEqual(miss.code, 0, 'top of an unknown pod fails');
    assert.match(miss.stderr, /not found/, `got stderr ${miss.stderr}`);
  });
});
