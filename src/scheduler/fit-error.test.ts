import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FitError } from './fit-error';
import { unschedulable } from './types';

test('FitError messages in kube-scheduler form', () => {
  const cases: Array<{ name: string; err: FitError; want: string }> = [
    { name: 'no nodes at all (ErrNoNodesAvailable)', err: new FitError('default/p', 0, new Map(), undefined, 'preemption: not helpful'), want: 'no nodes available to schedule pods' },
    {
      name: 'reasons counted per node, sorted, with the preemption part',
      err: new FitError('default/p', 3, new Map([['a', unschedulable('Insufficient cpu')], ['b', unschedulable('Insufficient cpu')], ['c', unschedulable("node(s) didn't match Pod's node affinity/selector")]]), undefined, 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.'),
      want: "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    },
    {
      name: 'preemptionPolicy Never (as upstream: "preemption: " prefix, one final dot)',
      err: new FitError('default/p', 1, new Map([['a', unschedulable('Insufficient cpu')]]), undefined, 'preemption: not eligible due to preemptionPolicy=Never.'),
      want: '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    },
    { name: 'rejected at PreFilter', err: new FitError('default/p', 2, new Map(), 'node(s) had volume node affinity conflict'), want: '0/2 nodes are available: node(s) had volume node affinity conflict.' },
  ];
  for (const c of cases) assert.equal(c.err.message(), c.want, `${c.name}: got ${c.err.message()}`);
});
