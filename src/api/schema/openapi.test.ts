import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupVersions, RESOURCES } from '../resources';
import { openapiForPath, openapiGroupVersion, openapiPath, openapiRoot } from './openapi';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function doc(group: string, version: string): Json {
  const d = openapiGroupVersion(group, version);
  assert.ok(d, `no document for ${group}/${version}`);
  return JSON.parse(d.body.toString('utf8')) as Json;
}

describe('openapiRoot', () => {
  const root = openapiRoot() as { paths: Record<string, { serverRelativeURL: string }> };
  it('lists every served group-version with a hashed URL', () => {
    for (const gv of groupVersions()) {
      const p = openapiPath(gv.group, gv.version);
      const entry = root.paths[p];
      assert.ok(entry, `root lacks ${p}`);
      const hash = openapiGroupVersion(gv.group, gv.version)?.hash ?? '';
      assert.equal(entry.serverRelativeURL, `/openapi/v3/${p}?hash=${hash}`);
      assert.match(hash, /^[0-9A-F]{128}$/);
    }
  });
  it('resolves document paths', () => {
    assert.equal(openapiForPath('apis/apps/v1'), openapiGroupVersion('apps', 'v1'));
    assert.equal(openapiForPath('/api/v1'), openapiGroupVersion('', 'v1'));
    assert.equal(openapiForPath('apis/nope/v1'), undefined);
  });
  it('is stable: a second build has the same hash', () => {
    assert.equal(openapiGroupVersion('apps', 'v1')?.hash, openapiGroupVersion('apps', 'v1')?.hash);
  });
});

describe('openapiGroupVersion documents', () => {
  for (const gv of groupVersions()) {
    const name = openapiPath(gv.group, gv.version);
    it(`${name}: every $ref resolves, every kind has paths with its GVK and fieldValidation`, () => {
      const d = doc(gv.group, gv.version);
      assert.equal(d.openapi, '3.0.0');
      const schemas = d.components.schemas as Json;
      const dangling: string[] = [];
      JSON.stringify(d, (k, v: unknown) => {
        if (k === '$ref' && typeof v === 'string' && !schemas[v.replace('#/components/schemas/', '')]) dangling.push(v);
        return v;
      });
      assert.deepEqual(dangling, [], `dangling refs: ${dangling.join(', ')}`);
      for (const r of RESOURCES.filter((x) => x.group === gv.group && x.version === gv.version)) {
        const withGvk = Object.values(schemas).filter((s: Json) =>
          (s['x-kubernetes-group-version-kind'] as Json[] | undefined)?.some((g) => g.group === r.group && g.version === r.version && g.kind === r.kind),
        );
        assert.equal(withGvk.length, 1, `${r.kind}: schemas with its GVK: got ${withGvk.length}, want 1`);
        const ops = Object.values(d.paths as Json).flatMap((p: Json) => Object.values(p).filter((o: Json) => o?.['x-kubernetes-action']));
        const mine = ops.filter((o: Json) => o['x-kubernetes-group-version-kind']?.kind === r.kind);
        assert.ok(mine.length > 0, `${r.kind}: no operations`);
        if (r.verbs.includes('patch')) {
          const patch = mine.find((o: Json) => o['x-kubernetes-action'] === 'patch');
          assert.ok(patch?.parameters.some((p: Json) => p.name === 'fieldValidation'), `${r.kind}: patch lacks fieldValidation`);
        }
      }
    });
  }

  it('apps/v1 Deployment has upstream-shaped paths and schemas', () => {
    const d = doc('apps', 'v1');
    const item = d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'] as Json;
    assert.deepEqual(Object.keys(item).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
    assert.equal(item.get.operationId, 'readAppsV1NamespacedDeployment');
    assert.equal(item.patch['x-kubernetes-action'], 'patch');
    assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.ok('application/strategic-merge-patch+json' in item.patch.requestBody.content);
    const coll = d.paths['/apis/apps/v1/namespaces/{namespace}/deployments'] as Json;
    assert.deepEqual(
      (coll.post.parameters as Json[]).map((p) => p.name),
      ['dryRun', 'fieldManager', 'fieldValidation'],
    );
    assert.ok(d.paths['/apis/apps/v1/deployments'].get, 'no list for all namespaces');
    assert.ok(d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].put, 'no scale subresource');

    const s = d.components.schemas as Json;
    const spec = s['io.k8s.api.apps.v1.DeploymentSpec'];
    assert.deepEqual(spec.properties.replicas, { description: spec.properties.replicas.description, format: 'int32', type: 'integer' });
    assert.deepEqual(spec.required, ['selector', 'template']);
    assert.deepEqual(spec.properties.template.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec' }]);
    const containers = s['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.equal(containers['x-kubernetes-list-type'], 'map');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(s['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].format, 'date-time');
    assert.equal(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']['x-kubernetes-int-or-string'], true);
    assert.equal(s['io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector']['x-kubernetes-map-type'], 'atomic', '+structType=atomic');
    assert.equal(s['io.k8s.api.core.v1.PodSpec'].properties.nodeSelector['x-kubernetes-map-type'], 'atomic', '+mapType=atomic');
    assert.ok(s['io.k8s.api.core.v1.Volume'].properties.configMap, 'Volume lacks the inlined configMap');
    assert.deepEqual(s['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.ok(s['io.k8s.api.autoscaling.v1.Scale'], 'Scale schema missing');
  });

  it('serves nothing for an unknown group-version', () => {
    assert.equal(openapiGroupVersion('example.com', 'v1'), undefined);
  });
});
