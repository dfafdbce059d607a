import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClient } from './client';
import { FakeClock, flush } from './clock';
import { ApiError, isAlreadyExists, isConflict, isExpired, isNotFound, isTooManyRequests } from './errors';
import { loadKubeconfig, parseKubeconfig } from './kubeconfig';
import { collectionPath, objectPath, Resources } from './resource-ref';
import { startFakeApiServer } from './testing/fake-apiserver';
import { waitFor } from './testing/wait';
import type { KubeObject, WatchEvent } from './types';

interface Pod extends KubeObject {
  spec?: { nodeName?: string; containers?: Array<{ name: string; image?: string }> };
  status?: { phase?: string };
}

test('paths: table', () => {
  const cases = [
    { name: 'core namespaced', got: collectionPath(Resources.pods, 'default'), want: '/api/v1/namespaces/default/pods' },
    { name: 'core all namespaces', got: collectionPath(Resources.pods), want: '/api/v1/pods' },
    { name: 'cluster-scoped ignores namespace', got: collectionPath(Resources.nodes, 'x'), want: '/api/v1/nodes' },
    { name: 'group object + subresource', got: objectPath(Resources.deployments, 'ns', 'web', 'scale'), want: '/apis/apps/v1/namespaces/ns/deployments/web/scale' },
    { name: 'lease', got: objectPath(Resources.leases, 'kube-node-lease', 'n1'), want: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1' },
  ];
  for (const c of cases) assert.equal(c.got, c.want, `${c.name}: got ${c.got}, want ${c.want}`);
  assert.throws(() => objectPath(Resources.pods, undefined, 'p'), /namespace is required/);
});

test('client: CRUD, typed errors, patches, preconditions and subresources against the fake server', async () => {
  const srv = await startFakeApiServer();
  try {
    const pods = srv.client().resource<Pod>(Resources.pods);
    const created = await pods.create('default', { metadata: { name: 'p1', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(created.kind, 'Pod');
    assert.ok(created.metadata?.uid && created.metadata.resourceVersion, `server fields missing: ${JSON.stringify(created.metadata)}`);
    const errCases: Array<{ name: string; run: () => Promise<unknown>; is: (e: unknown) => boolean; code: number }> = [
      { name: 'get missing → NotFound', run: () => pods.get('default', 'nope'), is: isNotFound, code: 404 },
      { name: 'create twice → AlreadyExists', run: () => pods.create('default', { metadata: { name: 'p1' } }), is: isAlreadyExists, code: 409 },
      { name: 'stale update → Conflict', run: () => pods.update('default', { ...created, metadata: { ...created.metadata, resourceVersion: '1' } }), is: isConflict, code: 409 },
      { name: 'delete with stale uid precondition → Conflict', run: () => pods.delete('default', 'p1', { preconditions: { uid: 'other' } }), is: isConflict, code: 409 },
      { name: 'injected 429 → TooManyRequests', run: () => { srv.failNext(/^GET .*p1$/, 429); return pods.get('default', 'p1'); }, is: isTooManyRequests, code: 429 },
      { name: 'expired continue → Expired', run: () => { srv.compact(); return pods.list('default', { continue: Buffer.from(JSON.stringify({ rv: 1, start: '' })).toString('base64') }); }, is: isExpired, code: 410 },
    ];
    for (const c of errCases) {
      await assert.rejects(c.run(), (e: unknown) => {
        assert.ok(e instanceof ApiError, `${c.name}: got ${String(e)}, want ApiError`);
        assert.ok(c.is(e), `${c.name}: predicate false for reason ${e.reason}`);
        assert.equal(e.code, c.code, `${c.name}: code got ${e.code}, want ${c.code}`);
        assert.equal(isNotFound(e), c.is === isNotFound, `${c.name}: isNotFound must only match NotFound`);
        return true;
      });
    }
    assert.equal(isConflict(new ApiError(409, { reason: 'AlreadyExists' })), false, 'AlreadyExists is not a Conflict');
    const merged = await pods.patch('default', 'p1', 'merge', { metadata: { labels: { tier: 'fe' } } });
    assert.deepEqual(merged.metadata?.labels, { app: 'web', tier: 'fe' }, `merge patch labels: ${JSON.stringify(merged.metadata?.labels)}`);
    const jp = await pods.patch('default', 'p1', 'json', [{ op: 'replace', path: '/spec/containers/0/image', value: 'nginx' }]);
    assert.equal(jp.spec?.containers?.[0]?.image, 'nginx', 'json patch');
    const st = await pods.updateStatus('default', { ...jp, status: { phase: 'Running' }, spec: { containers: [] } });
    assert.equal(st.status?.phase, 'Running', 'status update');
    assert.equal(st.spec?.containers?.length, 1, 'status update must not change spec');
    const up = await pods.update('default', { ...st, status: { phase: 'Failed' } });
    assert.equal(up.status?.phase, 'Running', 'main-resource update must not change status');
    await pods.createSubresource('default', 'p1', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p1' }, target: { kind: 'Node', name: 'n1' } });
    assert.equal((await pods.get('default', 'p1')).spec?.nodeName, 'n1', 'binding sets nodeName');
    await assert.rejects(pods.createSubresource('default', 'p1', 'binding', { target: { name: 'n2' } }), isConflict, 'rebinding must conflict');
    const dry = await pods.create('default', { metadata: { name: 'dry' } }, { dryRun: true });
    assert.equal(dry.metadata?.name, 'dry');
    await assert.rejects(pods.get('default', 'dry'), isNotFound, 'dry-run create must not persist');
    const gen = await pods.create('default', { metadata: { generateName: 'web-' } });
    assert.match(gen.metadata?.name ?? '', /^web-[0-9a-f]{5}$/, `generateName: ${gen.metadata?.name}`);
    await pods.delete('default', 'p1', { propagationPolicy: 'Background' });
    await assert.rejects(pods.get('default', 'p1'), isNotFound);
    const del = srv.requests.filter((r) => r.startsWith('DELETE'));
    assert.ok(del.length >= 2, `deletes logged: ${del.join(' | ')}`);
  } finally {
    await srv.close();
  }
});

test('client: listAll follows continue over a consistent snapshot; finalizers defer deletion', async () => {
  const srv = await startFakeApiServer();
  try {
    const cms = srv.client().resource(Resources.configmaps);
    for (let i = 0; i < 5; i++) await cms.create('ns1', { metadata: { name: `c${i}` } });
    await cms.create('ns2', { metadata: { name: 'other' } });
    const first = await cms.list('ns1', { limit: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata.continue, 'first page must carry a continue token');
    await cms.delete('ns1', 'c4'); // after the snapshot: later pages must still show it
    const rest = await cms.list('ns1', { limit: 10, continue: first.metadata.continue });
    assert.deepEqual(rest.items.map((o) => o.metadata?.name), ['c2', 'c3', 'c4'], `page 2: ${rest.items.map((o) => o.metadata?.name).join(',')}`);
    assert.equal(rest.metadata.resourceVersion, first.metadata.resourceVersion, 'pages must share the snapshot rv');
    const all = await cms.listAll(undefined, { limit: 2 });
    assert.equal(all.items.length, 5, `listAll across namespaces: got ${all.items.length}, want 5`);
    await cms.create('ns1', { metadata: { name: 'fin', finalizers: ['x/y'] } });
    await cms.delete('ns1', 'fin');
    const pending = await cms.get('ns1', 'fin');
    assert.ok(pending.metadata?.deletionTimestamp, 'object with finalizers must get a deletionTimestamp');
    await cms.patch('ns1', 'fin', 'merge', { metadata: { finalizers: null } });
    await assert.rejects(cms.get('ns1', 'fin'), isNotFound, 'clearing finalizers must complete the deletion');
  } finally {
    await srv.close();
  }
});

test('client: watch yields events, resumes from a resourceVersion, ends on abort without error', async () => {
  const srv = await startFakeApiServer();
  try {
    const pods = srv.client().resource<Pod>(Resources.pods);
    const a = await pods.create('default', { metadata: { name: 'a' } });
    await pods.create('default', { metadata: { name: 'b' } });
    await pods.delete('default', 'a');
    const ac = new AbortController();
    const seen: string[] = [];
    for await (const ev of pods.watch('default', { resourceVersion: a.metadata?.resourceVersion, allowWatchBookmarks: true }, ac.signal)) {
      seen.push(`${ev.type} ${(ev as WatchEvent<Pod> & { object: Pod }).object.metadata?.name}`);
      if (seen.length === 2) ac.abort();
    }
    assert.deepEqual(seen, ['ADDED b', 'DELETED a'], `replayed: got ${seen.join(', ')}`);
    srv.compact();
    const evs: string[] = [];
    for await (const ev of pods.watch('default', { resourceVersion: a.metadata?.resourceVersion }, new AbortController().signal)) {
      evs.push(`${ev.type} ${ev.type === 'ERROR' ? ev.object.code : ''}`);
    }
    assert.deepEqual(evs, ['ERROR 410'], `watch from a compacted rv: got ${evs.join(', ')}`);
  } finally {
    await srv.close();
  }
});

test('kubeconfig: table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-kc-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), 'CA-FROM-FILE');
    writeFileSync(join(dir, 'token'), 'file-token\n');
    const kc = (user: string, cluster: string): string => `apiVersion: v1
kind: Config
current-context: main
contexts:
- name: main
  context: { cluster: c1, user: u1, namespace: team }
- name: other
  context: { cluster: c1, user: u2 }
clusters:
- name: c1
  cluster: {${cluster}}
users:
- name: u1
  user: {${user}}
- name: u2
  user: { token: second }
`;
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const cases = [
      { name: 'inline data + token', text: kc(`token: abc, client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')}`, `server: "https://127.0.0.1:6443/", certificate-authority-data: ${b64('CA')}`), ctx: undefined,
        want: { server: 'https://127.0.0.1:6443', ca: 'CA', token: 'abc', cert: 'CERT', key: 'KEY', insecure: undefined, ns: 'team' } },
      { name: 'files relative to the kubeconfig', text: kc('tokenFile: token', 'server: "https://h:1", certificate-authority: ca.crt'), ctx: undefined,
        want: { server: 'https://h:1', ca: 'CA-FROM-FILE', token: 'file-token', cert: undefined, key: undefined, insecure: undefined, ns: 'team' } },
      { name: 'insecure + explicit context', text: kc('', 'server: "https://h:1", insecure-skip-tls-verify: true'), ctx: 'other',
        want: { server: 'https://h:1', ca: undefined, token: 'second', cert: undefined, key: undefined, insecure: true, ns: undefined } },
    ];
    for (const c of cases) {
      const cfg = parseKubeconfig(c.text, dir, c.ctx);
      const got = { server: cfg.server, ca: cfg.ca?.toString(), token: cfg.token, cert: cfg.cert?.toString(), key: cfg.key?.toString(), insecure: cfg.insecureSkipTLSVerify, ns: cfg.namespace };
      assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}`);
    }
    assert.throws(() => parseKubeconfig(kc('', 'server: "https://h:1"'), dir, 'missing'), /context "missing" not found/);
    assert.throws(() => parseKubeconfig(kc('exec: { command: x }', 'server: "https://h:1"'), dir), /exec and auth-provider/);
    writeFileSync(join(dir, 'kubeconfig.yaml'), kc('token: t', 'server: "https://h:2"'));
    assert.equal(loadKubeconfig(join(dir, 'kubeconfig.yaml')).server, 'https://h:2');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('transport: HTTPS with CA verification and bearer token; qps limit waits on the clock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'),
      '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  } catch {
    assert.fail('openssl is not installed: run `bash scripts/setup-system.sh` (as root) to install the test dependencies');
  }
  const cert = readFileSync(join(dir, 'c.pem'));
  const seen: string[] = [];
  const server = https.createServer({ cert, key: readFileSync(join(dir, 'k.pem')) }, (req, res) => {
    seen.push(`${req.url} ${req.headers.authorization ?? ''}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = [
    createClient({ server: url, ca: cert, token: 'sekret' }),
    createClient({ server: url }),
    createClient({ server: url, insecureSkipTLSVerify: true }),
  ];
  try {
    assert.deepEqual(await clients[0]?.request('GET', '/x'), { ok: true });
    assert.equal(seen[0], '/x Bearer sekret', `server saw ${seen[0]}`);
    await assert.rejects(clients[1]?.request('GET', '/y') as Promise<unknown>, /self-signed|certificate/i, 'an unknown CA must be rejected');
    assert.deepEqual(await clients[2]?.request('GET', '/z'), { ok: true }, 'insecureSkipTLSVerify');
    const clock = new FakeClock();
    const limited = createClient({ server: url, ca: cert, qps: 1, burst: 1 }, { clock });
    clients.push(limited);
    const before = seen.length;
    await limited.request('GET', '/1');
    let second = false;
    const p = limited.request('GET', '/2').then(() => (second = true));
    await flush(20);
    assert.equal(second, false, 'second request went out before the token bucket refilled');
    assert.equal(seen.length, before + 1, `requests sent: got ${seen.length - before}, want 1`);
    await clock.tick(1000);
    await p;
    assert.equal(seen.length, before + 2, 'second request was not sent after 1 s');
  } finally {
    for (const c of clients) c.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('client: 429 with Retry-After is resent after the wait, on the injected clock', async () => {
  const srv = await startFakeApiServer();
  try {
    const clock = new FakeClock();
    const client = createClient({ server: srv.url }, { clock, maxRetries: 2 });
    const cms = client.resource(Resources.configmaps);
    await cms.create('ns', { metadata: { name: 'a' } });
    srv.failNext(/^GET .*\/a$/, 429, 1, 3);
    let done = false;
    const p = cms.get('ns', 'a').then((o) => { done = true; return o; });
    await waitFor(() => clock.pending() > 0, 'client waiting on Retry-After');
    assert.equal(done, false, 'answered before Retry-After elapsed');
    await clock.tick(3000);
    assert.equal((await p).metadata?.name, 'a');
    srv.failNext(/^GET .*\/a$/, 429, 3, 1);
    const p2 = cms.get('ns', 'a').then(() => 'resolved', (e: unknown) => e);
    for (let i = 0; i < 2; i++) {
      await waitFor(() => clock.pending() > 0, `retry ${i + 1} waiting`);
      await clock.tick(1000);
    }
    const outcome = await p2;
    assert.ok(isTooManyRequests(outcome), `after maxRetries: got ${String(outcome)}, want TooManyRequests`);
    client.close();
  } finally {
    await srv.close();
  }
});
