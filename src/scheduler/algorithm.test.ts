import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numFeasibleNodesToFind, SchedulingAlgorithm, type Techniques } from './algorithm';
import { defaultSchedulerConfig } from './config';
import { FitError } from './fit-error';
import { createPodInfo } from './pod-info';
import { world } from './plugins/fixtures';
import { buildProfile } from './profile';
import { makePod } from './testing';

test('numFeasibleNodesToFind (percentageOfNodesToScore)', () => {
  const cases = [
    { name: 'below 100 nodes: all', n: 99, pct: 0, want: 99 },
    { name: '100 nodes adaptive: at least 100', n: 100, pct: 0, want: 100 },
    { name: '1000 nodes adaptive 42%', n: 1000, pct: 0, want: 420 },
    { name: '5000 nodes adaptive 10%', n: 5000, pct: 0, want: 500 },
    { name: '10000 nodes adaptive floor 5%', n: 10000, pct: 0, want: 500 },
    { name: 'configured 30% of 1000', n: 1000, pct: 30, want: 300 },
    { name: 'configured 1% never below 100', n: 1000, pct: 1, want: 100 },
    { name: '100% means all', n: 5000, pct: 100, want: 5000 },
  ];
  for (const c of cases) assert.equal(numFeasibleNodesToFind(c.n, c.pct), c.want, `${c.name}: got ${numFeasibleNodesToFind(c.n, c.pct)}, want ${c.want}`);
});

test('FitError message has Kubernetes form, reasons sorted', () => {
  const fe = new FitError('default/p', 5, new Map([
    ['a', { code: 'Unschedulable', reasons: ['Insufficient cpu'] }], ['b', { code: 'Unschedulable', reasons: ['Insufficient cpu'] }], ['c', { code: 'Unschedulable', reasons: ['Insufficient cpu'] }],
    ['d', { code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'] }],
    ['e', { code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'] }],
  ]), undefined, 'preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.');
  const want = '0/5 nodes are available: 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.';
  assert.equal(fe.message(), want, `got ${fe.message()}`);
});

function setup(nodes: number, tech: Techniques) {
  const spec: Record<string, { cpu: string }> = {};
  for (let i = 0; i < nodes; i++) spec[`n${String(i).padStart(4, '0')}`] = { cpu: '1' };
  const w = world(spec);
  const profile = buildProfile(defaultSchedulerConfig().profiles[0]!, w.handle);
  let seed = 1;
  const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  return { w, profile, algo: new SchedulingAlgorithm({ cache: w.cache, percentageOfNodesToScore: 0, techniques: tech, random }) };
}

test('assumed pods use capacity in the next cycle; the techniques do not change the outcome', () => {
  const variants: Array<[string, Techniques]> = [
    ['all on', { equivalenceClasses: true, scoreCache: true, sampling: true }],
    ['all off', { equivalenceClasses: false, scoreCache: false, sampling: false }],
  ];
  for (const [name, tech] of variants) {
    const { w, profile, algo } = setup(150, tech);
    const placed = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const p = createPodInfo(makePod(`p${i}`, { cpu: '500m' }));
      const r = algo.schedule(profile, p);
      assert.ok(r.ok, `${name}: pod ${i} must fit (300 × 0.5 cpu on 150 × 1 cpu)`);
      if (r.ok) {
        w.cache.addPod(p, r.node, true);
        placed.set(r.node, (placed.get(r.node) ?? 0) + 1);
      }
    }
    assert.ok([...placed.values()].every((v) => v <= 2), `${name}: no node over-committed: got max ${Math.max(...placed.values())}`);
    const extra = algo.schedule(profile, createPodInfo(makePod('extra', { cpu: '500m' })));
    assert.equal(extra.ok, false, `${name}: the 301st pod must not fit`);
    if (!extra.ok && extra.fit) assert.equal(extra.fit.message(), '0/150 nodes are available: 150 Insufficient cpu.', `${name}: got ${extra.fit.message()}`);
  }
});

test('sampling looks at fewer nodes and rotates its start; equivalence classes reuse verdicts', () => {
  const { profile, algo } = setup(1000, { equivalenceClasses: true, scoreCache: true, sampling: true });
  const r1 = algo.schedule(profile, createPodInfo(makePod('a', { cpu: '100m' })));
  assert.ok(r1.ok && r1.feasible === 420, `feasible nodes scored: got ${r1.ok ? r1.feasible : r1}, want 420`);
  const calls = algo.stats.filterCalls;
  algo.schedule(profile, createPodInfo(makePod('b', { cpu: '100m' })));
  assert.equal(algo.stats.filterCalls - calls, 420, `second pod of the class filters only the rotated-in nodes: got ${algo.stats.filterCalls - calls}`);
  algo.schedule(profile, createPodInfo(makePod('c', { cpu: '100m' })));
  assert.ok(algo.stats.feasibilityHits > 0, `third pod wraps around and reuses verdicts: hits ${algo.stats.feasibilityHits}`);
});
