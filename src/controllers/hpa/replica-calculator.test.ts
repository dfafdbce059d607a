import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../common/types';
import { milliValue } from './metrics-source';
import { CalcError, DEFAULT_CALC, podRequests, rawResourceReplicas, resourceReplicas, type PodMetrics } from './replica-calculator';

const NOW = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number): string => new Date(ms).toISOString();

interface P { name: string; phase?: string; ready?: boolean | 'none'; startedAgoMs?: number; readySinceMs?: number; deleting?: boolean; cpu?: string }
function pod(p: P): Pod {
  const started = NOW - (p.startedAgoMs ?? 600_000);
  const conds = p.ready === 'none' ? [] : [{ type: 'Ready', status: (p.ready ?? true) ? 'True' as const : 'False' as const, lastTransitionTime: iso(p.readySinceMs !== undefined ? NOW - p.readySinceMs : started + 5000) }];
  return {
    metadata: { name: p.name, namespace: 'ns', ...(p.deleting ? { deletionTimestamp: iso(NOW) } : {}) },
    spec: { containers: [{ name: 'c', resources: p.cpu === undefined ? {} : { requests: { cpu: p.cpu } } }] },
    status: { phase: p.phase ?? 'Running', startTime: iso(started), conditions: conds },
  };
}
const metrics = (m: Record<string, number>, at = NOW - 1000): PodMetrics => new Map(Object.entries(m).map(([k, v]) => [k, { value: v, timestamp: at, windowMs: 15_000 }]));
const calc = { ...DEFAULT_CALC, now: NOW };

test('hpa: resource utilization replicas (upstream GetResourceReplicas)', () => {
  const cases: Array<{ name: string; current: number; target: number; pods: P[]; m: Record<string, number>; want: number; util?: number }> = [
    { name: 'scale up: 150% of request vs 50% target', current: 3, target: 50, pods: [{ name: 'a', cpu: '1' }, { name: 'b', cpu: '1' }, { name: 'c', cpu: '1' }], m: { a: 1500, b: 1500, c: 1500 }, want: 9, util: 150 },
    { name: 'within 10% tolerance keeps current', current: 3, target: 50, pods: [{ name: 'a', cpu: '1' }, { name: 'b', cpu: '1' }, { name: 'c', cpu: '1' }], m: { a: 520, b: 520, c: 520 }, want: 3, util: 52 },
    { name: 'scale down', current: 3, target: 50, pods: [{ name: 'a', cpu: '1' }, { name: 'b', cpu: '1' }, { name: 'c', cpu: '1' }], m: { a: 100, b: 100, c: 100 }, want: 1, util: 10 },
    { name: 'missing pod counts as 100% on a scale-down', current: 3, target: 50, pods: [{ name: 'a', cpu: '1' }, { name: 'b', cpu: '1' }, { name: 'c', cpu: '1' }], m: { a: 100, b: 100 }, want: 3, util: 10 },
    { name: 'missing pod counts as 0 on a scale-up', current: 3, target: 50, pods: [{ name: 'a', cpu: '1' }, { name: 'b', cpu: '1' }, { name: 'c', cpu: '1' }], m: { a: 1500, b: 1500 }, want: 6, util: 150 },
    { name: 'pending pod counts as 0 on a scale-up', current: 3, target: 50, pods: [{ name: 'a', cpu: '1' }, { name: 'b', cpu: '1' }, { name: 'p', cpu: '1', phase: 'Pending' }], m: { a: 1000, b: 1000 }, want: 4, util: 100 },
    { name: 'unready pod (initialisation period) ignored on a scale-down', current: 3, target: 50, pods: [{ name: 'a', cpu: '1' }, { name: 'b', cpu: '1' }, { name: 'u', cpu: '1', ready: false, startedAgoMs: 10_000 }], m: { a: 100, b: 100, u: 5000 }, want: 1, util: 10 },
    { name: 'deleting and failed pods ignored', current: 3, target: 50, pods: [{ name: 'a', cpu: '1' }, { name: 'd', cpu: '1', deleting: true }, { name: 'f', cpu: '1', phase: 'Failed' }], m: { a: 1000, d: 9000, f: 9000 }, want: 2, util: 100 },
    { name: 'change of direction after filling in keeps current', current: 2, target: 50, pods: [{ name: 'a', cpu: '1' }, { name: 'b', cpu: '1' }], m: { a: 400 }, want: 2, util: 40 },
  ];
  for (const c of cases) {
    const pods = c.pods.map(pod);
    const r = resourceReplicas(c.current, c.target, 'cpu', pods, metrics(c.m), podRequests(pods, 'cpu', undefined, milliValue), calc);
    assert.equal(r.replicas, c.want, `${c.name}: got ${r.replicas} replicas, want ${c.want}`);
    if (c.util !== undefined) assert.equal(r.utilization, c.util, `${c.name}: got utilization ${r.utilization}, want ${c.util}`);
  }
});

test('hpa: average value replicas (upstream GetRawResourceReplicas)', () => {
  const cases: Array<{ name: string; current: number; target: number; m: Record<string, number>; want: number; usage: number }> = [
    { name: 'double the target', current: 4, target: 100, m: { a: 200, b: 200, c: 200, d: 200 }, want: 8, usage: 200 },
    { name: 'half the target', current: 4, target: 100, m: { a: 50, b: 50, c: 50, d: 50 }, want: 2, usage: 50 },
    { name: 'missing pods at target on a scale-down', current: 4, target: 100, m: { a: 10, b: 10 }, want: 3, usage: 10 },
  ];
  for (const c of cases) {
    const pods = ['a', 'b', 'c', 'd'].map((n) => pod({ name: n, cpu: '1' }));
    const r = rawResourceReplicas(c.current, c.target, 'memory', pods, metrics(c.m), calc);
    assert.deepEqual([r.replicas, r.usage], [c.want, c.usage], `${c.name}: got ${JSON.stringify(r)}, want replicas ${c.want} usage ${c.usage}`);
  }
});

test('hpa: calculator errors carry upstream messages', () => {
  const cases: Array<{ name: string; run: () => unknown; want: string }> = [
    { name: 'no pods', run: () => rawResourceReplicas(1, 100, 'cpu', [], metrics({}), calc), want: 'no pods returned by selector while calculating replica count' },
    { name: 'only unready pods', run: () => rawResourceReplicas(1, 100, 'cpu', [pod({ name: 'a', phase: 'Pending' })], metrics({ a: 5 }), calc), want: 'did not receive metrics for targeted pods (pods might be unready)' },
    { name: 'missing request', run: () => podRequests([pod({ name: 'a' })], 'cpu', undefined, milliValue), want: 'missing request for cpu in container c of Pod a' },
  ];
  for (const c of cases) assert.throws(c.run, (e: unknown) => e instanceof CalcError && e.message === c.want, c.name);
});
