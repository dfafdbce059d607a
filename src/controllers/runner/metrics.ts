// Controller metrics in the Prometheus text format (the workqueue_* and reconcile families of
// controller-runtime/client-go), rendered on demand by text().
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

interface PerController {
  depth: () => number;
  adds: number;
  retries: number;
  reconciles: number;
  errors: number;
  buckets: number[];
  sum: number;
}

export interface ControllerMetrics {
  /** Registers a controller and the function that reports its queue depth. */
  register(controller: string, depth: () => number): void;
  unregister(controller: string): void;
  added(controller: string): void;
  retried(controller: string): void;
  /** One reconcile finished after `seconds`, ok or not. */
  observed(controller: string, seconds: number, ok: boolean): void;
  /** Prometheus text exposition lines. */
  text(): string;
}

export function createControllerMetrics(): ControllerMetrics {
  const by = new Map<string, PerController>();
  const get = (c: string): PerController | undefined => by.get(c);
  return {
    register(controller, depth) {
      const prev = by.get(controller);
      if (prev) prev.depth = depth;
      else by.set(controller, { depth, adds: 0, retries: 0, reconciles: 0, errors: 0, buckets: BUCKETS.map(() => 0), sum: 0 });
    },
    unregister(controller) {
      const m = by.get(controller);
      if (m) m.depth = () => 0;
    },
    added(c) {
      const m = get(c);
      if (m) m.adds++;
    },
    retried(c) {
      const m = get(c);
      if (m) m.retries++;
    },
    observed(c, seconds, ok) {
      const m = get(c);
      if (!m) return;
      m.reconciles++;
      if (!ok) m.errors++;
      m.sum += seconds;
      BUCKETS.forEach((b, i) => {
        if (seconds <= b) m.buckets[i]!++;
      });
    },
    text() {
      const out: string[] = [];
      const family = (name: string, type: string, help: string, line: (c: string, m: PerController) => string[]): void => {
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        for (const [c, m] of [...by].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(...line(c, m));
      };
      family('workqueue_depth', 'gauge', 'Current depth of the work queue.', (c, m) => [`workqueue_depth{name="${c}"} ${m.depth()}`]);
      family('workqueue_adds_total', 'counter', 'Total number of adds handled by the work queue.', (c, m) => [`workqueue_adds_total{name="${c}"} ${m.adds}`]);
      family('workqueue_retries_total', 'counter', 'Total number of retries handled by the work queue.', (c, m) => [`workqueue_retries_total{name="${c}"} ${m.retries}`]);
      family('controller_reconcile_total', 'counter', 'Total number of reconciliations per controller and result.', (c, m) => [
        `controller_reconcile_total{controller="${c}",result="success"} ${m.reconciles - m.errors}`,
        `controller_reconcile_total{controller="${c}",result="error"} ${m.errors}`,
      ]);
      family('controller_reconcile_time_seconds', 'histogram', 'Length of time per reconciliation per controller.', (c, m) => [
        ...BUCKETS.map((b, i) => `controller_reconcile_time_seconds_bucket{controller="${c}",le="${b}"} ${m.buckets[i]}`),
        `controller_reconcile_time_seconds_bucket{controller="${c}",le="+Inf"} ${m.reconciles}`,
        `controller_reconcile_time_seconds_sum{controller="${c}"} ${m.sum}`,
        `controller_reconcile_time_seconds_count{controller="${c}"} ${m.reconciles}`,
      ]);
      return out.join('\n') + '\n';
    },
  };
}
