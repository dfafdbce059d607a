// Runs the real kubectl (when installed) against a minimal HTTP server that serves discovery and our OpenAPI
// v3 documents, and checks that `kubectl explain` finds kinds, fields and descriptions through them.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { groupVersion, groupVersions, RESOURCES } from '../resources';
import { decodeProtobufObject } from '../protobuf/decode';
import { checkFields } from './field-validation';
import { openapiForPath, openapiRoot } from './openapi';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
// A missing kubectl is a failure, never a silent skip.
if (!KUBECTL) throw new Error('kubectl is not installed: run `bash scripts/setup-system.sh` (as root) to install the test dependencies');

function resourceList(group: string, version: string): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      shortNames: r.shortNames.length > 0 ? r.shortNames : undefined,
    })),
  };
}

interface Seen {
  method: string;
  url: string;
  contentType: string;
  body: string;
}

/** A deployment the fake server returns for GET, as if created earlier by `kubectl apply` of LAST_APPLIED. */
const LAST_APPLIED = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'side', image: 'busybox' }] } },
  },
};
const STORED = { ...LAST_APPLIED, metadata: { ...LAST_APPLIED.metadata, uid: 'u1', resourceVersion: '5', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(LAST_APPLIED) } } };

function discoveryServer(seen: Seen[]): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('latin1') });
      route(url, req.method ?? 'GET', Buffer.concat(chunks), req.headers['content-type'] ?? '', res);
    });
  });
}

