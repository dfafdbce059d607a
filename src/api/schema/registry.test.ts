import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSchemaRegistry } from './registry';
import type { SchemaNode } from './types';

function at(root: SchemaNode | undefined, path: string): SchemaNode | undefined {
  let n = root;
  for (const seg of path.split('.')) {
    if (!n) return undefined;
    n = seg === '[]' ? n.items : n.field(seg);
  }
  return n;
}

describe('schema registry', () => {
  const reg = getSchemaRegistry();
  const pod = reg.root({ group: '', version: 'v1', kind: 'Pod' });

  const kinds = [
    { name: 'core Pod', gvk: { group: '', version: 'v1', kind: 'Pod' }, want: 'io.k8s.api.core.v1.Pod' },
    { name: 'apps Deployment', gvk: { group: 'apps', version: 'v1', kind: 'Deployment' }, want: 'io.k8s.api.apps.v1.Deployment' },
    { name: 'networking Ingress', gvk: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' }, want: 'io.k8s.api.networking.v1.Ingress' },
    { name: 'rbac ClusterRole', gvk: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole' }, want: 'io.k8s.api.rbac.v1.ClusterRole' },
    { name: 'authorization SSAR', gvk: { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview' }, want: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview' },
    { name: 'metav1 Status in core', gvk: { group: '', version: 'v1', kind: 'Status' }, want: 'io.k8s.apimachinery.pkg.apis.meta.v1.Status' },
    { name: 'metav1 DeleteOptions in apps', gvk: { group: 'apps', version: 'v1', kind: 'DeleteOptions' }, want: 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions' },
    { name: 'autoscaling Scale', gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, want: 'io.k8s.api.autoscaling.v1.Scale' },
    { name: 'APIService (hand-written)', gvk: { group: 'apiregistration.k8s.io', version: 'v1', kind: 'APIService' }, want: 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService' },
    { name: 'unknown kind', gvk: { group: 'example.com', version: 'v1', kind: 'Widget' }, want: undefined },
  ];
  for (const c of kinds) {
    it(`root: ${c.name}`, () => {
      assert.equal(reg.root(c.gvk)?.typeName, c.want, `typeName: got ${String(reg.root(c.gvk)?.typeName)}, want ${String(c.want)}`);
    });
  }

  const paths: Array<{ name: string; path: string; want: Partial<Record<keyof SchemaNode, unknown>> }> = [
    { name: 'containers: list map by name, merge patch', path: 'spec.containers', want: { kind: 'array', listType: 'map', patchMergeKey: 'name', patchStrategy: 'merge' } },
    { name: 'container element', path: 'spec.containers.[]', want: { kind: 'object', typeName: 'io.k8s.api.core.v1.Container' } },
    { name: 'ports composite list-map keys', path: 'spec.containers.[].ports', want: { kind: 'array', listType: 'map' } },
    { name: 'volumes retainKeys', path: 'spec.volumes', want: { patchStrategy: 'merge,retainKeys' } },
    { name: 'inlined volume source', path: 'spec.volumes.[].configMap.name', want: { kind: 'string' } },
    { name: 'inlined probe handler', path: 'spec.containers.[].livenessProbe.httpGet.port', want: { kind: 'intOrString' } },
    { name: 'labels map', path: 'metadata.labels', want: { kind: 'map' } },
    { name: 'creationTimestamp is time', path: 'metadata.creationTimestamp', want: { kind: 'time' } },
    { name: 'resources limits quantity', path: 'spec.containers.[].resources.limits.[]', want: { kind: 'quantity' } },
    { name: 'nodeSelector atomic map', path: 'spec.nodeSelector', want: { kind: 'map', mapType: 'atomic' } },
    { name: 'int64 field', path: 'spec.activeDeadlineSeconds', want: { kind: 'integer' } },
    { name: 'managedFields fieldsV1 is any', path: 'metadata.managedFields.[].fieldsV1', want: { kind: 'any' } },
    { name: 'unknown field', path: 'spec.containerz', want: {} },
  ];
  for (const c of paths) {
    it(`field: ${c.name}`, () => {
      const n = at(pod, c.path);
      if (Object.keys(c.want).length === 0) return assert.equal(n, undefined, `${c.path}: got a node, want undefined`);
      assert.ok(n, `${c.path}: got undefined, want a node`);
      for (const [k, v] of Object.entries(c.want)) {
        assert.deepEqual((n as unknown as Record<string, unknown>)[k], v, `${c.path}.${k}: got ${JSON.stringify((n as unknown as Record<string, unknown>)[k])}, want ${JSON.stringify(v)}`);
      }
    });
  }

  it('ports carry both list-map keys in order', () => {
    assert.deepEqual(at(pod, 'spec.containers.[].ports')?.listMapKeys, ['containerPort', 'protocol']);
  });
  const required: Array<[string, string[]]> = [
    ['io.k8s.api.core.v1.Container', ['name']],
    ['io.k8s.api.core.v1.PodSpec', ['containers']],
    ['io.k8s.api.core.v1.Volume', ['name']],
    ['io.k8s.api.core.v1.ContainerPort', ['containerPort']],
    ['io.k8s.api.apps.v1.DeploymentSpec', ['selector', 'template']],
    ['io.k8s.api.apps.v1.StatefulSetSpec', ['selector', 'template']],
    ['io.k8s.api.core.v1.PodStatus', []],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement', ['key', 'operator']],
  ];
  for (const [type, want] of required) {
    it(`required fields of ${type} match upstream's OpenAPI`, () => {
      const got = reg.type(type)?.required;
      assert.deepEqual(got, want, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    });
  }
  it('descriptions drop marker lines', () => {
    const d = at(pod, 'spec.containers')?.description ?? '';
    assert.ok(d.startsWith('List of containers belonging to the pod.'), `got ${d}`);
    assert.ok(!d.includes('+patchMergeKey'), `description keeps markers: ${d}`);
  });
  it('kinds have apiVersion and kind, nested structs do not', () => {
    assert.ok(pod?.field('apiVersion') && pod.field('kind'), 'Pod lacks apiVersion/kind');
    assert.equal(at(pod, 'spec.kind'), undefined, 'PodSpec has kind');
  });
});
