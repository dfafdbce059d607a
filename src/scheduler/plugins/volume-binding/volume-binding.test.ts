import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState } from '../../types';
import { world } from '../fixtures';
import { createVolumeBinding, ERR_NODE_CONFLICT, ERR_UNBOUND, pvcNotFound } from './volume-binding';

test('VolumeBinding', () => {
  const objects = {
    'pvc/default/bound': { metadata: { name: 'bound' }, spec: { volumeName: 'pv1' } },
    'pvc/default/unbound': { metadata: { name: 'unbound' }, spec: {} },
    'pv/pv1': { metadata: { name: 'pv1' }, spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } } } },
  };
  const w = world({ n1: {}, n2: {} }, [], objects);
  const vol = (claimName: string): object => ({ volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] });
  const cases = [
    { name: 'no claims: skip', spec: {}, pre: 'Skip', nodes: {} },
    { name: 'missing claim', spec: vol('nope'), pre: pvcNotFound('nope'), nodes: {} },
    { name: 'unbound claim', spec: vol('unbound'), pre: ERR_UNBOUND, nodes: {} },
    { name: 'bound claim pins the node', spec: vol('bound'), pre: undefined, nodes: { n1: undefined, n2: ERR_NODE_CONFLICT } },
  ];
  for (const c of cases) {
    const p = createVolumeBinding({}, w.handle);
    const pod = w.pod('p', c.spec);
    const state = new CycleState();
    const st = p.preFilter(state, pod);
    const pre = st?.code === 'Skip' ? 'Skip' : st?.reasons[0];
    assert.equal(pre, c.pre, `${c.name}: preFilter got ${JSON.stringify(st)}, want ${c.pre}`);
    if (st) continue;
    const got = Object.fromEntries(['n1', 'n2'].map((n) => [n, p.filter(state, pod, w.node(n))?.reasons[0]]));
    assert.deepEqual(got, c.nodes, `${c.name}: got ${JSON.stringify(got)}`);
  }
});
