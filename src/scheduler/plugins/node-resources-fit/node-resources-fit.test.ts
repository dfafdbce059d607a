import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState } from '../../types';
import { world } from '../fixtures';
import { createNodeResourcesFit } from './node-resources-fit';

test('NodeResourcesFit filter', () => {
  const cases = [
    { name: 'fits', node: { cpu: '2', memory: '4Gi' }, bound: [], pod: { cpu: '1', memory: '1Gi' }, want: [] as string[] },
    { name: 'insufficient cpu counting bound pods', node: { cpu: '2' }, bound: [{ cpu: '1500m' }], pod: { cpu: '600m' }, want: ['Insufficient cpu'] },
    { name: 'insufficient cpu and memory', node: { cpu: '1', memory: '1Gi' }, bound: [], pod: { cpu: '2', memory: '2Gi' }, want: ['Insufficient cpu', 'Insufficient memory'] },
    { name: 'too many pods', node: { pods: 1 }, bound: [{}], pod: {}, want: ['Too many pods'] },
    { name: 'extended resource missing on node', node: {}, bound: [], pod: { containers: [{ name: 'c', resources: { requests: { 'example.com/gpu': '1' } } }] }, want: ['Insufficient example.com/gpu'] },
    { name: 'exactly full still fits', node: { cpu: '2' }, bound: [{ cpu: '1' }], pod: { cpu: '1' }, want: [] },
  ];
  for (const c of cases) {
    const w = world({ n: c.node }, c.bound.map((b, i) => [`b${i}`, 'n', b] as [string, string, object]));
    const st = createNodeResourcesFit().filter(new CycleState(), w.pod('p', c.pod), w.node('n'));
    assert.deepEqual(st?.reasons ?? [], c.want, `${c.name}: got ${JSON.stringify(st?.reasons)}, want ${JSON.stringify(c.want)}`);
    if (c.want.length) assert.equal(st?.code, 'Unschedulable', `${c.name}: code`);
  }
});

test('NodeResourcesFit score strategies', () => {
  const cases = [
    { name: 'least allocated, empty node', type: 'LeastAllocated' as const, bound: [], pod: { cpu: '1', memory: '2Gi' }, want: 75 },
    { name: 'least allocated, half used', type: 'LeastAllocated' as const, bound: [{ cpu: '1', memory: '2Gi' }], pod: { cpu: '1', memory: '2Gi' }, want: 50 },
    { name: 'most allocated, half used', type: 'MostAllocated' as const, bound: [{ cpu: '1', memory: '2Gi' }], pod: { cpu: '1', memory: '2Gi' }, want: 50 },
    { name: 'most allocated, quarter', type: 'MostAllocated' as const, bound: [], pod: { cpu: '1', memory: '2Gi' }, want: 25 },
    { name: 'non-zero defaults apply to best-effort pods', type: 'MostAllocated' as const, bound: [], pod: {}, want: Math.floor((Math.floor(100 * 100 / 4000) + Math.floor((200 * 1024 * 1024 * 100) / (8 * 1024 ** 3))) / 2) },
  ];
  for (const c of cases) {
    const w = world({ n: { cpu: '4', memory: '8Gi' } }, c.bound.map((b, i) => [`b${i}`, 'n', b] as [string, string, object]));
    const got = createNodeResourcesFit({ scoringStrategy: { type: c.type } }).score(new CycleState(), w.pod('p', c.pod), w.node('n'));
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});
