import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { applyStrategicMergePatch } from './strategic-merge-patch';
import { PatchError } from './errors';
import type { Obj } from './json-value';
import { deployment, mergeItem, pod } from './testing-schemas';

interface Fixture {
  name: string;
  original: Obj;
  patch: Obj;
  result: Obj;
}

const fixtures = parse(readFileSync(new URL('./testdata/smp-upstream.yaml', import.meta.url), 'utf8')) as Fixture[];

for (const f of fixtures) {
  test(`applyStrategicMergePatch (upstream): ${f.name}`, () => {
    const before = JSON.stringify(f.original);
    const patchBefore = JSON.stringify(f.patch);
    const got = applyStrategicMergePatch(f.original, f.patch, mergeItem());
    assert.deepEqual(got, f.result, `got ${JSON.stringify(got)}, want ${JSON.stringify(f.result)}`);
    assert.equal(JSON.stringify(f.original), before, 'target was mutated');
    assert.equal(JSON.stringify(f.patch), patchBefore, 'patch was mutated');
  });
}

const liveDeploy = (): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":1}' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.25',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
            terminationMessagePath: '/dev/termination-log',
          },
          { name: 'sidecar', image: 'busybox' },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
        tolerations: [{ key: 'a', operator: 'Exists' }],
        restartPolicy: 'Always',
      },
    },
  },
});

type Edit = (d: Obj) => void;
const at = (d: Obj, ...path: (string | number)[]): Obj => path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], d) as Obj;

