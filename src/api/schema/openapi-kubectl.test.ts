// Runs the real kubectl (when installed) against a minimal HTTP server that serves discovery and our OpenAPI
// v3 documents, and checks that `kubectl explain` finds kinds, fields and descriptions through them.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { groupVersion, groupVersions, RESOURCES } from '../resources';
import { openapiForPath, openapiRoot } from './openapi';

const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));

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

function discoveryServer(): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (code: number, body: unknown): void => {
      const b = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
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
    send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
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

describe('kubectl explain against our OpenAPI v3 documents', { skip: KUBECTL ? false : 'kubectl not installed' }, () => {
  let server: Server;
  let url = '';
  let cache = '';
  before(async () => {
    cache = mkdtempSync(join(tmpdir(), 'berth-kubectl-'));
    server = discoveryServer();
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
    { name: 'int-or-string fields', args: ['explain', 'deployment.spec.strategy.rollingUpdate.maxSurge'], want: ['FIELD: maxSurge <IntOrString>'] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { code, out } = await kubectl(url, cache, c.args);
      assert.equal(code, 0, `kubectl ${c.args.join(' ')}: exit ${code}, want 0; output:\n${out}`);
      for (const w of c.want) assert.ok(out.includes(w), `kubectl ${c.args.join(' ')}: output lacks ${JSON.stringify(w)}; got:\n${out}`);
    });
  }

  it('fails for an unknown field', async () => {
    const { code, out } = await kubectl(url, cache, ['explain', 'deployment.spec.replicaz']);
    assert.notEqual(code, 0, `exit code: got 0, want non-zero; output:\n${out}`);
    assert.ok(out.includes('replicaz'), `output should name the field; got:\n${out}`);
  });
});
