import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverSideApply } from './server-side-apply';
import { updateManagedFields } from './managed-fields';
import { PatchError } from './errors';
import type { Obj } from './json-value';
import { deployment, pod } from './testing-schemas';

const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-01T00:01:00Z';
const T3 = '2026-01-01T00:02:00Z';

/** What `kubectl apply --server-side` sends for a small deployment. */
function config(opts: { replicas?: number; image?: string; containers?: Obj[]; labels?: Obj } = {}): Obj {
  const spec: Obj = {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: opts.containers ?? [{ name: 'nginx', image: opts.image ?? 'nginx:1.26' }] },
    },
  };
  if (opts.replicas !== undefined) spec.replicas = opts.replicas;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', labels: opts.labels ?? { app: 'web' } }, spec };
}

function apply(live: Obj | undefined, applied: Obj, manager = 'kubectl', force = false, now = T1, schema = deployment): Obj {
  return serverSideApply({ live, applied, manager, force, schema, apiVersion: 'apps/v1', now });
}

/** The object as the API server would store it after creating it (server-set metadata added). */
function stored(o: Obj): Obj {
  return { ...o, metadata: { ...(o.metadata as Obj), uid: 'u1', resourceVersion: '1', creationTimestamp: T1, generation: 1 } };
}

const mf = (o: Obj): Obj[] => ((o.metadata as Obj).managedFields as Obj[] | undefined) ?? [];
const spec = (o: Obj): Obj => o.spec as Obj;
const containers = (o: Obj): Obj[] => ((spec(o).template as Obj).spec as Obj).containers as Obj[];

function conflictOf(f: () => unknown): PatchError {
  try {
    f();
  } catch (e) {
    if (e instanceof PatchError) return e;
    throw e;
  }
  assert.fail('want a 409 conflict, got success');
}

test('serverSideApply creates the object from the configuration with an Apply entry', () => {
  const got = apply(undefined, config({ replicas: 2 }));
  const want = { ...config({ replicas: 2 }) };
  const { managedFields, ...meta } = got.metadata as Obj;
  assert.deepEqual({ ...got, metadata: meta }, want);
  assert.deepEqual(managedFields, [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: T1,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
        },
      },
    },
  ]);
});

test('serverSideApply: re-applying the same configuration changes nothing (time kept)', () => {
  const first = stored(apply(undefined, config({ replicas: 2 })));
  const again = apply(first, config({ replicas: 2 }), 'kubectl', false, T2);
  assert.deepEqual(again, first);
});

test('serverSideApply: a field dropped from the configuration is removed from the object', () => {
  const first = stored(apply(undefined, config({ replicas: 2 })));
  const got = apply(first, config(), 'kubectl', false, T2);
  assert.equal(spec(got).replicas, undefined, `got replicas ${String(spec(got).replicas)}`);
  assert.equal((mf(got)[0] as Obj).time, T2);
  assert.ok(!JSON.stringify(mf(got)).includes('f:replicas'), 'replicas still owned');
  assert.equal((got.metadata as Obj).uid, 'u1', 'server-set metadata must survive pruning');
});

test('serverSideApply: a container dropped from the configuration is removed, others kept', () => {
  const two = [{ name: 'nginx', image: 'nginx' }, { name: 'sidecar', image: 'busybox' }];
  const first = stored(apply(undefined, config({ containers: two })));
  const got = apply(first, config({ containers: [{ name: 'nginx', image: 'nginx' }] }), 'kubectl', false, T2);
  assert.deepEqual(containers(got), [{ name: 'nginx', image: 'nginx' }]);
});

test('serverSideApply: labels dropped by the applier are removed, labels of others kept', () => {
  const first = stored(apply(undefined, config({ labels: { app: 'web', tier: 'fe' } })));
  const labelled = updateManagedFields({
    old: first,
    updated: { ...first, metadata: { ...(first.metadata as Obj), labels: { app: 'web', tier: 'fe', team: 'x' } } },
    manager: 'kubectl-label',
    schema: deployment,
    apiVersion: 'apps/v1',
    now: T2,
  });
  const got = apply(labelled, config({ labels: { app: 'web' } }), 'kubectl', false, T3);
  assert.deepEqual((got.metadata as Obj).labels, { app: 'web', team: 'x' });
});

