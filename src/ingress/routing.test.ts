import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndexer } from '../client';
import { createBackendResolver, sliceIndexers } from './backends';
import { buildRoutingTable, isOurs, matchRoute } from './routing';
import type { EndpointSlice, Ingress, Service } from './types';

const be = (name: string, port: number | string = 80) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });

function ing(name: string, created: string, spec: Ingress['spec']): Ingress {
  return { metadata: { namespace: 'default', name, creationTimestamp: created }, spec };
}

test('matchRoute: hosts, Exact/Prefix precedence, element-wise prefixes, default backend', () => {
  const table = buildRoutingTable([
    ing('a', '2025-01-01T00:00:00Z', {
      rules: [
        { host: 'foo.example', http: { paths: [
          { path: '/', pathType: 'Prefix', backend: be('foo-root') },
          { path: '/api', pathType: 'Prefix', backend: be('foo-api') },
          { path: '/api/v2/', pathType: 'Prefix', backend: be('foo-api2') },
          { path: '/api/exact', pathType: 'Exact', backend: be('foo-exact') },
          { path: '/legacy', pathType: 'ImplementationSpecific', backend: be('foo-legacy') },
        ] } },
        { host: '*.wild.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('wild') }] } },
        { http: { paths: [{ path: '/any', pathType: 'Prefix', backend: be('any') }] } },
      ],
    }),
    ing('b', '2025-01-02T00:00:00Z', {
      defaultBackend: be('default-b'),
      rules: [
        { host: 'bar.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('bar') }] } },
        // Conflicts with the older Ingress a: a keeps it.
        { host: 'foo.example', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: be('steal') }] } },
      ],
    }),
  ]);
  const cases: Array<{ name: string; host: string; path: string; want: string | undefined }> = [
    { name: 'exact host, root prefix', host: 'foo.example', path: '/index.html', want: 'foo-root' },
    { name: 'host header with port', host: 'FOO.example:8080', path: '/', want: 'foo-root' },
    { name: 'prefix element match', host: 'foo.example', path: '/api/users', want: 'foo-api' },
    { name: 'prefix exact element', host: 'foo.example', path: '/api', want: 'foo-api' },
    { name: 'prefix trailing slash on request', host: 'foo.example', path: '/api/', want: 'foo-api' },
    { name: 'not a path element prefix', host: 'foo.example', path: '/apiary', want: 'foo-root' },
    { name: 'longest prefix wins', host: 'foo.example', path: '/api/v2/things', want: 'foo-api2' },
    { name: 'rule trailing slash ignored', host: 'foo.example', path: '/api/v2', want: 'foo-api2' },
    { name: 'Exact beats Prefix', host: 'foo.example', path: '/api/exact', want: 'foo-exact' },
    { name: 'Exact does not match longer paths', host: 'foo.example', path: '/api/exact/more', want: 'foo-api' },
    { name: 'query string ignored', host: 'foo.example', path: '/api/exact?x=1', want: 'foo-exact' },
    { name: 'ImplementationSpecific is Prefix', host: 'foo.example', path: '/legacy/x', want: 'foo-legacy' },
    { name: 'second host', host: 'bar.example', path: '/x', want: 'bar' },
    { name: 'wildcard one label', host: 'a.wild.example', path: '/', want: 'wild' },
    { name: 'wildcard not two labels', host: 'a.b.wild.example', path: '/', want: 'default-b' },
    { name: 'hostless rule', host: 'other.example', path: '/any/thing', want: 'any' },
    { name: 'default backend', host: 'other.example', path: '/nothing', want: 'default-b' },
  ];
  for (const c of cases) {
    const got = matchRoute(table, c.host, c.path)?.backend.service;
    assert.equal(got, c.want, `${c.name}: ${c.host}${c.path} got ${got}, want ${c.want}`);
  }
  const none = buildRoutingTable([ing('c', '2025-01-01T00:00:00Z', { rules: [{ host: 'x.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('x') }] } }] })]);
  assert.equal(matchRoute(none, 'y.example', '/'), undefined, 'no match and no default backend → undefined (404)');
});

test('isOurs by class name, legacy annotation and default class', () => {
  const cases: Array<{ name: string; i: Ingress; isDefault: boolean; want: boolean }> = [
    { name: 'our class', i: { spec: { ingressClassName: 'berth' } }, isDefault: false, want: true },
    { name: 'other class', i: { spec: { ingressClassName: 'nginx' } }, isDefault: true, want: false },
    { name: 'legacy annotation', i: { metadata: { annotations: { 'kubernetes.io/ingress.class': 'berth' } }, spec: {} }, isDefault: false, want: true },
    { name: 'legacy other', i: { metadata: { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }, spec: {} }, isDefault: true, want: false },
    { name: 'no class, we are default', i: { spec: {} }, isDefault: true, want: true },
    { name: 'no class, not default', i: { spec: {} }, isDefault: false, want: false },
  ];
  for (const c of cases) assert.equal(isOurs(c.i, { className: 'berth', isDefault: c.isDefault }), c.want, c.name);
});

test('backend resolver: port by number or name, ready endpoints, round robin, reasons', () => {
  const services = createIndexer<Service>();
  const slices = createIndexer<EndpointSlice>(sliceIndexers);
  services.upsert({ metadata: { namespace: 'default', name: 'web' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'admin', port: 81 }] } });
  services.upsert({ metadata: { namespace: 'default', name: 'empty' }, spec: { ports: [{ name: 'http', port: 80 }] } });
  slices.upsert({
    metadata: { namespace: 'default', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
    endpoints: [{ addresses: ['127.0.0.2'] }, { addresses: ['127.0.0.3'], conditions: { ready: true } }, { addresses: ['127.0.0.4'], conditions: { ready: false } }],
    ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 9090 }],
  });
  const r = createBackendResolver({ services, slices });
  const picks = [0, 1, 2, 3].map(() => {
    const p = r.pick({ namespace: 'default', service: 'web', port: 80 });
    return p.ok ? `${p.target.host}:${p.target.port}` : p.reason;
  });
  assert.deepEqual(picks, ['127.0.0.2:8080', '127.0.0.3:8080', '127.0.0.2:8080', '127.0.0.3:8080'], `round robin got ${picks}`);
  const admin = r.pick({ namespace: 'default', service: 'web', port: 'admin' });
  assert.ok(admin.ok && admin.target.port === 9090, `named port got ${JSON.stringify(admin)}`);
  const cases = [
    { name: 'no such service', b: { namespace: 'default', service: 'nope', port: 80 }, want: 'no-service' },
    { name: 'no such port', b: { namespace: 'default', service: 'web', port: 82 }, want: 'no-port' },
    { name: 'no endpoints', b: { namespace: 'default', service: 'empty', port: 80 }, want: 'no-endpoints' },
  ];
  for (const c of cases) {
    const got = r.pick(c.b);
    assert.equal(got.ok ? 'ok' : got.reason, c.want, c.name);
  }
  slices.upsert({ metadata: { namespace: 'default', name: 'empty-1', labels: { 'kubernetes.io/service-name': 'empty' } }, endpoints: [{ addresses: ['127.0.0.9'] }], ports: [{ name: 'http', port: 7000 }] });
  assert.equal(r.pick({ namespace: 'default', service: 'empty', port: 80 }).ok, false, 'memoised until invalidated');
  r.invalidate();
  assert.equal(r.pick({ namespace: 'default', service: 'empty', port: 80 }).ok, true, 'fresh after invalidate');
});
