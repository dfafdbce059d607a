import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState } from '../../types';
import { world } from '../fixtures';
import { createNodeUnschedulable } from './node-unschedulable';
import { createNodeName } from '../node-name/node-name';

test('NodeUnschedulable and NodeName', () => {
  const w = world({ cordoned: { unschedulable: true }, open: {} });
  const cases = [
    { name: 'cordoned node rejects', node: 'cordoned', spec: {}, want: 'node(s) were unschedulable' },
    { name: 'toleration admits', node: 'cordoned', spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }, want: undefined },
    { name: 'open node admits', node: 'open', spec: {}, want: undefined },
  ];
  for (const c of cases) {
    const st = createNodeUnschedulable().filter(new CycleState(), w.pod('p', c.spec), w.node(c.node));
    assert.equal(st?.reasons[0], c.want, `${c.name}: got ${JSON.stringify(st)}, want ${c.want}`);
  }
  const nn = createNodeName();
  assert.equal(nn.filter(new CycleState(), w.pod('p', { nodeName: 'open' }), w.node('cordoned'))?.reasons[0], "node(s) didn't match the requested node name", 'NodeName mismatch');
  assert.equal(nn.filter(new CycleState(), w.pod('p', { nodeName: 'open' }), w.node('open')), undefined, 'NodeName match');
});
