import assert from 'node:assert/strict';
import { test } from 'node:test';
import { updateManagedFields } from './managed-fields';
import type { Obj } from './json-value';
import { deployment } from './testing-schemas';

const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-01T00:01:00Z';
const T3 = '2026-01-01T00:02:00Z';

const created = (): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: 'u1',
    resourceVersion: '5',
    generation: 1,
    creationTimestamp: T1,
    labels: { app: 'web' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
    },
  },
  status: { replicas: 0 },
});

function entries(o: Obj): Obj[] {
  return ((o.metadata as Obj).managedFields as Obj[] | undefined) ?? [];
}

function create(): Obj {
  return updateManagedFields({ old: undefined, updated: created(), manager: 'kubectl-client-side-apply', schema: deployment, apiVersion: 'apps/v1', now: T1 });
}

function edit(o: Obj, f: (d: Obj) => void): Obj {
  const d = JSON.parse(JSON.stringify(o)) as Obj;
  f(d);
  return d;
}

test('updateManagedFields on create records what kubectl apply created, like the apiserver does', () => {
  const got = entries(create());
  assert.equal(got.length, 1, `got ${JSON.stringify(got)}`);
  const e = got[0] as Obj;
  assert.deepEqual(
    { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time, fieldsType: e.fieldsType, subresource: e.subresource },
    { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', time: T1, fieldsType: 'FieldsV1', subresource: undefined },
  );
  const want =
    '{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}},' +
    '"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},' +
    '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{},' +
    '"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}';
  assert.equal(JSON.stringify(e.fieldsV1), want, `got ${JSON.stringify(e.fieldsV1)}`);
  assert.deepEqual(Object.keys(e), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1'], 'entry key order');
});

interface Case {
  name: string;
  run: () => Obj;
  want: { manager: string; operation?: string; apiVersion?: string; time?: string; subresource?: string; fields: string }[];
}

const fieldsOf = (o: Obj): { manager: unknown; operation: unknown; apiVersion: unknown; time: unknown; subresource: unknown; fields: string }[] =>
  entries(o).map((e) => ({ manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time, subresource: e.subresource, fields: JSON.stringify(e.fieldsV1) }));

const cases: Case[] = [
  {
    name: 'another manager changing the image takes it over',
    run: () => {
      const old = create();
      const upd = edit(old, (d) => (((((d.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0] as Obj).image = 'nginx:1.26');
      return updateManagedFields({ old, updated: upd, manager: 'kubectl-edit', schema: deployment, apiVersion: 'apps/v1', now: T2 });
    },
    want: [
      {
        manager: 'kubectl-client-side-apply',
        time: T1,
        fields:
          '{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}},' +
          '"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},' +
          '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:name":{},' +
          '"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}',
      },
      { manager: 'kubectl-edit', time: T2, fields: '{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{"f:image":{}}}}}}}' },
    ],
  },
  {
    name: 'removing a label takes it from its owner and gives the remover nothing',
    run: () => {
      const old = create();
      const upd = edit(old, (d) => delete ((d.metadata as Obj).labels as Obj).app);
      return updateManagedFields({ old, updated: upd, manager: 'kubectl-label', schema: deployment, apiVersion: 'apps/v1', now: T2 });
    },
    want: [
      {
        manager: 'kubectl-client-side-apply',
        time: T1,
        fields:
          '{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{}},' +
          '"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},' +
          '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{},' +
          '"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}',
      },
    ],
  },
  {
    name: 'status subresource writes are tracked with subresource status, spec changes are not',
    run: () => {
      const old = create();
      const upd = edit(old, (d) => {
        d.status = { replicas: 2, readyReplicas: 2 };
        (d.spec as Obj).replicas = 9;
      });
      const out = updateManagedFields({ old, updated: upd, manager: 'deployment-controller', schema: deployment, apiVersion: 'apps/v1', now: T2, subresource: 'status' });
      return { metadata: { managedFields: entries(out).slice(1) } };
    },
    want: [{ manager: 'deployment-controller', subresource: 'status', time: T2, fields: '{"f:status":{"f:readyReplicas":{},"f:replicas":{}}}' }],
  },
  {
    name: 'status on the main resource is not tracked',
    run: () => {
      const old = create();
      const upd = edit(old, (d) => (d.status = { replicas: 5 }));
      return { metadata: { managedFields: entries(updateManagedFields({ old, updated: upd, manager: 'x', schema: deployment, apiVersion: 'apps/v1', now: T2 })).slice(1) } };
    },
    want: [],
  },
  {
    name: 'a manager updating twice has one entry with the union and the new time',
    run: () => {
      const a = create();
      const b = updateManagedFields({ old: a, updated: edit(a, (d) => ((d.spec as Obj).replicas = 3)), manager: 'hpa', schema: deployment, apiVersion: 'apps/v1', now: T2 });
      const c = updateManagedFields({ old: b, updated: edit(b, (d) => ((d.spec as Obj).paused = true)), manager: 'hpa', schema: deployment, apiVersion: 'apps/v1', now: T3 });
      return { metadata: { managedFields: entries(c).slice(1) } };
    },
    want: [{ manager: 'hpa', time: T3, fields: '{"f:spec":{"f:paused":{},"f:replicas":{}}}' }],
  },
  {
    name: 'the same manager through another apiVersion gets its own entry',
    run: () => {
      const a = create();
      const b = updateManagedFields({ old: a, updated: edit(a, (d) => ((d.spec as Obj).replicas = 3)), manager: 'kubectl-client-side-apply', schema: deployment, apiVersion: 'apps/v1beta2', now: T2 });
      return { metadata: { managedFields: entries(b).slice(1) } };
    },
    want: [{ manager: 'kubectl-client-side-apply', apiVersion: 'apps/v1beta2', time: T2, fields: '{"f:spec":{"f:replicas":{}}}' }],
  },
  {
    name: 'managedFields: [] in the request resets ownership to this write',
    run: () => {
      const a = create();
      const upd = edit(a, (d) => {
        (d.metadata as Obj).managedFields = [];
        (d.spec as Obj).replicas = 4;
      });
      return updateManagedFields({ old: a, updated: upd, manager: 'reset', schema: deployment, apiVersion: 'apps/v1', now: T2 });
    },
    want: [{ manager: 'reset', time: T2, fields: '{"f:spec":{"f:replicas":{}}}' }],
  },
  {
    name: 'an object of an unknown type gets deduced field sets',
    run: () =>
      updateManagedFields({
        old: undefined,
        updated: { apiVersion: 'x.io/v1', kind: 'Thing', metadata: { name: 't' }, spec: { a: 1, b: { c: [1, 2] } } },
        manager: 'm',
        schema: undefined,
        apiVersion: 'x.io/v1',
        now: T1,
      }),
    want: [{ manager: 'm', apiVersion: 'x.io/v1', time: T1, fields: '{"f:spec":{".":{},"f:a":{},"f:b":{".":{},"f:c":{}}}}' }],
  },
  {
    name: 'creating with managedFields in the request keeps them',
    run: () => {
      const obj = created();
      (obj.metadata as Obj).managedFields = [{ manager: 'prior', operation: 'Apply', apiVersion: 'apps/v1', time: T1, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:paused': {} } } }];
      const out = updateManagedFields({ old: undefined, updated: obj, manager: 'creator', schema: deployment, apiVersion: 'apps/v1', now: T2 });
      return { metadata: { managedFields: entries(out).slice(0, 1) } };
    },
    want: [{ manager: 'prior', operation: 'Apply', time: T1, fields: '{"f:spec":{"f:paused":{}}}' }],
  },
];

for (const c of cases) {
  test(`updateManagedFields: ${c.name}`, () => {
    const got = fieldsOf(c.run());
    assert.equal(got.length, c.want.length, `got ${JSON.stringify(got, null, 1)}`);
    c.want.forEach((w, i) => {
      const g = got[i];
      assert.ok(g);
      assert.equal(g.manager, w.manager, `entry ${i}: got manager ${String(g.manager)}`);
      assert.equal(g.operation, w.operation ?? 'Update');
      assert.equal(g.apiVersion, w.apiVersion ?? 'apps/v1');
      if (w.time) assert.equal(g.time, w.time, `entry ${i}: got time ${String(g.time)}`);
      assert.equal(g.subresource, w.subresource);
      assert.equal(g.fields, w.fields, `entry ${i}: got fields ${g.fields}`);
    });
  });
}

test('updateManagedFields: a no-op write leaves managedFields as they were (same entry objects)', () => {
  const a = create();
  const b = updateManagedFields({ old: a, updated: edit(a, (d) => ((d.metadata as Obj).resourceVersion = '6')), manager: 'x', schema: deployment, apiVersion: 'apps/v1', now: T2 });
  assert.deepEqual(entries(b), entries(a));
  assert.equal(entries(b)[0], entries(a)[0], 'unchanged entries should be reused, not re-encoded');
});

test('updateManagedFields: never mutates its inputs and sorts entries by time', () => {
  const a = create();
  const snapshot = JSON.stringify(a);
  const upd = edit(a, (d) => ((d.spec as Obj).replicas = 3));
  const updSnapshot = JSON.stringify(upd);
  const b = updateManagedFields({ old: a, updated: upd, manager: 'aaa-early-name', schema: deployment, apiVersion: 'apps/v1', now: T2 });
  assert.equal(JSON.stringify(a), snapshot);
  assert.equal(JSON.stringify(upd), updSnapshot);
  assert.deepEqual(entries(b).map((e) => e.manager), ['kubectl-client-side-apply', 'aaa-early-name'], 'older entry first');
});
