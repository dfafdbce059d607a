import { test } from 'node:test';
import assert from 'node:assert/strict';
import { milliValue, parseGoDuration, podMetricsFrom } from './metrics-source';

test('hpa metrics: quantities in milli-units, rounded up like Quantity.MilliValue', () => {
  const cases: Array<[unknown, number | undefined]> = [['250m', 250], ['1', 1000], ['137600512n', 138], ['64Mi', 64 * 1024 * 1024 * 1000], [2, 2000], ['bogus', undefined]];
  for (const [in_, want] of cases) assert.equal(milliValue(in_), want, `milliValue(${String(in_)})`);
});

test('hpa metrics: Go durations', () => {
  const cases: Array<[string | undefined, number]> = [['15s', 15_000], ['1m0.5s', 60_500], ['250ms', 250], ['1.5µs', 0.0015], ['', 0], ['x', 0], [undefined, 0]];
  for (const [in_, want] of cases) assert.equal(parseGoDuration(in_), want, `parseGoDuration(${String(in_)})`);
});

test('hpa metrics: per-pod sums from PodMetrics (upstream getPodMetrics)', () => {
  const items = [
    { metadata: { name: 'two' }, timestamp: '2026-01-01T00:00:00Z', window: '15s', containers: [{ name: 'a', usage: { cpu: '100m' } }, { name: 'b', usage: { cpu: '50m' } }] },
    { metadata: { name: 'nomem' }, containers: [{ name: 'a', usage: { cpu: '1m' } }] },
    { metadata: { name: 'empty' }, containers: [] },
  ];
  const cases = [
    { name: 'sum over containers', resource: 'cpu', container: undefined, want: { two: 150, nomem: 1 } },
    { name: 'one container', resource: 'cpu', container: 'b', want: { two: 50 } },
    { name: 'a pod missing the resource is left out', resource: 'memory', container: undefined, want: {} },
  ];
  for (const c of cases) {
    const got = Object.fromEntries([...podMetricsFrom(items, c.resource, c.container)].map(([k, v]) => [k, v.value]));
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}`);
  }
  const w = podMetricsFrom(items, 'cpu').get('two');
  assert.deepEqual([w?.timestamp, w?.windowMs], [Date.parse('2026-01-01T00:00:00Z'), 15_000], 'timestamp and window carried');
});
