// From a metric proposal to the replica count the controller applies (upstream horizontal.go):
// stabilisation over recent recommendations, then limits — min/max replicas and either the legacy
// scale-up limit max(2·current, 4) (no behavior) or the behavior's scaleUp/scaleDown policies over recent
// scale events. Every step reports the condition upstream sets (AbleToScale, ScalingLimited).
//
// Per-HPA memory (kept in HpaMemory, lost on restart exactly as upstream's in-process maps are):
//   recommendations: [{replicas, at}]   stabilisation windows look back over them
//   scaleUp/scaleDown events: [{change, at, outdated}]   policies count the change within their period
import type { ScalingPolicy, ScalingRules } from './types';

export interface Recommendation { replicas: number; at: number }
export interface ScaleEvent { change: number; at: number; outdated: boolean }

export interface HpaMemory {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export interface ConditionUpdate { type: 'AbleToScale' | 'ScalingLimited'; status: 'True' | 'False'; reason: string; message: string }

export interface Behavior { scaleUp: Required<ScalingRules>; scaleDown: Required<ScalingRules> }

/** Upstream GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: the user's fields over the defaults. */
export function behaviorWithDefaults(b: { scaleUp?: ScalingRules; scaleDown?: ScalingRules }, downscaleWindowSeconds: number): Behavior {
  const up = b.scaleUp ?? {};
  const down = b.scaleDown ?? {};
  return {
    scaleUp: {
      stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? 0,
      selectPolicy: up.selectPolicy ?? 'Max',
      policies: up.policies?.length ? up.policies : [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
    },
    scaleDown: {
      stabilizationWindowSeconds: down.stabilizationWindowSeconds ?? downscaleWindowSeconds,
      selectPolicy: down.selectPolicy ?? 'Max',
      policies: down.policies?.length ? down.policies : [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
  };
}

export interface NormalizeArgs {
  current: number;
  desired: number;
  min: number;
  max: number;
  now: number;
}

const READY: ConditionUpdate = { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };

function limited(desired: number, stabilized: number, reason: string, message: string): ConditionUpdate {
  return { type: 'ScalingLimited', status: desired === stabilized ? 'False' : 'True', reason, message };
}

/** normalizeDesiredReplicas: no behavior. Stabilises scale-downs over `windowMs`, then min/max and max(2·current, 4). */
export function normalizeLegacy(mem: HpaMemory, a: NormalizeArgs, windowMs: number): { replicas: number; conditions: ConditionUpdate[] } {
  let maxRec = a.desired;
  let oldIndex = -1;
  const cutoff = a.now - windowMs;
  mem.recommendations.forEach((r, i) => {
    if (r.at < cutoff) oldIndex = i;
    else if (r.replicas > maxRec) maxRec = r.replicas;
  });
  const rec = { replicas: a.desired, at: a.now };
  if (oldIndex >= 0) mem.recommendations[oldIndex] = rec;
  else mem.recommendations.push(rec);
  const conditions: ConditionUpdate[] = [maxRec !== a.desired
    ? { type: 'AbleToScale', status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
    : READY];
  const scaleUpLimit = Math.max(2 * a.current, 4);
  let maxAllowed: number, reason: string, message: string;
  if (a.max > scaleUpLimit) {
    maxAllowed = scaleUpLimit;
    reason = 'ScaleUpLimit';
    message = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    maxAllowed = a.max;
    reason = 'TooManyReplicas';
    message = 'the desired replica count is more than the maximum replica count';
  }
  let out = maxRec;
  if (maxRec < a.min) {
    out = a.min;
    reason = 'TooFewReplicas';
    message = 'the desired replica count is less than the minimum replica count';
  } else if (maxRec > maxAllowed) out = maxAllowed;
  else ({ reason, message } = WITHIN);
  conditions.push(limited(out, maxRec, reason, message));
  return { replicas: out, conditions };
}

function changeWithin(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let n = 0;
  for (const e of events) if (e.at > cutoff) n += e.change;
  return n;
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(current: number, mem: HpaMemory, rules: Required<ScalingRules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const start = current - changeWithin(p.periodSeconds, mem.scaleUpEvents, now) + changeWithin(p.periodSeconds, mem.scaleDownEvents, now);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimit(current: number, mem: HpaMemory, rules: Required<ScalingRules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start = current - changeWithin(p.periodSeconds, mem.scaleUpEvents, now) + changeWithin(p.periodSeconds, mem.scaleDownEvents, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** normalizeDesiredReplicasWithBehaviors. */
export function normalizeWithBehavior(mem: HpaMemory, a: NormalizeArgs, b: Behavior): { replicas: number; conditions: ConditionUpdate[] } {
  // stabilizeRecommendationWithBehaviors
  const upCutoff = a.now - b.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = a.now - b.scaleDown.stabilizationWindowSeconds * 1000;
  let up = a.desired;
  let down = a.desired;
  let oldIndex = -1;
  mem.recommendations.forEach((r, i) => {
    if (r.at > upCutoff) up = Math.min(r.replicas, up);
    if (r.at > downCutoff) down = Math.max(r.replicas, down);
    if (r.at < upCutoff && r.at < downCutoff) oldIndex = i;
  });
  let stabilized = a.current;
  if (stabilized < up) stabilized = up;
  if (stabilized > down) stabilized = down;
  const rec = { replicas: a.desired, at: a.now };
  if (oldIndex >= 0) mem.recommendations[oldIndex] = rec;
  else mem.recommendations.push(rec);
  const conditions: ConditionUpdate[] = [];
  if (stabilized !== a.desired) {
    conditions.push(a.desired >= a.current
      ? { type: 'AbleToScale', status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
      : { type: 'AbleToScale', status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
  } else conditions.push(READY);
  // convertDesiredReplicasWithBehaviorRate
  let out = stabilized;
  let { reason, message } = WITHIN;
  if (stabilized > a.current) {
    const limit = Math.max(scaleUpLimit(a.current, mem, b.scaleUp, a.now), a.current);
    let maxAllowed = a.max;
    let r = 'TooManyReplicas', m = 'the desired replica count is more than the maximum replica count';
    if (maxAllowed > limit) {
      maxAllowed = limit;
      r = 'ScaleUpLimit';
      m = 'the desired replica count is increasing faster than the maximum scale rate';
    }
    if (stabilized > maxAllowed) ({ out, reason, message } = { out: maxAllowed, reason: r, message: m });
  } else if (stabilized < a.current) {
    const limit = Math.min(scaleDownLimit(a.current, mem, b.scaleDown, a.now), a.current);
    let minAllowed = a.min;
    let r = 'TooFewReplicas', m = 'the desired replica count is less than the minimum replica count';
    if (minAllowed < limit) {
      minAllowed = limit;
      r = 'ScaleDownLimit';
      m = 'the desired replica count is decreasing faster than the maximum scale rate';
    }
    if (stabilized < minAllowed) ({ out, reason, message } = { out: minAllowed, reason: r, message: m });
  }
  conditions.push(limited(out, stabilized, reason, message));
  return { replicas: out, conditions };
}

function longestPeriodMs(policies: readonly ScalingPolicy[]): number {
  return Math.max(0, ...policies.map((p) => p.periodSeconds)) * 1000;
}

/** storeScaleEvent: remembers a rescale (only HPAs with a behavior use them). */
export function recordScaleEvent(mem: HpaMemory, b: Behavior, prev: number, next: number, now: number): void {
  const up = next > prev;
  const events = up ? mem.scaleUpEvents : mem.scaleDownEvents;
  const period = longestPeriodMs((up ? b.scaleUp : b.scaleDown).policies);
  for (const e of events) if (e.at <= now - period) e.outdated = true;
  const ev: ScaleEvent = { change: Math.abs(next - prev), at: now, outdated: false };
  const i = events.findIndex((e) => e.outdated);
  if (i >= 0) events[i] = ev;
  else events.push(ev);
}