/** Discovery, OpenAPI, and one deployment collection/item for the create and apply cases. */
function route(url: URL, method: string, body: Buffer, contentType: string, res: ServerResponse): void {
  const send = (code: number, value: unknown): void => {
    const b = Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value));
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': b.length });
    res.end(b);
  };
  const p = url.pathname;
  if (p === '/version') return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' });
  if (p === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  if (p === '/apis') {
    const groups = new Map<string, string[]>();
    for (const gv of groupVersions()) if (gv.group !== '') groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv.version]);
    return send(200, {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => ({
        name,
        versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${name}/${versions[0] ?? ''}`, version: versions[0] },
      })),
    });
  }
  if (p === '/api/v1') return send(200, resourceList('', 'v1'));
  const m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
  if (m?.[1] && m[2]) return send(200, resourceList(m[1], m[2]));
  if (p === '/openapi/v3') return send(200, openapiRoot());
  if (p.startsWith('/openapi/v3/')) {
    const doc = openapiForPath(p.slice('/openapi/v3/'.length));
    if (doc) return send(200, doc.body);
  }
  if (method === 'POST' && /^\/api(s\/[^/]+)?\/v1\//.test(p)) {
    // kubectl's typed clients send protobuf; answer with the decoded object as JSON (what the API server does).
    const decoded = contentType.startsWith(PROTOBUF) ? decodeProtobufObject(body).object : (JSON.parse(body.toString()) as Record<string, unknown>);
    if (decoded.kind === 'SelfSubjectAccessReview') return send(201, { ...decoded, status: { allowed: true } });
    if (decoded.kind === 'TokenRequest') return send(201, { ...decoded, status: { token: 'tok', expirationTimestamp: '2030-01-01T00:00:00Z' } });
    return send(201, decoded);
  }
  if (p === '/apis/apps/v1/namespaces/default/deployments/web' && (method === 'GET' || method === 'PATCH')) return send(200, STORED);
  send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
}

function kubectl(server: string, cache: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      KUBECTL ?? 'kubectl',
      ['--server', server, ...args],
      { env: { ...process.env, KUBECACHEDIR: cache, KUBECONFIG: '/dev/null', HOME: cache }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

describe('kubectl explain against our OpenAPI v3 documents', {}, () => {
  let server: Server;
  let url = '';
  let cache = '';
  const seen: Seen[] = [];
  before(async () => {
    cache = mkdtempSync(join(tmpdir(), 'berth-kubectl-'));
    server = discoveryServer(seen);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    rmSync(cache, { recursive: true, force: true });
  });

  const cases = [
    { name: 'a scalar field of a deployment', args: ['explain', 'deployment.spec.replicas'], want: ['KIND:       Deployment', 'FIELD: replicas <integer>', 'Number of desired pods'] },
    { name: 'a list of structs in a pod', args: ['explain', 'pods.spec.containers'], want: ['FIELD: containers <[]Container>', 'imagePullPolicy\t<string>', 'name\t<string> -required-'] },
    { name: 'an inlined volume source', args: ['explain', 'pod.spec.volumes.configMap.name'], want: ['FIELD: name <string>'] },
    { name: 'a core kind at the top', args: ['explain', 'configmap'], want: ['KIND:       ConfigMap', 'VERSION:    v1', 'binaryData\t<map[string]string>'] },
    { name: 'a kind of a named group', args: ['explain', 'ingress.spec.rules.http.paths.backend.service.port'], want: ['GROUP:      networking.k8s.io', 'number\t<integer>'] },
    { name: 'recursive explain of a pod', args: ['explain', 'pod', '--recursive'], want: ['readinessProbe\t<Probe>', 'tcpSocket\t<TCPSocketAction>'] },
    { name: 'a cluster-scoped rbac kind', args: ['explain', 'clusterrolebinding.subjects'], want: ['GROUP:      rbac.authorization.k8s.io', 'FIELD: subjects <[]Subject>'] },
    { name: 'int-or-string fields', args: ['explain', 'deployment.spec.strategy.rollingUpdate.maxSurge'], want: ['FIELD: maxSurge <IntOrString>'] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { code, out } = await kubectl(url, cache, c.args);
      assert.equal(code, 0, `kubectl ${c.args.join(' ')}: exit ${code}, want 0; output:\n${out}`);
      for (const w of c.want) assert.ok(out.includes(w), `kubectl ${c.args.join(' ')}: output lacks ${JSON.stringify(w)}; got:\n${out}`);
    });
  }

  it('create -f: kubectl sees fieldValidation support and sends Strict instead of validating itself', async () => {
    const file = join(cache, 'deploy.json');
    writeFileSync(file, JSON.stringify({ ...LAST_APPLIED, metadata: { name: 'new' } }));
    seen.length = 0;
    const { code, out } = await kubectl(url, cache, ['create', '-f', file]);
    assert.equal(code, 0, `exit ${code}, want 0; output:\n${out}`);
    const post = seen.find((r) => r.method === 'POST');
    assert.ok(post?.url.includes('fieldValidation=Strict'), `POST: got ${post?.url ?? 'none'}, want fieldValidation=Strict`);
  });

  it('apply -f: the strategic merge patch is computed from our OpenAPI v3 (no v2 fallback)', async () => {
    const file = join(cache, 'apply.json');
    const changed = structuredClone(LAST_APPLIED);
    changed.spec.template.spec.containers = [{ name: 'nginx', image: 'nginx:1.26' }, { name: 'side', image: 'busybox' }];
    writeFileSync(file, JSON.stringify(changed));
    seen.length = 0;
    const { code, out } = await kubectl(url, cache, ['apply', '-f', file]);
    assert.equal(code, 0, `exit ${code}, want 0; output:\n${out}`);
    const patch = seen.find((r) => r.method === 'PATCH');
    assert.ok(patch, `no PATCH sent; requests: ${seen.map((r) => `${r.method} ${r.url}`).join(', ')}`);
    assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
    assert.ok(patch.body.includes('"$setElementOrder/containers"'), `patch lacks merge-key ordering: ${patch.body}`);
    assert.ok(!seen.some((r) => r.url.startsWith('/openapi/v2')), `kubectl fell back to /openapi/v2: ${seen.map((r) => r.url).join(', ')}`);
  });

  const protobufCases = [
    {
      name: 'create namespace',
      args: ['create', 'namespace', 'team-a'],
      want: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'team-a' }, spec: {}, status: {} },
    },
    {
      name: 'create configmap',
      args: ['create', 'configmap', 'cfg', '--from-literal=k=v', '-n', 'default'],
      want: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cfg', namespace: 'default' }, data: { k: 'v' } },
    },
  ];
  for (const c of protobufCases) {
    it(`${c.name}: kubectl's protobuf body decodes to the object`, async () => {
      seen.length = 0;
      const { code, out } = await kubectl(url, cache, c.args);
      assert.equal(code, 0, `exit ${code}, want 0; output:\n${out}`);
      const post = seen.find((r) => r.method === 'POST');
      assert.ok(post?.contentType.startsWith(PROTOBUF), `POST content type: got ${String(post?.contentType)}, want protobuf`);
      assert.ok(post);
      const got = decodeProtobufObject(Buffer.from(post.body, 'latin1')).object;
      assert.deepStrictEqual(got, c.want, `decoded: got ${JSON.stringify(got)}`);
    });
  }

  it('create deployment: replicas, selector, template and container survive protobuf', async () => {
    seen.length = 0;
    const { code, out } = await kubectl(url, cache, ['create', 'deployment', 'web', '--image=nginx:1.26', '--replicas=0', '--port=80', '-n', 'default']);
    assert.equal(code, 0, `exit ${code}, want 0; output:\n${out}`);
    const post = seen.find((r) => r.method === 'POST');
    assert.ok(post?.contentType.startsWith(PROTOBUF), `POST content type: got ${String(post?.contentType)}, want protobuf`);
    assert.ok(post);
    const got = decodeProtobufObject(Buffer.from(post.body, 'latin1')).object as { spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(got.spec.replicas, 0, `replicas: got ${JSON.stringify(got.spec.replicas)}, want 0`);
    assert.deepStrictEqual(got.spec.selector, { matchLabels: { app: 'web' } });
    // What `kubectl create deployment ... -o json` prints for the same command (Go's JSON of the object).
    assert.deepStrictEqual(got.spec.template, {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80 }], resources: {} }] },
    });
    assert.deepStrictEqual(got.spec.strategy, {});
  });

  const moreCreates = [
    { args: ['create', 'secret', 'generic', 's1', '--from-literal=password=hunter2'], path: 'data', want: { password: Buffer.from('hunter2').toString('base64') } },
    { args: ['create', 'service', 'clusterip', 'svc1', '--tcp=80:8080'], path: 'spec', want: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'svc1' }, type: 'ClusterIP' } },
    { args: ['create', 'job', 'j1', '--image=busybox', '--', 'echo', 'hi'], path: 'status', want: {} },
    { args: ['create', 'cronjob', 'cj1', '--image=busybox', '--schedule=*/5 * * * *'], path: 'kind', want: 'CronJob' },
    { args: ['create', 'role', 'r1', '--verb=get', '--resource=pods'], path: 'rules', want: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] },
    { args: ['create', 'serviceaccount', 'sa1'], path: 'metadata', want: { name: 'sa1', namespace: 'default' } },
    { args: ['create', 'priorityclass', 'pc1', '--value=100'], path: 'globalDefault', want: undefined },
    { args: ['create', 'poddisruptionbudget', 'pdb1', '--selector=app=x', '--min-available=1'], path: 'spec', want: { minAvailable: 1, selector: { matchLabels: { app: 'x' } } } },
    { args: ['create', 'token', 'sa1', '--duration=1h'], path: 'spec', want: { expirationSeconds: 3600 } },
  ];
  for (const c of moreCreates) {
    it(`kubectl ${c.args.slice(0, 3).join(' ')}: protobuf body decodes and passes field validation`, async () => {
      seen.length = 0;
      const { code, out } = await kubectl(url, cache, [...c.args.slice(0, c.args.indexOf('--') < 0 ? undefined : c.args.indexOf('--')), '-n', 'default', ...(c.args.includes('--') ? c.args.slice(c.args.indexOf('--')) : [])]);
      assert.equal(code, 0, `exit ${code}, want 0; output:\n${out}`);
      const post = seen.find((r) => r.method === 'POST');
      assert.ok(post?.contentType.startsWith(PROTOBUF), `POST content type: got ${String(post?.contentType)}, want protobuf`);
      assert.ok(post);
      const d = decodeProtobufObject(Buffer.from(post.body, 'latin1'));
      const [group, version] = d.apiVersion.includes('/') ? d.apiVersion.split('/') : ['', d.apiVersion];
      const r = checkFields({ group: group ?? '', version: version ?? '', kind: d.kind }, d.object);
      assert.deepEqual([...r.unknown, ...r.typeErrors.map((e) => e.message)], [], `field check of ${JSON.stringify(d.object)}`);
      assert.deepStrictEqual(d.object[c.path], c.want, `${c.path}: got ${JSON.stringify(d.object[c.path])}`);
    });
  }

  it('auth can-i: SelfSubjectAccessReview arrives as protobuf and decodes', async () => {
    seen.length = 0;
    const { code, out } = await kubectl(url, cache, ['auth', 'can-i', 'create', 'deployments', '-n', 'default']);
    assert.equal(code, 0, `exit ${code}, want 0; output:\n${out}`);
    assert.match(out, /yes/);
    const post = seen.find((r) => r.method === 'POST');
    const got = decodeProtobufObject(Buffer.from(post?.body ?? '', 'latin1')).object;
    assert.deepStrictEqual(got.spec, { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } });
  });

  it('fails for an unknown field', async () => {
    const { code, out } = await kubectl(url, cache, ['explain', 'deployment.spec.replicaz']);
    assert.notEqual(code, 0, `exit code: got 0, want non-zero; output:\n${out}`);
    assert.ok(out.includes('replicaz'), `output should name the field; got:\n${out}`);
  });
});