test('serverSideApply: a field also owned by another manager stays when the applier drops it', () => {
  const first = stored(apply(undefined, config({ replicas: 2 })));
  const shared = apply(first, config({ replicas: 2 }), 'other-applier', false, T2);
  const got = apply(shared, config(), 'kubectl', false, T3);
  assert.equal(spec(got).replicas, 2);
  const owners = mf(got).filter((e) => JSON.stringify(e.fieldsV1).includes('f:replicas')).map((e) => e.manager);
  assert.deepEqual(owners, ['other-applier']);
});

/** A deployment created by client-side `kubectl apply` (an Update entry owning everything). */
function clientSideCreated(): Obj {
  const obj = stored(config({ replicas: 2 }));
  return updateManagedFields({ old: undefined, updated: obj, manager: 'kubectl-client-side-apply', schema: deployment, apiVersion: 'apps/v1', now: T1 });
}

test('serverSideApply: changing a field another manager owns is a conflict with upstream wording', () => {
  const live = clientSideCreated();
  const e = conflictOf(() => apply(live, config({ replicas: 3 }), 'kubectl', false, T2));
  assert.equal(e.code, 409);
  assert.equal(e.reason, 'Conflict');
  assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  assert.deepEqual(e.details?.causes, [{ type: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }]);
});

test('serverSideApply: several conflicts are listed per manager', () => {
  const live = clientSideCreated();
  const e = conflictOf(() => apply(live, config({ replicas: 3, image: 'nginx:2' }), 'kubectl', false, T2));
  assert.equal(
    e.message,
    'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n' +
      '- .spec.replicas\n' +
      '- .spec.template.spec.containers[name="nginx"].image',
  );
  assert.equal(e.details?.causes?.length, 2);
});

test('serverSideApply: a conflict with another applier names it without apiVersion', () => {
  const first = stored(apply(undefined, config({ replicas: 2 }), 'team-a'));
  const e = conflictOf(() => apply(first, config({ replicas: 5 }), 'team-b', false, T2));
  assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "team-a": .spec.replicas');
});

test('serverSideApply: the same value shares ownership without conflict', () => {
  const live = clientSideCreated();
  const got = apply(live, config({ replicas: 2 }), 'kubectl', false, T2);
  const owners = mf(got).filter((e) => JSON.stringify(e.fieldsV1).includes('f:replicas')).map((e) => `${String(e.manager)}/${String(e.operation)}`);
  assert.deepEqual(owners, ['kubectl/Apply', 'kubectl-client-side-apply/Update']);
});

test('serverSideApply: force takes the conflicting fields over', () => {
  const live = clientSideCreated();
  const got = apply(live, config({ replicas: 3 }), 'kubectl', true, T2);
  assert.equal(spec(got).replicas, 3);
  const csa = mf(got).find((e) => e.manager === 'kubectl-client-side-apply') as Obj;
  assert.ok(csa, `got ${JSON.stringify(mf(got))}`);
  assert.ok(!JSON.stringify(csa.fieldsV1).includes('f:replicas'), 'old manager still owns replicas');
  assert.ok(JSON.stringify(csa.fieldsV1).includes('f:selector'), 'old manager lost unrelated fields');
});

test('serverSideApply: applying over an object without managedFields conflicts with before-first-apply', () => {
  const live = stored(config({ replicas: 2 }));
  const e = conflictOf(() => apply(live, config({ replicas: 4 }), 'kubectl', false, T2));
  assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
});

test('serverSideApply: a port without protocol matches the live port defaulted to TCP', () => {
  const live = clientSideCreated();
  const withPort = updateManagedFields({
    old: live,
    updated: { ...live, spec: { ...spec(live), template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } } } },
    manager: 'kubectl-client-side-apply',
    schema: deployment,
    apiVersion: 'apps/v1',
    now: T2,
  });
  const got = apply(withPort, config({ replicas: 2, containers: [{ name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80, name: 'http' }] }] }), 'kubectl', false, T3);
  assert.deepEqual((containers(got)[0] as Obj).ports, [{ containerPort: 80, protocol: 'TCP', name: 'http' }]);
});