const k8sCases: { name: string; patch: Obj; edit: Edit }[] = [
  {
    name: 'kubectl apply body: image change with $setElementOrder/containers and last-applied annotation',
    patch: {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":1}' } },
      spec: { template: { spec: { $setElementOrder: undefined, '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ image: 'nginx:1.26', name: 'nginx' }] } } },
    },
    edit: (d) => {
      at(d, 'metadata', 'annotations')['kubectl.kubernetes.io/last-applied-configuration'] = '{"new":1}';
      at(d, 'spec', 'template', 'spec', 'containers', 0).image = 'nginx:1.26';
    },
  },
  {
    name: 'kubectl apply body: container removed by $patch delete, order from $setElementOrder',
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ $patch: 'delete', name: 'sidecar' }] } } } },
    edit: (d) => {
      const c = at(d, 'spec', 'template', 'spec').containers as unknown[];
      c.splice(1, 1);
    },
  },
  {
    name: 'new container without order directive is put first (as upstream does)',
    patch: { spec: { template: { spec: { containers: [{ name: 'new', image: 'redis' }] } } } },
    edit: (d) => {
      (at(d, 'spec', 'template', 'spec').containers as unknown[]).unshift({ name: 'new', image: 'redis' });
    },
  },
  {
    name: 'env merged by name, new var placed by $setElementOrder',
    patch: {
      spec: { template: { spec: { containers: [{ name: 'nginx', '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }, { name: 'B' }], env: [{ name: 'C', value: '3' }] }] } } },
    },
    edit: (d) => {
      at(d, 'spec', 'template', 'spec', 'containers', 0).env = [{ name: 'A', value: '1' }, { name: 'C', value: '3' }, { name: 'B', value: '2' }];
    },
  },
  {
    name: 'env var deleted with $patch delete',
    patch: { spec: { template: { spec: { containers: [{ name: 'nginx', env: [{ name: 'A', $patch: 'delete' }] }] } } } },
    edit: (d) => {
      at(d, 'spec', 'template', 'spec', 'containers', 0).env = [{ name: 'B', value: '2' }];
    },
  },
  {
    name: 'ports merged by containerPort',
    patch: { spec: { template: { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } } } },
    edit: (d) => {
      at(d, 'spec', 'template', 'spec', 'containers', 0).ports = [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }];
    },
  },
  {
    name: 'tolerations (atomic) are replaced',
    patch: { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } } },
    edit: (d) => {
      at(d, 'spec', 'template', 'spec').tolerations = [{ key: 'b', operator: 'Exists' }];
    },
  },
  {
    name: 'volume source switched with $retainKeys',
    patch: { spec: { template: { spec: { volumes: [{ name: 'data', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv' } }] } } } },
    edit: (d) => {
      at(d, 'spec', 'template', 'spec').volumes = [{ name: 'data', hostPath: { path: '/srv' } }];
    },
  },
  {
    name: 'strategy switched to Recreate with $retainKeys and null rollingUpdate',
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
    edit: (d) => {
      at(d, 'spec').strategy = { type: 'Recreate' };
    },
  },
  {
    name: 'label removed with null, label added',
    patch: { metadata: { labels: { app: null, tier: 'fe' } } },
    edit: (d) => {
      at(d, 'metadata').labels = { tier: 'fe' };
    },
  },
  {
    name: 'containers replaced with $patch replace item',
    patch: { spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } } } },
    edit: (d) => {
      at(d, 'spec', 'template', 'spec').containers = [{ name: 'only', image: 'x' }];
    },
  },
  {
    name: 'template spec replaced with $patch replace on the map',
    patch: { spec: { template: { spec: { $patch: 'replace', containers: [{ name: 'c', image: 'i' }] } } } },
    edit: (d) => {
      at(d, 'spec', 'template').spec = { containers: [{ name: 'c', image: 'i' }] };
    },
  },
  {
    name: 'scale-like patch of replicas',
    patch: { spec: { replicas: 5 } },
    edit: (d) => {
      at(d, 'spec').replicas = 5;
    },
  },
  {
    name: 'nulls inside a new subtree are dropped',
    patch: { spec: { template: { spec: { securityContext: { runAsUser: 1000, runAsNonRoot: null } } } } },
    edit: (d) => {
      at(d, 'spec', 'template', 'spec').securityContext = { runAsUser: 1000 };
    },
  },
  {
    name: 'unknown $ directive keys are dropped',
    patch: { spec: { $unknown: 1, replicas: 3 } },
    edit: (d) => {
      at(d, 'spec').replicas = 3;
    },
  },
];

for (const c of k8sCases) {
  test(`applyStrategicMergePatch (deployment): ${c.name}`, () => {
    const live = liveDeploy();
    const patch = JSON.parse(JSON.stringify(c.patch)) as Obj;
    const got = applyStrategicMergePatch(live, patch, deployment);
    const want = liveDeploy();
    c.edit(want);
    assert.deepEqual(got, want, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    assert.deepEqual(live, liveDeploy(), 'target was mutated');
  });
}

test('applyStrategicMergePatch: finalizers (merge set of primitives) union and $deleteFromPrimitiveList', () => {
  const live: Obj = { metadata: { name: 'p', finalizers: ['a', 'b'] } };
  const added = applyStrategicMergePatch(live, { metadata: { finalizers: ['c'] } }, pod);
  // Without $setElementOrder new items come first, as upstream's ordering does.
  assert.deepEqual((added.metadata as Obj).finalizers, ['c', 'a', 'b']);
  const removed = applyStrategicMergePatch(live, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, pod);
  assert.deepEqual((removed.metadata as Obj).finalizers, ['b']);
});

test('applyStrategicMergePatch without a schema behaves like a merge patch plus map directives', () => {
  const live: Obj = { spec: { list: [{ name: 'a' }, { name: 'b' }], m: { x: 1, y: 2 } } };
  const got = applyStrategicMergePatch(live, { spec: { list: [{ name: 'c' }], m: { x: null, z: 3 } } }, undefined);
  assert.deepEqual(got, { spec: { list: [{ name: 'c' }], m: { y: 2, z: 3 } } });
  const replaced = applyStrategicMergePatch(live, { spec: { m: { $patch: 'replace', q: 1 } } }, undefined);
  assert.deepEqual(replaced, { spec: { list: [{ name: 'a' }, { name: 'b' }], m: { q: 1 } } });
});

const errors: { name: string; patch: unknown; code: number; message: RegExp }[] = [
  { name: 'body is a list', patch: [], code: 400, message: /cannot unmarshal array/ },
  { name: 'unknown $patch value on a map', patch: { spec: { $patch: 'frob' } }, code: 400, message: /unknown patch type: frob/ },
  { name: 'merge list item without merge key', patch: { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, code: 400, message: /does not contain declared merge key: name/ },
  { name: '$patch merge in a list', patch: { spec: { template: { spec: { containers: [{ $patch: 'merge' }] } } } }, code: 400, message: /merging lists cannot yet be specified/ },
  { name: '$retainKeys not a list', patch: { spec: { strategy: { $retainKeys: 'type' } } }, code: 400, message: /retainKeys/ },
  { name: 'patch key missing from $retainKeys', patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } }, code: 400, message: /retainKeys/ },
  { name: '$setElementOrder not a list', patch: { spec: { template: { spec: { '$setElementOrder/containers': 'x' } } } }, code: 400, message: /expected a \[\]interface/ },
  {
    name: '$setElementOrder does not match the patch list',
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }], containers: [{ name: 'nginx', image: 'y' }] } } } },
    code: 400,
    message: /doesn't match \$setElementOrder list/,
  },
  { name: 'list of lists', patch: { spec: { template: { spec: { containers: [[1]] } } } }, code: 422, message: /lists of lists/ },
];

for (const c of errors) {
  test(`applyStrategicMergePatch rejects: ${c.name}`, () => {
    assert.throws(
      () => applyStrategicMergePatch(liveDeploy(), c.patch, deployment),
      (e: unknown) => {
        assert.ok(e instanceof PatchError, `got ${String(e)}, want a PatchError`);
        assert.equal(e.code, c.code, `got ${e.code} ${e.message}`);
        assert.match(e.message, c.message);
        return true;
      },
    );
  });
}

test('applyStrategicMergePatch result never shares root or metadata with the target', () => {
  const live = liveDeploy();
  const got = applyStrategicMergePatch(live, { spec: { replicas: 1 } }, deployment);
  assert.notEqual(got.metadata, live.metadata);
  assert.equal((got.spec as Obj).template, (live.spec as Obj).template, 'untouched subtrees are shared');
});
