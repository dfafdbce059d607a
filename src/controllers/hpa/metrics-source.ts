// Where the controller reads resource metrics: metrics.k8s.io PodMetrics (upstream's resource metrics client,
// pkg/controller/podautoscaler/metrics/client.go). Values are milli-units, summed over a pod's containers
// (or only the named container for ContainerResource metrics).
import { parseQuantity } from '../../api/validation/quantity';
import type { Client } from '../../client';
import { CalcError, type PodMetrics } from './replica-calculator';

export interface MetricsSource {
  /**
   * Usage of `resource` by the pods of `namespace` matching `selector` (a label selector string), per pod
   * name; throws CalcError when nothing came back.
   */
  resourceMetric(resource: string, namespace: string, selector: string, container?: string): Promise<{ metrics: PodMetrics; timestamp: number }>;
}

/** resource.Quantity.MilliValue(): the value in thousandths, rounded up. undefined when not a quantity. */
export function milliValue(v: unknown): number | undefined {
  const q = parseQuantity(v);
  if (!q) return undefined;
  const n = q.num * 1000n;
  const whole = n / q.den;
  return Number(n % q.den > 0n ? whole + 1n : whole);
}

interface RawPodMetrics {
  metadata?: { name?: string };
  timestamp?: string;
  window?: string;
  containers?: Array<{ name?: string; usage?: Record<string, unknown> }>;
}

/** Parses a Go duration as metav1.Duration marshals it ("15s", "1m0.5s", "250ms"); 0 when unparseable. */
export function parseGoDuration(s: string | undefined): number {
  if (!s) return 0;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };
  let total = 0;
  let matched = '';
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  return matched === s ? total : 0;
}

/** Per-pod sums from a PodMetricsList (upstream getPodMetrics): a pod missing the resource in any container is left out. */
export function podMetricsFrom(items: readonly RawPodMetrics[], resource: string, container?: string): PodMetrics {
  const out: PodMetrics = new Map();
  for (const m of items) {
    const name = m.metadata?.name;
    if (!name) continue;
    let sum = 0;
    let missing = (m.containers ?? []).length === 0;
    let found = !container;
    for (const c of m.containers ?? []) {
      if (container && c.name !== container) continue;
      found = true;
      const v = milliValue(c.usage?.[resource]);
      if (v === undefined) {
        missing = true;
        break;
      }
      sum += v;
    }
    if (!found) missing = true;
    if (missing) continue;
    const ts = m.timestamp ? Date.parse(m.timestamp) : NaN;
    out.set(name, { value: sum, timestamp: Number.isFinite(ts) ? ts : 0, windowMs: parseGoDuration(m.window) });
  }
  return out;
}

export function clientMetricsSource(client: Client): MetricsSource {
  return {
    async resourceMetric(resource, namespace, selector, container) {
      let list: { items?: RawPodMetrics[] };
      try {
        const q = selector ? `?labelSelector=${encodeURIComponent(selector)}` : '';
        list = await client.request<{ items?: RawPodMetrics[] }>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods${q}`);
      } catch (e) {
        throw new CalcError(`unable to fetch metrics from resource metrics API: ${e instanceof Error ? e.message : String(e)}`);
      }
      const items = list.items ?? [];
      if (items.length === 0) throw new CalcError('no metrics returned from resource metrics API');
      const ts = items[0]?.timestamp ? Date.parse(items[0].timestamp) : NaN;
      return { metrics: podMetricsFrom(items, resource, container), timestamp: Number.isFinite(ts) ? ts : 0 };
    },
  };
}
