// API machinery semantics, checked over HTTPS against an in-process server on a real sqlite store.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test/support/server';

interface Res {
  code: number;
  body: string;
  json: Record<string, unknown>;
}

let s: TestServer;

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const len: Record<string, string> = payload ? { 'Content-Length': String(payload.length) } : {};
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, s.url), { method, ca: s.caPem, headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json', ...len, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          /* not JSON */
        }
        resolve({ code: res.statusCode ?? 0, body: text, json });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const meta = (r: Res) => r.json.metadata as Record<string, unknown>;
const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data: { a: '1' } });

describe('API semantics', () => {
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.stop();
  });

  test('create sets uid, creationTimestamp, resourceVersion; generateName makes a name', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
    assert.equal(r.code, 201, r.body);
    assert.match(String(meta(r).name), /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.match(String(meta(r).uid), /^[0-9a-f-]{36}$/);
    assert.match(String(meta(r).creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(String(meta(r).resourceVersion), /^\d+$/);
  });

  test('optimistic concurrency: a stale resourceVersion is a 409 Conflict', async () => {
    const c = await call('POST', '/api/v1/namespaces/default/configmaps', cm('occ'));
    const rv = String(meta(c).resourceVersion);
    const u1 = await call('PUT', '/api/v1/namespaces/default/configmaps/occ', { ...cm('occ', { resourceVersion: rv }), data: { a: '2' } });
    assert.equal(u1.code, 200, u1.body);
    const u2 = await call('PUT', '/api/v1/namespaces/default/configmaps/occ', { ...cm('occ', { resourceVersion: rv }), data: { a: '3' } });
    assert.equal(u2.code, 409);
    assert.equal(u2.json.reason, 'Conflict');
    assert.equal(u2.json.message, 'Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again');
  });

  test('generation moves with the spec, not with status or metadata', async () => {
    const d = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen' },
      spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    };
    const c = await call('POST', '/apis/apps/v1/namespaces/default/deployments', d);
    assert.equal(c.code, 201, c.body);
    assert.equal(meta(c).generation, 1);
    const lbl = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen', { metadata: { labels: { x: 'y' } } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(meta(lbl).generation, 1, 'labels do not move generation');
    const st = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen/status', { status: { observedGeneration: 1, replicas: 1 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(st.code, 200, st.body);
    assert.equal(meta(st).generation, 1, 'status does not move generation');
    const sp = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen', { spec: { replicas: 2 }, status: { replicas: 99 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(meta(sp).generation, 2);
    assert.equal((sp.json.status as Record<string, unknown>).replicas, 1, 'status is not writable through the main resource');
  });

  test('finalizers hold a deletion until they are removed', async () => {
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('fin', { finalizers: ['example.com/hold'] }));
    const d = await call('DELETE', '/api/v1/namespaces/default/configmaps/fin');
    assert.equal(d.code, 202, 'deletion pending');
    const g = await call('GET', '/api/v1/namespaces/default/configmaps/fin');
    assert.ok(meta(g).deletionTimestamp, 'deletionTimestamp set');
    const p = await call('PATCH', '/api/v1/namespaces/default/configmaps/fin', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(p.code, 200, p.body);
    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps/fin')).code, 404, 'gone once the last finalizer is removed');
  });

  test('pods bound to a node are deleted gracefully; unbound pods at once', async () => {
    const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await call('POST', '/api/v1/namespaces/default/pods', pod('unbound'));
    const du = await call('DELETE', '/api/v1/namespaces/default/pods/unbound');
    assert.equal(du.code, 200, du.body);
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/unbound')).code, 404);
    await call('POST', '/api/v1/namespaces/default/pods', pod('bound'));
    const b = await call('POST', '/api/v1/namespaces/default/pods/bound/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'n1' } });
    assert.equal(b.code, 201, b.body);
    const again = await call('POST', '/api/v1/namespaces/default/pods/bound/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'n2' } });
    assert.equal(again.code, 409, 'a pod binds once');
    const d = await call('DELETE', '/api/v1/namespaces/default/pods/bound');
    assert.equal(d.code, 202);
    const g = await call('GET', '/api/v1/namespaces/default/pods/bound');
    assert.equal(meta(g).deletionGracePeriodSeconds, 30);
    const d0 = await call('DELETE', '/api/v1/namespaces/default/pods/bound', { gracePeriodSeconds: 0 });
    assert.equal(d0.code, 200, d0.body);
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/bound')).code, 404);
  });

  test('list with limit and continue is consistent across writes', async () => {
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging' } });
    for (let i = 0; i < 7; i++) await call('POST', '/api/v1/namespaces/paging/configmaps', cm(`p${i}`));
    const p1 = await call('GET', '/api/v1/namespaces/paging/configmaps?limit=3');
    const items1 = (p1.json.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name);
    assert.deepEqual(items1, ['p0', 'p1', 'p2']);
    const lm = p1.json.metadata as { continue: string; remainingItemCount: number; resourceVersion: string };
    assert.equal(lm.remainingItemCount, 4);
    await call('POST', '/api/v1/namespaces/paging/configmaps', cm('p3a'));
    const p2 = await call('GET', `/api/v1/namespaces/paging/configmaps?limit=3&continue=${encodeURIComponent(lm.continue)}`);
    assert.equal(p2.code, 200, p2.body);
    const items2 = (p2.json.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name);
    assert.deepEqual(items2, ['p3', 'p4', 'p5'], 'the page is served at the first page\'s revision (p3a absent)');
    assert.equal((p2.json.metadata as { resourceVersion: string }).resourceVersion, lm.resourceVersion);
    const bad = await call('GET', '/api/v1/namespaces/paging/configmaps?limit=3&continue=garbage');
    assert.equal(bad.code, 400);
  });

  test('watch: label-selector transitions become ADDED/DELETED; early versions replay; malformed ones are 400', async () => {
    const c = await call('POST', '/api/v1/namespaces/default/configmaps', cm('w1', { labels: { sel: 'no' } }));
    const rv = String(meta(c).resourceVersion);
    await call('PATCH', '/api/v1/namespaces/default/configmaps/w1', { metadata: { labels: { sel: 'yes' } } }, { 'Content-Type': 'application/merge-patch+json' });
    await call('PATCH', '/api/v1/namespaces/default/configmaps/w1', { data: { b: '2' } }, { 'Content-Type': 'application/merge-patch+json' });
    await call('PATCH', '/api/v1/namespaces/default/configmaps/w1', { metadata: { labels: { sel: 'no' } } }, { 'Content-Type': 'application/merge-patch+json' });
    const w = await call('GET', `/api/v1/namespaces/default/configmaps?watch=true&labelSelector=sel%3Dyes&resourceVersion=${rv}&timeoutSeconds=1`);
    const types = w.body.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
    assert.deepEqual(types, ['ADDED', 'MODIFIED', 'DELETED']);
    const old = await call('GET', '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1&timeoutSeconds=1');
    // revision 1 is still in the history on a fresh server; a version the store never had is rejected
    assert.equal(old.code, 200);
    const bad = await call('GET', '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=abc');
    assert.equal(bad.code, 400);
  });

  test('field selectors: supported labels filter, unsupported ones are a 400', async () => {
    const r = await call('GET', '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Docc');
    assert.deepEqual((r.json.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name), ['occ']);
    const bad = await call('GET', '/api/v1/namespaces/default/configmaps?fieldSelector=spec.nodeName%3Dx');
    assert.equal(bad.code, 400);
    assert.equal(bad.json.message, 'field label not supported: spec.nodeName');
    const pods = await call('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1');
    assert.equal(pods.code, 200);
  });

  test('services get cluster IPs and node ports, released on delete', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np' }, spec: { type: 'NodePort', selector: { a: 'b' }, ports: [{ port: 80 }] } };
    const c = await call('POST', '/api/v1/namespaces/default/services', svc);
    assert.equal(c.code, 201, c.body);
    const spec = c.json.spec as { clusterIP: string; ports: Array<{ nodePort: number; targetPort: number }> };
    assert.match(spec.clusterIP, /^10\.43\.\d+\.\d+$/);
    assert.ok(spec.ports[0]!.nodePort >= 30000 && spec.ports[0]!.nodePort <= 32767);
    assert.equal(spec.ports[0]!.targetPort, 80);
    const dup = await call('POST', '/api/v1/namespaces/default/services', { ...svc, metadata: { name: 'np2' }, spec: { ...svc.spec, clusterIP: spec.clusterIP } });
    assert.equal(dup.code, 422, 'an allocated IP cannot be taken twice');
    await call('DELETE', '/api/v1/namespaces/default/services/np');
    const again = await call('POST', '/api/v1/namespaces/default/services', { ...svc, metadata: { name: 'np3' }, spec: { ...svc.spec, clusterIP: spec.clusterIP, ports: [{ port: 80, nodePort: spec.ports[0]!.nodePort }] } });
    assert.equal(again.code, 201, `released IP and port are reusable: ${again.body}`);
  });

  test('priority admission: a named class sets priority and preemption policy; an unknown class is refused', async () => {
    await call('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' });
    const pod = (name: string, cls?: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...(cls ? { priorityClassName: cls } : {}), containers: [{ name: 'c', image: 'x' }] } });
    const hi = await call('POST', '/api/v1/namespaces/default/pods', pod('prio-high', 'high'));
    assert.equal(hi.code, 201, hi.body);
    const spec = hi.json.spec as { priority: number; preemptionPolicy: string };
    assert.equal(spec.priority, 1000);
    assert.equal(spec.preemptionPolicy, 'Never');
    const none = await call('POST', '/api/v1/namespaces/default/pods', pod('prio-none'));
    assert.equal((none.json.spec as { priority: number }).priority, 0);
    const bad = await call('POST', '/api/v1/namespaces/default/pods', pod('prio-bad', 'nope'));
    assert.equal(bad.code, 403);
    assert.equal(bad.json.message, 'pods "prio-bad" is forbidden: no PriorityClass with name nope was found');
    const mismatch = { ...pod('prio-mismatch', 'high'), spec: { ...pod('x', 'high').spec, preemptionPolicy: 'PreemptLowerPriority' } };
    const mm = await call('POST', '/api/v1/namespaces/default/pods', mismatch);
    assert.equal(mm.code, 403, mm.body);
    assert.equal(mm.json.message, 'pods "prio-mismatch" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name');
    const same = await call('POST', '/api/v1/namespaces/default/pods', { ...pod('prio-same', 'high'), spec: { ...pod('x', 'high').spec, preemptionPolicy: 'Never' } });
    assert.equal(same.code, 201, same.body);
  });

  test('storage admission: a claim without a class gets the default class; claims and volumes carry protection finalizers from creation', async () => {
    const sc = (name: string, isDefault: boolean) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name, annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} }, provisioner: 'example.com/x' });
    assert.equal((await call('POST', '/apis/storage.k8s.io/v1/storageclasses', sc('plain', false))).code, 201);
    const claim = (name: string, cls?: string | null) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { ...(cls !== undefined ? { storageClassName: cls } : {}), accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    const before = await call('POST', '/api/v1/namespaces/default/persistentvolumeclaims', claim('no-default-yet'));
    assert.equal(before.code, 201, before.body);
    assert.equal((before.json.spec as { storageClassName?: string }).storageClassName, undefined, 'no default class exists: the field stays unset');
    assert.deepEqual((before.json.metadata as { finalizers?: string[] }).finalizers, ['kubernetes.io/pvc-protection']);
    assert.equal((await call('POST', '/apis/storage.k8s.io/v1/storageclasses', sc('fast', true))).code, 201);
    const cases: Array<{ name: string; cls: string | null | undefined; want: string | undefined }> = [
      { name: 'unset', cls: undefined, want: 'fast' },
      { name: 'explicit-empty', cls: '', want: '' },
      { name: 'named', cls: 'plain', want: 'plain' },
    ];
    for (const c of cases) {
      const r = await call('POST', '/api/v1/namespaces/default/persistentvolumeclaims', claim(`pvc-${c.name}`, c.cls));
      assert.equal(r.code, 201, r.body);
      assert.equal((r.json.spec as { storageClassName?: string }).storageClassName, c.want, `${c.name}: storageClassName`);
    }
    const pv = await call('POST', '/api/v1/persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-adm' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/pv-adm' } } });
    assert.equal(pv.code, 201, pv.body);
    assert.deepEqual((pv.json.metadata as { finalizers?: string[] }).finalizers, ['kubernetes.io/pv-protection']);
  });

  test('namespaces: creating in a missing namespace is 404', async () => {
    const r = await call('POST', '/api/v1/namespaces/nope/configmaps', cm('x'));
    assert.equal(r.code, 404);
    assert.equal(r.json.message, 'namespaces "nope" not found');
  });

  test('discovery: legacy and aggregated', async () => {
    const legacy = await call('GET', '/api');
    assert.equal(legacy.json.kind, 'APIVersions');
    const agg = await call('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    assert.equal(agg.json.kind, 'APIGroupDiscoveryList');
    const gv = await call('GET', '/apis/apps/v1');
    assert.ok((gv.json.resources as Array<{ name: string }>).some((r) => r.name === 'deployments/scale'));
    const v = await call('GET', '/version', undefined, { Authorization: '' });
    assert.equal(v.json.minor, '32');
  });

  test('metrics are Prometheus text with request counts', async () => {
    const m = await call('GET', '/metrics');
    assert.match(m.body, /^apiserver_request_total\{verb="LIST",resource="configmaps",code="200"\} \d+$/m);
    assert.match(m.body, /apiserver_request_duration_seconds_bucket\{verb="CREATE",resource="configmaps",le="0\.001"\} \d+/);
    assert.match(m.body, /berth_store_request_duration_seconds_count\{operation="create",type="configmaps"\} [1-9]\d*/, 'store latency by operation and resource');
  });
});
