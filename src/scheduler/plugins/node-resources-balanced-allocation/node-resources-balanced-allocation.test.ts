import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState } from '../../types';
import { world } from '../fixtures';
import { createBalancedAllocation } from './node-resources-balanced-allocation';

test('NodeResourcesBalancedAllocation', () => {
  const cases = [
    { name: 'perfectly balanced', pod: { cpu: '2', memory: '4Gi' }, want: 100 },
    { name: 'cpu-heavy', pod: { cpu: '4', memory: '0' }, want: 50 },
    { name: 'slightly uneven', pod: { cpu: '1', memory: '4Gi' }, want: 87 },
  ];
  for (const c of cases) {
    const w = world({ n: { cpu: '4', memory: '8Gi' } });
    const got = createBalancedAllocation().score(new CycleState(), w.pod('p', c.pod), w.node('n'));
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});
