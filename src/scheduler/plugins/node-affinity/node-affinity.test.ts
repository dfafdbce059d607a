import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState, type Affinity } from '../../types';
import { world } from '../fixtures';
import { createNodeAffinity } from './node-affinity';

const req = (...exprs: Array<{ key: string; operator: string; values?: string[] }>): Affinity => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: exprs }] } } });

test('NodeAffinity filter', () => {
  const labels = { zone: 'a', disk: 'ssd', cores: '8' };
  const cases: Array<{ name: string; spec: object; fits: boolean }> = [
    { name: 'no constraints', spec: {}, fits: true },
    { name: 'nodeSelector match', spec: { nodeSelector: { zone: 'a' } }, fits: true },
    { name: 'nodeSelector mismatch', spec: { nodeSelector: { zone: 'b' } }, fits: false },
    { name: 'In', spec: { affinity: req({ key: 'disk', operator: 'In', values: ['ssd', 'nvme'] }) }, fits: true },
    { name: 'NotIn', spec: { affinity: req({ key: 'disk', operator: 'NotIn', values: ['ssd'] }) }, fits: false },
    { name: 'DoesNotExist', spec: { affinity: req({ key: 'gpu', operator: 'DoesNotExist' }) }, fits: true },
    { name: 'Gt', spec: { affinity: req({ key: 'cores', operator: 'Gt', values: ['4'] }) }, fits: true },
    { name: 'Lt', spec: { affinity: req({ key: 'cores', operator: 'Lt', values: ['4'] }) }, fits: false },
    { name: 'matchFields metadata.name', spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }] } } } }, fits: true },
    { name: 'terms are ORed', spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }, fits: true },
  ];
  for (const c of cases) {
    const w = world({ n: { labels } });
    const st = createNodeAffinity().filter(new CycleState(), w.pod('p', c.spec), w.node('n'));
    assert.equal(st === undefined, c.fits, `${c.name}: got ${JSON.stringify(st)}, want fits=${c.fits}`);
    if (!c.fits) assert.equal(st?.reasons[0], "node(s) didn't match Pod's node affinity/selector", `${c.name}: reason`);
  }
});

test('NodeAffinity score sums matching preferred weights, normalized', () => {
  const w = world({ a: { labels: { zone: 'a' } }, b: { labels: { zone: 'b', disk: 'ssd' } } });
  const pref = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [
    { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
    { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } },
  ] } };
  const p = createNodeAffinity();
  const pod = w.pod('p', { affinity: pref });
  const scores = ['a', 'b'].map((n) => p.score(new CycleState(), pod, w.node(n)));
  assert.deepEqual(scores, [10, 30], `raw: got ${JSON.stringify(scores)}`);
  p.normalizeScore!(new CycleState(), pod, scores);
  assert.deepEqual(scores, [33, 100], `normalized: got ${JSON.stringify(scores)}`);
});
