import { test } from 'node:test';
import assert from 'node:assert/strict';
import { behaviorWithDefaults, normalizeLegacy, normalizeWithBehavior, recordScaleEvent, type HpaMemory } from './normalize';

const T = Date.UTC(2026, 0, 1);
const fresh = (): HpaMemory => ({ recommendations: [], scaleUpEvents: [], scaleDownEvents: [] });

test('hpa: legacy normalisation (no behavior): stabilised scale-down, 2x scale-up limit, min/max', () => {
  const cases = [
    { name: 'scale-up limited to max(2*current, 4)', recs: [], current: 2, desired: 10, min: 1, max: 20, want: 4, limited: 'ScaleUpLimit' },
    { name: 'max replicas', recs: [], current: 8, desired: 12, min: 1, max: 10, want: 10, limited: 'TooManyReplicas' },
    { name: 'min replicas', recs: [], current: 3, desired: 0, min: 2, max: 10, want: 2, limited: 'TooFewReplicas' },
    { name: 'stabilised by a recent higher recommendation', recs: [{ replicas: 5, at: T - 100_000 }], current: 5, desired: 2, min: 1, max: 10, want: 5, able: 'ScaleDownStabilized' },
    { name: 'old recommendation outside the window', recs: [{ replicas: 5, at: T - 301_000 }], current: 5, desired: 2, min: 1, max: 10, want: 2, able: 'ReadyForNewScale' },
  ];
  for (const c of cases) {
    const mem = fresh();
    mem.recommendations.push(...c.recs);
    const r = normalizeLegacy(mem, { current: c.current, desired: c.desired, min: c.min, max: c.max, now: T }, 300_000);
    assert.equal(r.replicas, c.want, `${c.name}: got ${r.replicas}, want ${c.want}`);
    const lim = r.conditions.find((x) => x.type === 'ScalingLimited');
    if (c.limited) assert.deepEqual([lim?.status, lim?.reason], ['True', c.limited], `${c.name}: got ${JSON.stringify(lim)}`);
    if (c.able) assert.equal(r.conditions.find((x) => x.type === 'AbleToScale')?.reason, c.able, `${c.name}: AbleToScale reason`);
  }
});

test('hpa: behavior policies limit the rate over their periods', () => {
  const b = behaviorWithDefaults({}, 300);
  assert.deepEqual(b.scaleUp.policies, [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }], 'default scale-up policies');
  assert.equal(b.scaleDown.stabilizationWindowSeconds, 300, 'default scale-down window');
  const mem = fresh();
  const r1 = normalizeWithBehavior(mem, { current: 2, desired: 20, min: 1, max: 100, now: T }, b);
  assert.equal(r1.replicas, 6, `got ${r1.replicas}, want 6 (max of +4 pods and +100%)`);
  recordScaleEvent(mem, b, 2, 6, T);
  const r2 = normalizeWithBehavior(mem, { current: 6, desired: 20, min: 1, max: 100, now: T + 5000 }, b);
  assert.equal(r2.replicas, 6, `got ${r2.replicas}, want 6: the period's budget is spent`);
  assert.equal(r2.conditions.find((c) => c.type === 'ScalingLimited')?.reason, 'ScaleUpLimit');
  const r3 = normalizeWithBehavior(mem, { current: 6, desired: 20, min: 1, max: 100, now: T + 16_000 }, b);
  assert.equal(r3.replicas, 12, `got ${r3.replicas}, want 12 after the period`);

  const down = behaviorWithDefaults({ scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }, 300);
  const m2 = fresh();
  const d1 = normalizeWithBehavior(m2, { current: 5, desired: 1, min: 1, max: 10, now: T }, down);
  assert.deepEqual([d1.replicas, d1.conditions.find((c) => c.type === 'ScalingLimited')?.reason], [4, 'ScaleDownLimit'], `got ${JSON.stringify(d1)}`);

  const disabled = behaviorWithDefaults({ scaleUp: { selectPolicy: 'Disabled' } }, 300);
  const d2 = normalizeWithBehavior(fresh(), { current: 3, desired: 9, min: 1, max: 10, now: T }, disabled);
  assert.equal(d2.replicas, 3, `got ${d2.replicas}, want 3: scale-up disabled`);

  const m3 = fresh();
  m3.recommendations.push({ replicas: 8, at: T - 60_000 });
  const s = normalizeWithBehavior(m3, { current: 8, desired: 3, min: 1, max: 10, now: T }, b);
  assert.deepEqual([s.replicas, s.conditions[0]?.reason], [8, 'ScaleDownStabilized'], `got ${JSON.stringify(s)}`);
});
