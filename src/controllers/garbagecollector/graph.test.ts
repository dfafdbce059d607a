import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources, type OwnerReference } from '../../client';
import { Graph, type Node } from './graph';

const ref = (uid: string, block = false): OwnerReference => ({ apiVersion: 'v1', kind: 'X', name: uid, uid, blockOwnerDeletion: block });
const node = (uid: string, owners: OwnerReference[] = []): Node => ({ uid, resource: Resources.pods, apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: uid, owners, deleting: false, finalizers: [] });

test('graph: dependents follow owner references through upserts and removals', () => {
  const g = new Graph();
  g.upsert(node('o'));
  g.upsert(node('a', [ref('o', true)]));
  g.upsert(node('b', [ref('o'), ref('ghost')]));
  const deps = (u: string): string[] => g.dependentsOf(u).map((n) => n.uid).sort();
  assert.deepEqual(deps('o'), ['a', 'b']);
  assert.deepEqual(g.blockingDependentsOf('o').map((n) => n.uid), ['a']);
  assert.deepEqual(g.absentOwners(), ['ghost'], 'owners never observed');
  g.upsert(node('b', [ref('ghost')])); // b drops its reference to o
  assert.deepEqual(deps('o'), ['a']);
  g.remove('a');
  assert.deepEqual(deps('o'), [], 'a removed');
  g.remove('o');
  assert.deepEqual(g.absentOwners(), ['ghost'], 'o has no dependents left, so it is not an absent owner');
  assert.equal(g.size(), 1);
});
