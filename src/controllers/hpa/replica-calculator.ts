// Upstream's replica calculator (pkg/controller/podautoscaler/replica_calculator.go) as pure functions:
// from pod metrics, pods and their requests to a replica proposal. Metric values are milli-units (cpu in
// millicores, memory in milli-bytes), as metricsclient reports them.
//
//   pods ─► groupPods ─► ready | unready (pending, or cpu in its initialisation period) | missing | ignored
//   ratio = usage / target over pods with metrics (unready/ignored removed)
//   no unready pod on a scale-up and no missing pod → ceil(ratio · ready) unless |1 − ratio| ≤ tolerance
//   otherwise missing pods count as 100% (scale-down) or 0 (scale-up), unready as 0 on a scale-up, and the
//   ratio is recomputed; a change of direction or a change within tolerance keeps the current count.
import { podCondition } from '../common/pods';
import type { Pod } from '../common/types';

export interface PodMetric {
  /** Milli-units. */
  value: number;
  /** End of the sample window (ms) and its length (ms). */
  timestamp: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface CalcOptions {
  tolerance: number;
  /** Upstream --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
  cpuInitializationPeriodMs: number;
  /** Upstream --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  initialReadinessDelayMs: number;
  now: number;
}

export const DEFAULT_CALC: Omit<CalcOptions, 'now'> = { tolerance: 0.1, cpuInitializationPeriodMs: 300_000, initialReadinessDelayMs: 30_000 };

/** An expected failure of a computation: its message reaches events and conditions verbatim. */
export class CalcError extends Error {}

interface Groups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

const tsOf = (s: unknown): number | undefined => {
  const t = typeof s === 'string' ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : undefined;
};

export function groupPods(pods: readonly Pod[], metrics: PodMetrics, resource: string, o: CalcOptions): Groups {
  const g: Groups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const cond = podCondition(pod, 'Ready');
      const start = tsOf(pod.status?.startTime);
      let unready: boolean;
      if (!cond || start === undefined) unready = true;
      else {
        const transition = tsOf(cond.lastTransitionTime) ?? 0;
        if (start + o.cpuInitializationPeriodMs > o.now) {
          // Within the initialisation period: ignore the sample if the pod is unready or no full window of
          // metrics was collected since its last readiness transition.
          unready = cond.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          // Afterwards: ignore it only if the pod is unready and has never been ready.
          unready = cond.status === 'False' && start + o.initialReadinessDelayMs > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** Sum of the containers' requests of `resource` in milli-units, per pod name; throws when a container has none. */
export function podRequests(pods: readonly Pod[], resource: string, container: string | undefined, milli: (q: unknown) => number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) {
      if (container && c.name !== container) continue;
      const req = ((c.resources as { requests?: Record<string, unknown> } | undefined)?.requests ?? {})[resource];
      const v = req === undefined ? undefined : milli(req);
      if (v === undefined) throw new CalcError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name ?? ''}`);
      sum += v;
    }
    out.set(pod.metadata.name ?? '', sum);
  }
  return out;
}

/** metricsclient.GetResourceUtilizationRatio. */
export function utilizationRatio(metrics: PodMetrics, requests: Map<string, number>, targetUtilization: number): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    metricsTotal += m.value;
    requestsTotal += r;
    n++;
  }
  if (requestsTotal === 0) throw new CalcError('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / n) };
}

/** metricsclient.GetMetricUsageRatio. */
export function usageRatio(metrics: PodMetrics, targetUsage: number): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}

function prepare(pods: readonly Pod[], metrics: PodMetrics, resource: string, o: CalcOptions): { g: Groups; m: PodMetrics } {
  if (pods.length === 0) throw new CalcError('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, metrics, resource, o);
  const m: PodMetrics = new Map(metrics);
  for (const n of [...g.ignored, ...g.unready]) m.delete(n);
  if (m.size === 0) throw new CalcError('did not receive metrics for targeted pods (pods might be unready)');
  return { g, m };
}

/**
 * The common tail of both calculations: when pods are missing metrics, or unready on a scale-up, fill them in
 * (missing: `fillDown(pod)` on a scale-down, 0 on a scale-up; unready: 0) and recompute with `ratioOf`.
 */
function finish(current: number, ratio: number, g: Groups, m: PodMetrics, o: CalcOptions, fillDown: (pod: string) => number, ratioOf: (m: PodMetrics) => number): number {
  const within = (r: number): boolean => Math.abs(1 - r) <= o.tolerance;
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (within(ratio)) return current;
    return Math.ceil(ratio * g.readyPodCount);
  }
  const at = (value: number): PodMetric => ({ value, timestamp: 0, windowMs: 0 });
  if (g.missing.size > 0) {
    if (ratio < 1) for (const n of g.missing) m.set(n, at(fillDown(n)));
    else if (ratio > 1) for (const n of g.missing) m.set(n, at(0));
  }
  if (scaleUpWithUnready) for (const n of g.unready) m.set(n, at(0));
  const next = ratioOf(m);
  if (within(next) || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return current;
  const proposal = Math.ceil(next * m.size);
  if ((next < 1 && proposal > current) || (next > 1 && proposal < current)) return current;
  return proposal;
}

/** GetResourceReplicas: a Utilization target (percent of request). */
export function resourceReplicas(
  current: number, targetUtilization: number, resource: string, pods: readonly Pod[], metrics: PodMetrics, requests: Map<string, number>, o: CalcOptions,
): { replicas: number; utilization: number; rawAverage: number } {
  const { g, m } = prepare(pods, metrics, resource, o);
  const first = utilizationRatio(m, requests, targetUtilization);
  // Missing pods on a scale-down count as using 100% of their request (or the target, if higher).
  const fallbackPct = Math.max(100, targetUtilization);
  const replicas = finish(current, first.ratio, g, m, o, (n) => Math.trunc(((requests.get(n) ?? 0) * fallbackPct) / 100), (mm) => utilizationRatio(mm, requests, targetUtilization).ratio);
  return { replicas, utilization: first.utilization, rawAverage: first.rawAverage };
}

/** GetRawResourceReplicas: an AverageValue target (milli-units per pod). */
export function rawResourceReplicas(current: number, targetUsage: number, resource: string, pods: readonly Pod[], metrics: PodMetrics, o: CalcOptions): { replicas: number; usage: number } {
  const { g, m } = prepare(pods, metrics, resource, o);
  const first = usageRatio(m, targetUsage);
  const replicas = finish(current, first.ratio, g, m, o, () => targetUsage, (mm) => usageRatio(mm, targetUsage).ratio);
  return { replicas, usage: first.usage };
}
