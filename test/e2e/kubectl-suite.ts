// The API server driven by the real kubectl, as a user would: one suite, run on each datastore.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBerth, readKubeconfigToken, type BerthProcess } from '../support/server';
import { eventually, kubectlFor, type Kubectl } from './kubectl-helpers';

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: hello
  labels:
    app: hello
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: ["sh", "-c", "echo hello; sleep 3600"]
`;

const DEPLOY = (replicas: number, image = 'busybox:1.36') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${image}
        command: ["sleep", "3600"]
`;

/** A raw HTTPS request with the admin token (for error paths kubectl would pre-validate). */
export function raw(b: BerthProcess, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ code: number; body: string; json: () => Record<string, unknown> }> {
  const token = readKubeconfigToken(b.kubeconfigPath);
  const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(readFileSync(b.kubeconfigPath, 'utf8'))![1]!, 'base64');
  const u = new URL(path, b.url);
  return new Promise((resolve, reject) => {
    const req = request(u, { method, ca, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ code: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) as Record<string, unknown> });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

export function kubectlSuite(name: string, serverArgs: () => Promise<string[]>, teardown: () => Promise<void> = async () => undefined): void {
  describe(`kubectl against berth (${name})`, () => {
    let b: BerthProcess;
    let k: Kubectl;
    let dir: string;

    before(async () => {
      b = await startBerth({ args: [...(await serverArgs()), '--disable-agent'] });
      dir = b.dir;
      k = kubectlFor(b.kubeconfigPath);
    });
    after(async () => {
      if (b) await b.stop();
      await teardown();
    });

    test('version reports the server as v1.32', async () => {
      const out = JSON.parse(await k.ok(['version', '-o', 'json'])) as { serverVersion: { minor: string; gitVersion: string } };
      assert.equal(out.serverVersion.minor, '32');
      assert.match(out.serverVersion.gitVersion, /^v1\.32\./);
    });

    test('create, get in every form, describe', async () => {
      writeFileSync(join(dir, 'pod.yaml'), POD);
      assert.match(await k.ok(['create', '-f', join(dir, 'pod.yaml')]), /pod\/hello created/);
      const table = await k.ok(['get', 'pods']);
      assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/m, `table header: ${table}`);
      assert.match(table, /^hello\s+0\/1\s+Pending\s+0\s+/m, `table row: ${table}`);
      const yaml = await k.ok(['get', 'pod', 'hello', '-o', 'yaml']);
      assert.match(yaml, /restartPolicy: Always/, 'defaults applied');
      assert.match(yaml, /uid: [0-9a-f-]{36}/);
      const json = JSON.parse(await k.ok(['get', 'pod', 'hello', '-o', 'json'])) as { metadata: { resourceVersion: string }; status: { phase: string; qosClass: string } };
      assert.equal(json.status.phase, 'Pending');
      assert.equal(json.status.qosClass, 'BestEffort');
      assert.equal(await k.ok(['get', 'pod', 'hello', '-o', 'jsonpath={.spec.containers[0].image}']), 'busybox:1.36');
      const desc = await k.ok(['describe', 'pod', 'hello']);
      assert.match(desc, /^Name:\s+hello$/m);
      assert.match(desc, /QoS Class:\s+BestEffort/);
      const again = await k(['create', '-f', join(dir, 'pod.yaml')]);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /pods "hello" already exists/);
    });

    test('label, annotate and the three patch types', async () => {
      await k.ok(['label', 'pod', 'hello', 'tier=fe']);
      await k.ok(['annotate', 'pod', 'hello', 'note=x']);
      await k.ok(['patch', 'pod', 'hello', '--type=merge', '-p', '{"metadata":{"labels":{"m":"1"}}}']);
      await k.ok(['patch', 'pod', 'hello', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/j","value":"2"}]']);
      await k.ok(['patch', 'pod', 'hello', '--type=strategic', '-p', '{"metadata":{"labels":{"s":"3"}}}']);
      const labels = JSON.parse(await k.ok(['get', 'pod', 'hello', '-o', 'jsonpath={.metadata.labels}'])) as Record<string, string>;
      assert.deepEqual(labels, { app: 'hello', tier: 'fe', m: '1', j: '2', s: '3' });
      assert.equal(await k.ok(['get', 'pod', 'hello', '-o', 'jsonpath={.metadata.annotations.note}']), 'x');
      assert.equal((await k.ok(['get', 'pods', '-l', 'tier=fe', '-o', 'name'])).trim(), 'pod/hello');
      const bad = await k(['patch', 'pod', 'hello', '--type=json', '-p', '[{"op":"test","path":"/metadata/name","value":"nope"}]']);
      assert.notEqual(bad.code, 0, 'a failing json-patch test op is refused');
    });

    test('apply client-side twice, scale, set env, rollout history of generations', async () => {
      writeFileSync(join(dir, 'deploy.yaml'), DEPLOY(3));
      assert.match(await k.ok(['apply', '-f', join(dir, 'deploy.yaml')]), /deployment.apps\/web created/);
      assert.match(await k.ok(['apply', '-f', join(dir, 'deploy.yaml')]), /deployment.apps\/web unchanged/);
      writeFileSync(join(dir, 'deploy.yaml'), DEPLOY(3, 'busybox:1.37'));
      assert.match(await k.ok(['apply', '-f', join(dir, 'deploy.yaml')]), /deployment.apps\/web configured/);
      assert.equal(await k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}']), 'busybox:1.37 2');
      await k.ok(['scale', 'deployment/web', '--replicas=5']);
      assert.equal(await k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '5');
      await k.ok(['set', 'env', 'deployment/web', 'VERSION=2']);
      assert.equal(await k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].env[0].value}']), '2');
      const table = await k.ok(['get', 'deploy']);
      assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/m);
    });

    test('server-side apply, with conflicts and force', async () => {
      const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "${v}"\n`;
      writeFileSync(join(dir, 'cm.yaml'), cm('1'));
      assert.match(await k.ok(['apply', '--server-side', '-f', join(dir, 'cm.yaml')]), /serverside-applied/);
      const mf = JSON.parse(await k.ok(['get', 'cm', 'ssa', '-o', 'json', '--show-managed-fields'])) as { metadata: { managedFields: Array<{ manager: string; operation: string }> } };
      assert.ok(mf.metadata.managedFields.some((m) => m.manager === 'kubectl' && m.operation === 'Apply'), `Apply entry for kubectl: ${JSON.stringify(mf.metadata.managedFields)}`);
      writeFileSync(join(dir, 'cm.yaml'), cm('2'));
      const conflict = await k(['apply', '--server-side', '--field-manager=other', '-f', join(dir, 'cm.yaml')]);
      assert.notEqual(conflict.code, 0, 'a second manager changing an owned field conflicts');
      assert.match(conflict.stderr, /conflict/i);
      await k.ok(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', join(dir, 'cm.yaml')]);
      assert.equal(await k.ok(['get', 'cm', 'ssa', '-o', 'jsonpath={.data.a}']), '2');
    });

    test('create namespace and configmap (protobuf bodies), auth can-i, api-resources, explain', async () => {
      await k.ok(['create', 'namespace', 'team-a']);
      await k.ok(['create', 'configmap', 'cm1', '--from-literal=k=v', '-n', 'team-a']);
      assert.equal(await k.ok(['get', 'cm', 'cm1', '-n', 'team-a', '-o', 'jsonpath={.data.k}']), 'v');
      await k.ok(['create', 'deployment', 'd2', '--image=nginx:1.27']);
      assert.equal((await k.ok(['auth', 'can-i', 'create', 'deployments'])).trim(), 'yes');
      const ar = await k.ok(['api-resources']);
      for (const r of ['pods', 'deployments', 'horizontalpodautoscalers', 'leases', 'endpointslices', 'priorityclasses']) assert.match(ar, new RegExp(`^${r}\\s`, 'm'), `api-resources lists ${r}`);
      const ex = await k.ok(['explain', 'deployment.spec.replicas']);
      assert.match(ex, /FIELD:\s+replicas <integer>/);
      assert.match((await k.ok(['get', 'ns'])), /^team-a\s+Active/m);
    });

    test('edit-equivalent update (get, change, replace) and a stale update', async () => {
      const obj = JSON.parse(await k.ok(['get', 'cm', 'ssa', '-o', 'json'])) as { data: Record<string, string>; metadata: { resourceVersion: string } };
      obj.data.b = 'new';
      writeFileSync(join(dir, 'cm.json'), JSON.stringify(obj));
      await k.ok(['replace', '-f', join(dir, 'cm.json')]);
      assert.equal(await k.ok(['get', 'cm', 'ssa', '-o', 'jsonpath={.data.b}']), 'new');
      // the same (now stale) resourceVersion again: 409 Conflict
      const stale = await k(['replace', '-f', join(dir, 'cm.json')]);
      assert.notEqual(stale.code, 0);
      assert.match(stale.stderr, /the object has been modified; please apply your changes to the latest version and try again/);
    });

    test('get -w streams changes as table rows', async () => {
      const w = k.spawn(['get', 'pods', '-w']);
      try {
        await eventually('the initial row', () => /hello/.test(w.output()));
        await k.ok(['label', 'pod', 'hello', 'watched=yes']);
        await eventually('a second row after the change', () => (w.output().match(/^hello\s/gm) ?? []).length >= 2);
      } finally {
        w.proc.kill();
      }
    });

    test('delete with each propagation policy', async () => {
      for (const [n, cascade] of [['o', 'orphan'], ['f', 'foreground'], ['bg', 'background']] as const) {
        await k.ok(['create', 'configmap', `del-${n}`, '--from-literal=a=b']);
        const r = await k(['delete', 'configmap', `del-${n}`, `--cascade=${cascade}`, '--wait=false']);
        assert.equal(r.code, 0, `delete --cascade=${cascade}: ${r.stderr}`);
      }
      // Background deletes at once; orphan and foreground go through their finalizer, which the garbage
      // collector (running in this server) removes since there are no dependents: every object ends up gone.
      for (const n of ['o', 'f', 'bg']) {
        await eventually(`configmap del-${n} to be gone`, async () => (await k(['get', 'configmap', `del-${n}`])).code !== 0);
      }
      await k.ok(['delete', 'pod', 'hello', '--wait=true', '--timeout=20s']);
      assert.match((await k(['get', 'pod', 'hello'])).stderr, /pods "hello" not found/);
    });

    test('error paths: 422 with causes, 400 malformed, 413 huge, 404 unknown', async () => {
      const bad = await k(['create', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers: []\n' });
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /is invalid/);
      const inv = await raw(b, 'POST', '/api/v1/namespaces/default/pods', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' }, spec: { containers: [] } }));
      assert.equal(inv.code, 422);
      const causes = (inv.json().details as { causes: Array<{ field: string }> }).causes.map((c) => c.field);
      assert.deepEqual(causes.sort(), ['metadata.name', 'spec.containers']);
      const malformed = await raw(b, 'POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion": "v1", kind');
      assert.equal(malformed.code, 400);
      assert.equal(malformed.json().reason, 'BadRequest');
      const badYaml = await raw(b, 'POST', '/api/v1/namespaces/default/configmaps', 'a: [b', { 'Content-Type': 'application/yaml' });
      assert.equal(badYaml.code, 400);
      const huge = await raw(b, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { x: 'a'.repeat(4 * 1024 * 1024) } }));
      assert.equal(huge.code, 413);
      const unknown = await raw(b, 'GET', '/api/v1/namespaces/default/widgets');
      assert.equal(unknown.code, 404);
      const unknownK = await k(['get', 'widgets']);
      assert.match(unknownK.stderr, /the server doesn't have a resource type "widgets"/);
      const anon = await new Promise<number>((resolve, reject) => {
        const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(readFileSync(b.kubeconfigPath, 'utf8'))![1]!, 'base64');
        request(new URL('/api/v1/pods', b.url), { ca }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject).end();
      });
      assert.equal(anon, 401, 'anonymous requests are refused');
    });

    test('a watch resumes across a server restart', async () => {
      const list = (await raw(b, 'GET', '/api/v1/namespaces/default/configmaps')).json() as { metadata: { resourceVersion: string } };
      const rv = list.metadata.resourceVersion;
      await k.ok(['create', 'configmap', 'before-restart', '--from-literal=a=b']);
      const code = await b.stop();
      assert.equal(code, 0, `clean shutdown on SIGTERM: ${b.output().slice(-500)}`);
      b = await startBerth({ dir, args: [...(await serverArgs()), '--disable-agent'] });
      await k.ok(['create', 'configmap', 'after-restart', '--from-literal=a=b']);
      const w = await raw(b, 'GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&timeoutSeconds=2`);
      assert.equal(w.code, 200);
      const events = w.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
      const names = events.map((e) => `${e.type}:${e.object.metadata.name}`);
      assert.ok(names.includes('ADDED:before-restart') && names.includes('ADDED:after-restart'), `events since ${rv}: ${names.join(' ')}`);
    });
  });
}
