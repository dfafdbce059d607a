// The patch package against the real generated schemas (src/api/schema), not the hand-built test trees.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getSchemaRegistry } from '../../api/schema';
import { applyStrategicMergePatch, serverSideApply, updateManagedFields, PatchError } from './index';
import type { Obj } from './json-value';

const schema = getSchemaRegistry().root({ group: 'apps', version: 'v1', kind: 'Deployment' });

const deploy = (image: string, replicas = 1): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80, protocol: 'TCP' }], resources: {} }], restartPolicy: 'Always' },
    },
  },
});

test('real Deployment schema: managedFields of a create match the apiserver format', () => {
  assert.ok(schema, 'the registry knows apps/v1 Deployment');
  const o = updateManagedFields({ old: undefined, updated: deploy('nginx'), manager: 'kubectl-create', schema, apiVersion: 'apps/v1', now: 'T' });
  const got = JSON.stringify(((o.metadata as Obj).managedFields as Obj[])[0]?.fieldsV1);
  const want =
    '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},' +
    '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},"f:resources":{}}},"f:restartPolicy":{}}}}}';
  assert.equal(got, want, `got ${got}`);
});

test('real Deployment schema: kubectl apply SMP body merges containers by name', () => {
  const live = deploy('nginx:1.25');
  const patched = applyStrategicMergePatch(live, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.26', name: 'nginx' }] } } } }, schema);
  const c = (((patched.spec as Obj).template as Obj).spec as Obj).containers as Obj[];
  assert.deepEqual(c, [{ name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: {} }]);
});

test('real Deployment schema: server-side apply conflict on replicas, selector atomic', () => {
  const created = updateManagedFields({ old: undefined, updated: deploy('nginx', 2), manager: 'kubectl-client-side-apply', schema, apiVersion: 'apps/v1', now: 'T' });
  assert.throws(
    () => serverSideApply({ live: created, applied: deploy('nginx', 3), manager: 'kubectl', force: false, schema, apiVersion: 'apps/v1', now: 'T2' }),
    (e: unknown) => e instanceof PatchError && e.code === 409 && e.message === 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
  );
  const forced = serverSideApply({ live: created, applied: deploy('nginx', 3), manager: 'kubectl', force: true, schema, apiVersion: 'apps/v1', now: 'T2' });
  const applyEntry = ((forced.metadata as Obj).managedFields as Obj[])[0] as Obj;
  assert.equal(applyEntry.operation, 'Apply');
  assert.deepEqual(((applyEntry.fieldsV1 as Obj)['f:spec'] as Obj)['f:selector'], {}, 'LabelSelector is atomic');
});
