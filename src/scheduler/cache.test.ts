import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchedulerCache } from './cache';
import { createPodInfo } from './pod-info';
import { makeNode, makePod } from './testing';

const zone = (name: string, z: string) => makeNode(name, { labels: { 'topology.kubernetes.io/zone': z } });
const web = (name: string) => createPodInfo(makePod(name, { cpu: '1', labels: { app: 'web' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'topology.kubernetes.io/zone' }] } } }));

test('aggregates follow pod add, replace and remove', () => {
  const c = new SchedulerCache();
  c.upsertNode(zone('n1', 'a'));
  const p = web('p');
  c.addPod(p, 'n1', true);
  const n = c.nodes.get('n1')!;
  assert.equal(n.requested.cpu, 1000, `requested after assume: got ${n.requested.cpu}`);
  assert.ok(c.isAssumed('default/p'), 'assumed');
  c.addPod(web('p'), 'n1'); // the informer confirms
  assert.equal(n.requested.cpu, 1000, `confirming does not double count: got ${n.requested.cpu}`);
  assert.ok(!c.isAssumed('default/p'), 'confirmed');
  c.removePod('default/p');
  assert.equal(n.requested.cpu, 0, `after remove: got ${n.requested.cpu}`);
  assert.equal(n.pods.size, 0, 'no pods');
});

test('topology counters and term indexes are re-indexed when node labels change', () => {
  const c = new SchedulerCache();
  c.upsertNode(zone('n1', 'a'));
  c.addPod(web('p'), 'n1');
  const sel = web('x').requiredAntiAffinity[0]!;
  const counter = c.termCounter(sel);
  assert.deepEqual([...counter.counts], [['a', 1]], `counter: got ${JSON.stringify([...counter.counts])}`);
  const terms = [...c.termsSelecting('requiredAntiAffinity', web('y'))];
  assert.deepEqual(terms.map((t) => [...t.counts]), [[['a', 1]]], 'existing anti-affinity term counted in zone a');
  c.upsertNode(zone('n1', 'b'));
  assert.deepEqual([...counter.counts], [['b', 1]], `counter after relabel: got ${JSON.stringify([...counter.counts])}`);
  assert.deepEqual([...c.termsSelecting('requiredAntiAffinity', web('y'))].map((t) => [...t.counts]), [[['b', 1]]], 'term moved to zone b');
  c.removeNode('n1');
  assert.equal(counter.counts.size, 0, 'a node without labels counts nothing');
  assert.equal(c.nodeList().length, 0, 'the removed node is not schedulable');
  assert.ok(c.nodes.has('n1'), 'a placeholder stays while pods point at it');
  c.removePod('default/p');
  assert.ok(!c.nodes.has('n1'), 'placeholder dropped with its last pod');
  assert.equal(c.existingTerms.size, 0, 'no terms left');
});

test('generation changes on every node or pod change', () => {
  const c = new SchedulerCache();
  c.upsertNode(zone('n1', 'a'));
  const n = c.nodes.get('n1')!;
  const g0 = n.generation;
  c.addPod(web('p'), 'n1');
  const g1 = n.generation;
  c.upsertNode({ ...zone('n1', 'a'), status: { ...zone('n1', 'a').status, conditions: [{ type: 'Ready', status: 'False' }] } });
  assert.equal(n.generation, g1, 'a heartbeat-only update keeps the generation');
  c.upsertNode(zone('n1', 'b'));
  const g2 = n.generation;
  assert.ok(g0 < g1 && g1 < g2, `generations increase: ${g0} ${g1} ${g2}`);
});
