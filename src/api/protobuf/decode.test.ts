import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIXTURES_DIR, fixtureFiles, HAVE_FIXTURES } from '../schema/test-fixtures';
import { decodeProtobufObject, PROTOBUF_MAGIC, ProtobufDecodeError } from './decode';
import { loadProtoRoot } from './proto-root';

/** Builds a body the way client-go does: magic + runtime.Unknown{typeMeta, raw}. */
function envelope(apiVersion: string, kind: string, typeName: string, value: Record<string, unknown>): Buffer {
  const root = loadProtoRoot();
  const t = root.lookupType(typeName);
  const raw = t.encode(t.fromObject(value)).finish();
  const u = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const body = u.encode(u.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish();
  return Buffer.concat([PROTOBUF_MAGIC, body]);
}

describe('decodeProtobufObject: upstream fixtures decode to their JSON twins', { skip: HAVE_FIXTURES ? false : 'no ../shared fixtures' }, () => {
  const files = fixtureFiles('pb');
  it('has fixtures to check', () => assert.ok(files.length >= 60, `got ${files.length} .pb fixtures, want >= 60`));
  for (const file of files) {
    it(file, () => {
      const want = JSON.parse(readFileSync(join(FIXTURES_DIR, file.replace(/\.pb$/, '.json')), 'utf8')) as unknown;
      // WatchEvent's fixture has an empty typeMeta: the endpoint's kind applies.
      const got = decodeProtobufObject(readFileSync(join(FIXTURES_DIR, file)), { apiVersion: 'v1', kind: 'WatchEvent' });
      assert.deepStrictEqual(got.object, want, `${file}: decoded object differs from the JSON fixture`);
    });
  }
});

describe('decodeProtobufObject: what kubectl sends', () => {
  it('create namespace: zero values dropped, empty structs kept, zero time omitted', () => {
    const body = envelope('v1', 'Namespace', 'k8s.io.api.core.v1.Namespace', {
      metadata: { name: 'ns1', generateName: '', namespace: '', creationTimestamp: { seconds: 0, nanos: 0 } },
      spec: {},
      status: { phase: '' },
    });
    const got = decodeProtobufObject(body);
    const want = { apiVersion: 'v1', kind: 'Namespace', object: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'ns1' }, spec: {}, status: {} } };
    assert.deepStrictEqual(got, want, `got ${JSON.stringify(got)}`);
  });

  it('create deployment: replicas 0 kept, int-or-string, quantity, int64', () => {
    const body = envelope('apps/v1', 'Deployment', 'k8s.io.api.apps.v1.Deployment', {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        strategy: { rollingUpdate: { maxSurge: { type: 1, strVal: '25%' }, maxUnavailable: { type: 0, intVal: 1 } } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'nginx', image: 'nginx', resources: { limits: { cpu: { string: '500m' } } } }],
            activeDeadlineSeconds: 30,
          },
        },
      },
    });
    const got = decodeProtobufObject(body).object;
    const spec = got.spec as Record<string, unknown>;
    assert.equal(spec.replicas, 0, `replicas: got ${String(spec.replicas)}, want 0`);
    assert.deepStrictEqual(spec.strategy, { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } });
    const podSpec = (spec.template as { spec: Record<string, unknown> }).spec;
    assert.deepStrictEqual(podSpec.containers, [{ name: 'nginx', image: 'nginx', resources: { limits: { cpu: '500m' } } }]);
    assert.equal(podSpec.activeDeadlineSeconds, 30, `int64: got ${JSON.stringify(podSpec.activeDeadlineSeconds)}, want 30`);
  });

  it('auth can-i: SelfSubjectAccessReview', () => {
    const body = envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', 'k8s.io.api.authorization.v1.SelfSubjectAccessReview', {
      metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } },
      status: { allowed: false },
    });
    const got = decodeProtobufObject(body).object;
    const want = {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } },
      status: {}, // zero values in *Status messages are dropped (the server computes status)
    };
    assert.deepStrictEqual(got, want, `got ${JSON.stringify(got)}`);
  });
});

describe('decodeProtobufObject: bad input', () => {
  const cases = [
    { name: 'no magic', body: Buffer.from('{"kind":"Pod"}'), want: /expected prefix/ },
    { name: 'too short', body: Buffer.from([0x6b, 0x38]), want: /expected prefix/ },
    { name: 'unknown kind', body: envelope('v1', 'Widget', 'k8s.io.api.core.v1.Namespace', {}), want: /no kind "Widget"/ },
    { name: 'garbage after magic', body: Buffer.concat([PROTOBUF_MAGIC, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])]), want: /cannot decode/ },
    { name: 'missing typeMeta', body: Buffer.concat([PROTOBUF_MAGIC, Buffer.from([])]), want: /lacks apiVersion or kind/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => decodeProtobufObject(c.body), (e: unknown) => e instanceof ProtobufDecodeError && c.want.test(e.message), `want ProtobufDecodeError matching ${String(c.want)}`);
    });
  }
});
