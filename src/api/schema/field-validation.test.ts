import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFields, decodeErrorMessage, strictDecodingMessage } from './field-validation';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const DEPLOY = { group: 'apps', version: 'v1', kind: 'Deployment' };

function pod(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec };
}

describe('checkFields', () => {
  const cases: Array<{ name: string; gvk?: typeof POD; obj: unknown; unknown?: string[]; errors?: Array<{ path: string; message: string }> }> = [
    { name: 'valid pod', obj: pod({ containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] }) },
    {
      name: 'typo in a container field',
      obj: pod({ containers: [{ name: 'c', image: 'i', imagePullPolicyy: 'Always' }] }),
      unknown: ['spec.containers[0].imagePullPolicyy'],
    },
    { name: 'unknown top-level and metadata fields', obj: { apiVersion: 'v1', kind: 'Pod', metadata: { nam: 'x' }, extra: 1 }, unknown: ['metadata.nam', 'extra'] },
    { name: 'inlined volume source fields are known', obj: pod({ containers: [], volumes: [{ name: 'v', configMap: { name: 'cm' }, emptyDir: {} }] }) },
    { name: 'map values of structs are not field-checked by key', obj: pod({ containers: [], nodeSelector: { anything: 'x' } }) },
    { name: 'null is accepted anywhere', obj: pod({ containers: null, volumes: [{ name: 'v', configMap: null }] }) },
    {
      name: 'string where a list is expected',
      obj: pod({ containers: 'nginx' }),
      errors: [{ path: 'spec.containers', message: 'json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container' }],
    },
    {
      name: 'string where int32 is expected',
      gvk: DEPLOY,
      obj: { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: '3' } },
      errors: [{ path: 'spec.replicas', message: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32' }],
    },
    {
      name: 'fraction where an integer is expected',
      obj: pod({ containers: [{ name: 'c', ports: [{ containerPort: 80.5 }] }] }),
      errors: [{ path: 'spec.containers[0].ports[0].containerPort', message: 'json: cannot unmarshal number 80.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32' }],
    },
    {
      name: 'int32 overflow',
      obj: pod({ containers: [{ name: 'c', ports: [{ containerPort: 3000000000 }] }] }),
      errors: [{ path: 'spec.containers[0].ports[0].containerPort', message: 'json: cannot unmarshal number 3000000000 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32' }],
    },
    {
      name: 'number where a string map value is expected',
      obj: { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { a: 1 } } },
      errors: [{ path: 'metadata.labels.a', message: 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string' }],
    },
    {
      name: 'object where a bool is expected',
      obj: pod({ containers: [], hostNetwork: {} }),
      errors: [{ path: 'spec.hostNetwork', message: 'json: cannot unmarshal object into Go struct field PodSpec.spec.hostNetwork of type bool' }],
    },
    { name: 'int-or-string accepts both', obj: pod({ containers: [{ name: 'c', livenessProbe: { httpGet: { port: 'http' } }, readinessProbe: { httpGet: { port: 8080 } } }] }) },
    { name: 'quantity accepts string and number', obj: pod({ containers: [{ name: 'c', resources: { limits: { cpu: '500m', memory: 1024 } } }] }) },
    {
      name: 'quantity rejects bool',
      obj: pod({ containers: [{ name: 'c', resources: { limits: { cpu: true } } }] }),
      errors: [{ path: 'spec.containers[0].resources.limits.cpu', message: 'json: cannot unmarshal bool into Go struct field ResourceRequirements.spec.containers.resources.limits of type resource.Quantity' }],
    },
    {
      name: 'bad time',
      obj: { apiVersion: 'v1', kind: 'Pod', metadata: { creationTimestamp: 'yesterday' } },
      errors: [{ path: 'metadata.creationTimestamp', message: 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as RFC 3339' }],
    },
    {
      name: 'bad base64 in secret data',
      gvk: { group: '', version: 'v1', kind: 'Secret' },
      obj: { apiVersion: 'v1', kind: 'Secret', data: { k: 'not base64!' } },
      errors: [{ path: 'data.k', message: 'illegal base64 data at input byte 3' }],
    },
    { name: 'free-form RawExtension', gvk: { group: 'apps', version: 'v1', kind: 'ControllerRevision' }, obj: { apiVersion: 'apps/v1', kind: 'ControllerRevision', data: { anything: [1, { x: 2 }] }, revision: 1 } },
    { name: 'unknown kinds are not checked', gvk: { group: 'example.com', version: 'v1', kind: 'Widget' }, obj: { spec: { whatever: 1 } } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = checkFields(c.gvk ?? POD, c.obj);
      assert.deepEqual(r.unknown, c.unknown ?? [], `unknown: got ${JSON.stringify(r.unknown)}, want ${JSON.stringify(c.unknown ?? [])}`);
      assert.deepEqual(r.typeErrors, c.errors ?? [], `typeErrors: got ${JSON.stringify(r.typeErrors)}, want ${JSON.stringify(c.errors ?? [])}`);
    });
  }

  it('reports duplicate keys when given the raw JSON', () => {
    const text = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b"},"spec":{"containers":[]}}';
    const r = checkFields(POD, JSON.parse(text), { rawJson: text });
    assert.deepEqual(r.duplicate, ['metadata.name'], `duplicate: got ${JSON.stringify(r.duplicate)}`);
    assert.equal(checkFields(POD, JSON.parse(text)).duplicate, undefined, 'duplicate without rawJson: want undefined');
  });

  it('formats undecodable bodies like upstream', () => {
    const r = checkFields(DEPLOY, { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 'two' } });
    const first = r.typeErrors[0];
    assert.ok(first, 'want a type error');
    const want = 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32';
    assert.equal(decodeErrorMessage(DEPLOY, first), want);
  });

  it('formats strict decoding errors like upstream', () => {
    const got = strictDecodingMessage(['spec.containers[0].imagePullPolicyy', 'spec.x']);
    const want = 'strict decoding error: unknown field "spec.containers[0].imagePullPolicyy", unknown field "spec.x"';
    assert.equal(got, want, `got ${got}, want ${want}`);
  });
});
