import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources, type KubeObject, type OwnerReference } from '../../client';
import { findResource } from '../../api/resources';
import { FakeClient } from '../testing/fake-client';
import { createGarbageCollectorReconciler, monitoredResources, resourceForOwner, toNode } from './garbagecollector';
import { Graph } from './graph';

const RS = findResource('apps', 'v1', 'replicasets')!;
const POD = findResource('', 'v1', 'pods')!;
const DEP = findResource('apps', 'v1', 'deployments')!;

const ref = (kind: string, name: string, uid: string, block = true, apiVersion = 'apps/v1'): OwnerReference => ({ apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: block });
const obj = (name: string, uid: string, owners: OwnerReference[] = [], extra: Partial<NonNullable<KubeObject['metadata']>> = {}): KubeObject => ({
  metadata: { name, namespace: 'ns', uid, ownerReferences: owners, ...extra },
});

interface Case {
  name: string;
  /** Objects in the graph and in the fake API: [resource, object]. */
  objects: Array<[typeof RS, KubeObject]>;
  /** Objects only the API has (not yet observed). */
  apiOnly?: Array<[typeof RS, KubeObject]>;
  reconcile: string;
  want: string[];
  wantEnqueued?: string[];
  wantPolicy?: string;
}

test('garbagecollector: reconcile decisions', async (t) => {
  const cases: Case[] = [
    { name: 'owner gone: delete the dependent in the background', objects: [[POD, obj('p', 'p1', [ref('ReplicaSet', 'rs', 'rs1')])]], reconcile: 'p1', want: ['delete pods ns/p'], wantPolicy: 'Background' },
    { name: 'owner alive in the graph: nothing', objects: [[RS, obj('rs', 'rs1')], [POD, obj('p', 'p1', [ref('ReplicaSet', 'rs', 'rs1')])]], reconcile: 'p1', want: [] },
    { name: 'owner alive but not yet observed: checked by API, nothing', objects: [[POD, obj('p', 'p1', [ref('ReplicaSet', 'rs', 'rs1')])]], apiOnly: [[RS, obj('rs', 'rs1')]], reconcile: 'p1', want: [] },
    { name: 'same name, new UID: a different owner, delete', objects: [[POD, obj('p', 'p1', [ref('ReplicaSet', 'rs', 'rs1')])]], apiOnly: [[RS, obj('rs', 'rs2')]], reconcile: 'p1', want: ['delete pods ns/p'] },
    {
      name: 'one solid and one dangling owner: only the dangling reference goes',
      objects: [[RS, obj('rs', 'rs1')], [POD, obj('p', 'p1', [ref('ReplicaSet', 'gone', 'rsX', false), ref('ReplicaSet', 'rs', 'rs1', false)])]],
      reconcile: 'p1', want: ['patch pods ns/p'],
    },
    { name: 'unknown owner kind never causes a deletion', objects: [[POD, obj('p', 'p1', [ref('Widget', 'w', 'w1', true, 'example.com/v1')])]], reconcile: 'p1', want: [] },
    {
      name: 'orphan: references removed from dependents, then the finalizer',
      objects: [[RS, obj('rs', 'rs1', [], { deletionTimestamp: 'x', finalizers: ['orphan'] })], [POD, obj('p', 'p1', [ref('ReplicaSet', 'rs', 'rs1')])]],
      reconcile: 'rs1', want: ['patch pods ns/p', 'patch replicasets ns/rs'],
    },
    {
      name: 'foreground owner with a blocking dependent: dependents queued, finalizer kept',
      objects: [[RS, obj('rs', 'rs1', [], { deletionTimestamp: 'x', finalizers: ['foregroundDeletion'] })], [POD, obj('p', 'p1', [ref('ReplicaSet', 'rs', 'rs1')])]],
      reconcile: 'rs1', want: [], wantEnqueued: ['p1'],
    },
    {
      name: 'foreground owner with only non-blocking dependents: finalizer removed',
      objects: [[RS, obj('rs', 'rs1', [], { deletionTimestamp: 'x', finalizers: ['foregroundDeletion'] })], [POD, obj('p', 'p1', [ref('ReplicaSet', 'rs', 'rs1', false)])]],
      reconcile: 'rs1', want: ['patch replicasets ns/rs'], wantEnqueued: ['p1'],
    },
    {
      name: 'dependent of a foreground owner that has dependents itself is deleted in foreground',
      objects: [
        [DEP, obj('d', 'd1', [], { deletionTimestamp: 'x', finalizers: ['foregroundDeletion'] })],
        [RS, obj('rs', 'rs1', [ref('Deployment', 'd', 'd1')])],
        [POD, obj('p', 'p1', [ref('ReplicaSet', 'rs', 'rs1')])],
      ],
      reconcile: 'rs1', want: ['delete replicasets ns/rs'], wantPolicy: 'Foreground',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const fake = new FakeClient();
      const graph = new Graph();
      for (const [r, o] of c.objects) {
        fake.seed({ group: r.group, version: r.version, plural: r.plural, namespaced: r.namespaced }, o);
        graph.upsert(toNode(o, r)!);
      }
      for (const [r, o] of c.apiOnly ?? []) fake.seed({ group: r.group, version: r.version, plural: r.plural, namespaced: r.namespaced }, o);
      const enqueued: string[] = [];
      await createGarbageCollectorReconciler({ client: fake.client(), graph, enqueue: (u) => enqueued.push(u) })({ namespace: '', name: c.reconcile });
      const got = fake.log();
      assert.deepEqual(got, c.want, `got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
      if (c.wantEnqueued) assert.deepEqual(enqueued, c.wantEnqueued, `enqueued ${enqueued.join(',')}`);
      if (c.wantPolicy) {
        const del = fake.actions.find((a) => a.verb === 'delete')?.body as { propagationPolicy?: string };
        assert.equal(del?.propagationPolicy, c.wantPolicy, `got policy ${del?.propagationPolicy}`);
      }
    });
  }
});

test('garbagecollector: the orphan patch removes exactly the owner reference', async () => {
  const fake = new FakeClient();
  const graph = new Graph();
  const rsObj = obj('rs', 'rs1', [], { deletionTimestamp: 'x', finalizers: ['a', 'orphan'] });
  const podObj = obj('p', 'p1', [ref('Other', 'o', 'o1', false, 'v1'), ref('ReplicaSet', 'rs', 'rs1')]);
  fake.seed(Resources.replicasets, rsObj);
  fake.seed(Resources.pods, podObj);
  graph.upsert(toNode(rsObj, RS)!);
  graph.upsert(toNode(podObj, POD)!);
  await createGarbageCollectorReconciler({ client: fake.client(), graph, enqueue: () => undefined })({ namespace: '', name: 'rs1' });
  assert.deepEqual(fake.get<KubeObject>(Resources.pods, 'ns', 'p')?.metadata?.ownerReferences?.map((o) => o.uid), ['o1']);
  assert.deepEqual(fake.get<KubeObject>(Resources.replicasets, 'ns', 'rs')?.metadata?.finalizers, ['a']);
});

test('garbagecollector: monitored resources and owner kinds', () => {
  const names = monitoredResources().map((r) => `${r.group}/${r.plural}`);
  for (const want of ['/pods', 'apps/replicasets', 'apps/deployments', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs', 'apps/controllerrevisions', 'discovery.k8s.io/endpointslices', '/configmaps', '/secrets', '/services', '/persistentvolumeclaims', '/events']) {
    assert.ok(names.includes(want), `${want} not monitored: ${names.join(',')}`);
  }
  assert.equal(names.filter((n) => n.endsWith('/events')).length, 1, 'events watched once (not per group)');
  assert.equal(resourceForOwner(ref('Deployment', 'd', 'u'))?.plural, 'deployments');
  assert.equal(resourceForOwner(ref('Widget', 'w', 'u', true, 'x.io/v1')), undefined);
});
