import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info';

test('request paths parse like upstream RequestInfo', () => {
  const cases: Array<{ name: string; method: string; path: string; q?: string; want: Record<string, unknown> }> = [
    { name: 'list pods', method: 'GET', path: '/api/v1/namespaces/default/pods', want: { verb: 'list', group: '', version: 'v1', namespace: 'default', resource: 'pods', name: '' } },
    { name: 'all namespaces', method: 'GET', path: '/api/v1/pods', want: { verb: 'list', namespace: '', resource: 'pods' } },
    { name: 'get deployment', method: 'GET', path: '/apis/apps/v1/namespaces/ns/deployments/web', want: { verb: 'get', group: 'apps', resource: 'deployments', name: 'web' } },
    { name: 'watch', method: 'GET', path: '/api/v1/namespaces/default/pods', q: 'watch=true', want: { verb: 'watch' } },
    { name: 'status subresource', method: 'PUT', path: '/api/v1/namespaces/x/pods/p/status', want: { verb: 'update', subresource: 'status', name: 'p' } },
    { name: 'namespace itself', method: 'GET', path: '/api/v1/namespaces/kube-system', want: { verb: 'get', resource: 'namespaces', name: 'kube-system', namespace: '' } },
    { name: 'namespace finalize', method: 'PUT', path: '/api/v1/namespaces/team/finalize', want: { verb: 'update', resource: 'namespaces', name: 'team', subresource: 'finalize' } },
    { name: 'exec is connect', method: 'GET', path: '/api/v1/namespaces/d/pods/p/exec', want: { verb: 'connect', subresource: 'exec' } },
    { name: 'delete collection', method: 'DELETE', path: '/api/v1/namespaces/d/pods', want: { verb: 'deletecollection' } },
    { name: 'cluster scoped', method: 'PATCH', path: '/api/v1/nodes/n1/status', want: { verb: 'patch', resource: 'nodes', name: 'n1', subresource: 'status', namespace: '' } },
  ];
  for (const c of cases) {
    const ri = parseRequestInfo(c.method, c.path, new URLSearchParams(c.q ?? ''));
    assert.ok(ri.isResource, `${c.name}: want a resource request`);
    for (const [k, v] of Object.entries(c.want)) {
      assert.equal((ri as unknown as Record<string, unknown>)[k], v, `${c.name}: ${k}: got ${String((ri as unknown as Record<string, unknown>)[k])}, want ${String(v)}`);
    }
  }
  for (const p of ['/version', '/healthz', '/openapi/v3/apis/apps/v1', '/apis', '/api']) {
    assert.equal(parseRequestInfo('GET', p, new URLSearchParams()).isResource, false, `${p} is not a resource path`);
  }
});
