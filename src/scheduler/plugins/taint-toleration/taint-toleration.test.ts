import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState, type Taint, type Toleration } from '../../types';
import { world } from '../fixtures';
import { createTaintToleration } from './taint-toleration';

test('TaintToleration filter', () => {
  const cp: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
  const cases: Array<{ name: string; taints: Taint[]; tols: Toleration[]; want?: string }> = [
    { name: 'no taints', taints: [], tols: [] },
    { name: 'untolerated NoSchedule', taints: [cp], tols: [], want: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }' },
    { name: 'untolerated NoExecute with value', taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }], tols: [], want: 'node(s) had untolerated taint {k: v}' },
    { name: 'PreferNoSchedule does not filter', taints: [{ key: 'k', effect: 'PreferNoSchedule' }], tols: [] },
    { name: 'Exists without key tolerates all', taints: [cp], tols: [{ operator: 'Exists' }] },
    { name: 'Equal needs the same value', taints: [{ key: 'k', value: 'a', effect: 'NoSchedule' }], tols: [{ key: 'k', value: 'b', effect: 'NoSchedule' }], want: 'node(s) had untolerated taint {k: a}' },
    { name: 'effect-less toleration matches any effect', taints: [{ key: 'k', value: 'a', effect: 'NoExecute' }], tols: [{ key: 'k', operator: 'Equal', value: 'a' }] },
  ];
  for (const c of cases) {
    const w = world({ n: { taints: c.taints } });
    const st = createTaintToleration().filter(new CycleState(), w.pod('p', { tolerations: c.tols }), w.node('n'));
    assert.equal(st?.reasons[0], c.want, `${c.name}: got ${JSON.stringify(st)}, want ${c.want}`);
    if (c.want) assert.equal(st?.code, 'UnschedulableAndUnresolvable', `${c.name}: code`);
  }
});

test('TaintToleration score prefers fewer untolerated PreferNoSchedule taints', () => {
  const w = world({ a: {}, b: { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }, c: { taints: [{ key: 'x', effect: 'PreferNoSchedule' }, { key: 'y', effect: 'PreferNoSchedule' }] } });
  const p = createTaintToleration();
  const pod = w.pod('p');
  const scores = ['a', 'b', 'c'].map((n) => p.score(new CycleState(), pod, w.node(n)));
  p.normalizeScore!(new CycleState(), pod, scores);
  assert.deepEqual(scores, [100, 50, 0], `normalized: got ${JSON.stringify(scores)}, want [100,50,0]`);
});