test('serverSideApply: live list items not in the configuration keep their place', () => {
  const live = stored(apply(undefined, config({ containers: [{ name: 'a', image: 'x' }] }), 'team-a'));
  const added = apply(live, config({ containers: [{ name: 'b', image: 'y' }] }), 'team-b', false, T2);
  assert.deepEqual(containers(added).map((c) => c.name), ['a', 'b']);
});

test('serverSideApply: metadata.managedFields in the configuration is a 400', () => {
  const bad = config();
  (bad.metadata as Obj).managedFields = [];
  assert.throws(() => apply(undefined, bad), (e: unknown) => e instanceof PatchError && e.code === 400 && /managedFields must be nil/.test(e.message));
});

test('serverSideApply: status in the configuration is not owned on the main resource', () => {
  const got = serverSideApply({ live: undefined, applied: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Running' } }, manager: 'm', force: false, schema: pod, apiVersion: 'v1', now: T1 });
  assert.ok(!JSON.stringify(mf(got)).includes('f:status'), `got ${JSON.stringify(mf(got))}`);
});

test('serverSideApply on an unknown type: granular maps, atomic lists', () => {
  const cfg = (list: unknown[], extra?: Obj): Obj => ({ apiVersion: 'x.io/v1', kind: 'Thing', metadata: { name: 't' }, spec: { list, m: { a: 1, ...extra } } });
  const first = stored(serverSideApply({ live: undefined, applied: cfg([1, 2], { b: 2 }), manager: 'm', force: false, schema: undefined, apiVersion: 'x.io/v1', now: T1 }));
  assert.deepEqual(mf(first)[0]?.fieldsV1, { 'f:spec': { '.': {}, 'f:list': {}, 'f:m': { '.': {}, 'f:a': {}, 'f:b': {} } } });
  const second = serverSideApply({ live: first, applied: cfg([3]), manager: 'm', force: false, schema: undefined, apiVersion: 'x.io/v1', now: T2 });
  assert.deepEqual(second.spec, { list: [3], m: { a: 1 } });
});

test('serverSideApply never mutates the live object or the configuration', () => {
  const live = clientSideCreated();
  const liveJson = JSON.stringify(live);
  const cfg = config({ replicas: 9 });
  const cfgJson = JSON.stringify(cfg);
  apply(live, cfg, 'kubectl', true, T2);
  assert.equal(JSON.stringify(live), liveJson);
  assert.equal(JSON.stringify(cfg), cfgJson);
});

test('serverSideApply to the status subresource owns status fields with subresource status', () => {
  const live = clientSideCreated();
  const got = serverSideApply({ live, applied: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, status: { readyReplicas: 2 } }, manager: 'ctrl', force: false, schema: deployment, apiVersion: 'apps/v1', now: T2, subresource: 'status' });
  assert.deepEqual(got.status, { readyReplicas: 2 });
  const e = mf(got).find((x) => x.manager === 'ctrl');
  assert.deepEqual(e && { subresource: e.subresource, fieldsV1: e.fieldsV1 }, { subresource: 'status', fieldsV1: { 'f:status': { 'f:readyReplicas': {} } } });
});

test('serverSideApply: finalizers (a set) are owned per value', () => {
  const cfg = (f: string[]): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', finalizers: f }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  const first = stored(serverSideApply({ live: undefined, applied: cfg(['a.io/x']), manager: 'm1', force: false, schema: pod, apiVersion: 'v1', now: T1 }));
  const both = serverSideApply({ live: first, applied: cfg(['b.io/y']), manager: 'm2', force: false, schema: pod, apiVersion: 'v1', now: T2 });
  assert.deepEqual((both.metadata as Obj).finalizers, ['a.io/x', 'b.io/y']);
  const m2 = mf(both).find((e) => e.manager === 'm2') as Obj;
  assert.deepEqual((m2.fieldsV1 as Obj)['f:metadata'], { 'f:finalizers': { 'v:"b.io/y"': {} } });
});
