import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Client, type KubeObject, type ResourceRef } from '../../client';
import { findResource } from '../../api/resources';
import { FakeClient } from '../testing/fake-client';
import { AbsentOwnerCache } from './absent-owners';
import { createGarbageCollectorReconciler, toNode } from './garbagecollector';
import { Graph } from './graph';

const POD = findResource('', 'v1', 'pods')!;

/** The fake client with GETs counted. */
function countingGets(base: Client): { client: Client; gets: () => number } {
  let n = 0;
  const client = new Proxy(base, {
    get(target, prop, recv) {
      if (prop !== 'resource') return Reflect.get(target, prop, recv) as unknown;
      return (ref: ResourceRef) => {
        const rc = target.resource(ref);
        return new Proxy(rc, { get: (t, p, r) => (p === 'get' ? (...a: Parameters<typeof rc.get>) => (n++, t.get(...a)) : (Reflect.get(t, p, r) as unknown)) });
      };
    },
  });
  return { client, gets: () => n };
}

test('garbagecollector: an owner confirmed absent is not fetched again for its other dependents', async (t) => {
  const cases: Array<{ name: string; ownerInApi?: KubeObject; wantGets: number; wantDeletes: number }> = [
    { name: 'owner gone (404): one GET for all siblings', wantGets: 1, wantDeletes: 3 },
    { name: 'name taken by a new UID: one GET for all siblings', ownerInApi: { metadata: { name: 'rs', namespace: 'ns', uid: 'rs-new' } }, wantGets: 1, wantDeletes: 3 },
    { name: 'owner alive (not yet observed): every sibling checks again', ownerInApi: { metadata: { name: 'rs', namespace: 'ns', uid: 'rs1' } }, wantGets: 3, wantDeletes: 0 },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const fake = new FakeClient();
      const graph = new Graph();
      if (c.ownerInApi) fake.seed({ group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true }, c.ownerInApi);
      for (const name of ['a', 'b', 'c']) {
        const p: KubeObject = { metadata: { name, namespace: 'ns', uid: `p-${name}`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs1', controller: true }] } };
        fake.seed({ group: '', version: 'v1', plural: 'pods', namespaced: true }, p);
        graph.upsert(toNode(p, POD)!);
      }
      const meta = countingGets(fake.client());
      const reconcile = createGarbageCollectorReconciler({ client: fake.client(), metaClient: meta.client, graph, enqueue: () => undefined });
      for (const name of ['a', 'b', 'c']) await reconcile({ namespace: '', name: `p-${name}` });
      assert.equal(meta.gets(), c.wantGets, `got ${meta.gets()} owner GETs, want ${c.wantGets}`);
      const deletes = fake.log({ verb: 'delete' }).length;
      assert.equal(deletes, c.wantDeletes, `got ${deletes} deletes, want ${c.wantDeletes}`);
    });
  }
});

test('AbsentOwnerCache: bounded, least recently used goes first, keyed by namespace', () => {
  const c = new AbsentOwnerCache(2);
  c.add('ns', 'a');
  c.add('ns', 'b');
  assert.ok(c.has('ns', 'a'), 'a cached');
  c.add('ns', 'c'); // evicts b (a was used more recently)
  assert.deepEqual([c.has('ns', 'a'), c.has('ns', 'b'), c.has('ns', 'c'), c.size()], [true, false, true, 2], 'LRU eviction');
  assert.equal(c.has('other', 'a'), false, 'another namespace is another owner');
});
