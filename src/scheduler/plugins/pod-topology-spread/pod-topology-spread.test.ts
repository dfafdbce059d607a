import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPodInfo } from '../../pod-info';
import { CycleState } from '../../types';
import { makePod, world } from '../fixtures';
import { createPodTopologySpread } from './pod-topology-spread';

const zone = (z: string): { labels: Record<string, string> } => ({ labels: { 'topology.kubernetes.io/zone': z } });
const tsc = (maxSkew: number, when = 'DoNotSchedule') => [{ maxSkew, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 'web' } } }];
const web = { labels: { app: 'web' } };

test('PodTopologySpread filter (hard constraints)', () => {
  const nodes = { a1: zone('a'), a2: zone('a'), b1: zone('b'), nolabel: {} };
  const cases = [
    { name: 'empty cluster: every labelled node fits', bound: [] as Array<[string, string, object]>, maxSkew: 1, want: { a1: true, a2: true, b1: true, nolabel: false } },
    { name: 'zone a ahead by one: only b fits at maxSkew 1', bound: [['w1', 'a1', web]] as Array<[string, string, object]>, maxSkew: 1, want: { a1: false, a2: false, b1: true, nolabel: false } },
    { name: 'maxSkew 2 tolerates it', bound: [['w1', 'a1', web]] as Array<[string, string, object]>, maxSkew: 2, want: { a1: true, a2: true, b1: true, nolabel: false } },
    { name: 'non-matching pods do not count', bound: [['x1', 'a1', { labels: { app: 'other' } }]] as Array<[string, string, object]>, maxSkew: 1, want: { a1: true, a2: true, b1: true, nolabel: false } },
  ];
  for (const c of cases) {
    const w = world(nodes, c.bound);
    const p = createPodTopologySpread({}, w.handle);
    const pod = w.pod('p', { ...web, topologySpreadConstraints: tsc(c.maxSkew) });
    const state = new CycleState();
    assert.equal(p.preFilter(state, pod), undefined, `${c.name}: preFilter`);
    const got = Object.fromEntries(Object.keys(nodes).map((n) => [n, p.filter(state, pod, w.node(n)) === undefined]));
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

test('PodTopologySpread counters follow pod events incrementally', () => {
  const w = world({ a1: zone('a'), b1: zone('b') });
  const p = createPodTopologySpread({}, w.handle);
  const pod = w.pod('p', { ...web, topologySpreadConstraints: tsc(1) });
  let state = new CycleState();
  p.preFilter(state, pod);
  w.cache.addPod(createPodInfo(makePod('w1', web)), 'a1');
  state = new CycleState();
  p.preFilter(state, pod);
  assert.notEqual(p.filter(state, pod, w.node('a1')), undefined, 'after adding a pod in zone a, a1 must be rejected');
  w.cache.removePod('default/w1');
  state = new CycleState();
  p.preFilter(state, pod);
  assert.equal(p.filter(state, pod, w.node('a1')), undefined, 'after removing it, a1 fits again');
});

test('PodTopologySpread score prefers emptier domains (soft)', () => {
  const w = world({ a1: zone('a'), b1: zone('b') }, [['w1', 'a1', web], ['w2', 'a1', web]]);
  const p = createPodTopologySpread({}, w.handle);
  const pod = w.pod('p', { ...web, topologySpreadConstraints: tsc(1, 'ScheduleAnyway') });
  const state = new CycleState();
  const nodes = [w.node('a1'), w.node('b1')];
  assert.equal(p.preScore(state, pod, nodes), undefined, 'preScore runs');
  const scores = nodes.map((n) => p.score(state, pod, n));
  p.normalizeScore!(state, pod, scores);
  assert.ok(scores[1]! > scores[0]!, `b1 (empty zone) must outscore a1: got ${JSON.stringify(scores)}`);
  assert.equal(scores[1], 100, `best node gets 100: got ${scores[1]}`);
});

test('PodTopologySpread counts only nodes passing the node inclusion policies (as upstream)', () => {
  const z = (zn: string, extra: Record<string, string> = {}, taint = false): object => ({
    labels: { 'topology.kubernetes.io/zone': zn, ...extra }, ...(taint ? { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] } : {}),
  });
  const withPolicy = (p: Record<string, string>) => [{ ...tsc(1)[0]!, ...p }];
  const cases: Array<{ name: string; nodes: Record<string, object>; pod: object; want: Record<string, boolean> }> = [
    {
      // w1, w2 sit on a2 (pool y); the pod only goes to pool x, so zone a counts 0 for it.
      name: 'nodeSelector excludes nodes from counting (nodeAffinityPolicy Honor, the default)',
      nodes: { a1: z('a', { pool: 'x' }), a2: z('a', { pool: 'y' }), b1: z('b', { pool: 'x' }) },
      pod: { ...web, nodeSelector: { pool: 'x' }, topologySpreadConstraints: tsc(1) }, want: { a1: true, b1: true },
    },
    {
      name: 'nodeAffinityPolicy Ignore counts every node',
      nodes: { a1: z('a', { pool: 'x' }), a2: z('a', { pool: 'y' }), b1: z('b', { pool: 'x' }) },
      pod: { ...web, nodeSelector: { pool: 'x' }, topologySpreadConstraints: withPolicy({ nodeAffinityPolicy: 'Ignore' }) }, want: { a1: false, b1: true },
    },
    {
      name: 'nodeTaintsPolicy Honor skips untolerated tainted nodes',
      nodes: { a1: z('a'), a2: z('a', {}, true), b1: z('b') },
      pod: { ...web, topologySpreadConstraints: withPolicy({ nodeTaintsPolicy: 'Honor' }) }, want: { a1: true, b1: true },
    },
    {
      name: 'nodeTaintsPolicy Ignore (the default) counts tainted nodes',
      nodes: { a1: z('a'), a2: z('a', {}, true), b1: z('b') },
      pod: { ...web, topologySpreadConstraints: tsc(1) }, want: { a1: false, b1: true },
    },
  ];
  for (const c of cases) {
    const w = world(c.nodes as never, [['w1', 'a2', web], ['w2', 'a2', web]]);
    const p = createPodTopologySpread({}, w.handle);
    const pod = w.pod('p', c.pod);
    const state = new CycleState();
    assert.equal(p.preFilter(state, pod), undefined, `${c.name}: preFilter`);
    const got = Object.fromEntries(Object.keys(c.want).map((n) => [n, p.filter(state, pod, w.node(n)) === undefined]));
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});
