// Controller metrics in the Prometheus text format (the workqueue_* families of client-go and the reconcile
// families of controller-runtime), rendered on demand by text(). runControllers records into the process-wide
// registry unless given its own, so `metrics()` is what a /metrics endpoint serves for the controller manager.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

const histogram = (): Histogram => ({ buckets: BUCKETS.map(() => 0), sum: 0, count: 0 });

function observe(h: Histogram, seconds: number): void {
  h.count++;
  h.sum += seconds;
  BUCKETS.forEach((b, i) => {
    if (seconds <= b) h.buckets[i]!++;
  });
}

interface PerController {
  depth: () => number;
  adds: number;
  retries: number;
  errors: number;
  reconcile: Histogram;
  queued: Histogram;
}

export interface ControllerMetrics {
  /** Registers a controller and the function that reports its queue depth. */
  register(controller: string, depth: () => number): void;
  unregister(controller: string): void;
  added(controller: string): void;
  retried(controller: string): void;
  /** One reconcile finished after `seconds`, ok or not. */
  observed(controller: string, seconds: number, ok: boolean): void;
  /** A key waited `seconds` in the queue between its add and a worker taking it. */
  queued(controller: string, seconds: number): void;
  /** Prometheus text exposition lines. */
  text(): string;
}

export function createControllerMetrics(): ControllerMetrics {
  const by = new Map<string, PerController>();
  return {
    register(controller, depth) {
      const prev = by.get(controller);
      if (prev) prev.depth = depth;
      else by.set(controller, { depth, adds: 0, retries: 0, errors: 0, reconcile: histogram(), queued: histogram() });
    },
    unregister(controller) {
      const m = by.get(controller);
      if (m) m.depth = () => 0;
    },
    added(c) {
      const m = by.get(c);
      if (m) m.adds++;
    },
    retried(c) {
      const m = by.get(c);
      if (m) m.retries++;
    },
    observed(c, seconds, ok) {
      const m = by.get(c);
      if (!m) return;
      if (!ok) m.errors++;
      observe(m.reconcile, seconds);
    },
    queued(c, seconds) {
      const m = by.get(c);
      if (m) observe(m.queued, seconds);
    },
    text() {
      const out: string[] = [];
      const family = (name: string, type: string, help: string, line: (c: string, m: PerController) => string[]): void => {
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        for (const [c, m] of [...by].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(...line(c, m));
      };
      const hist = (name: string, label: string, h: Histogram): string[] => [
        ...BUCKETS.map((b, i) => `${name}_bucket{${label},le="${b}"} ${h.buckets[i]}`),
        `${name}_bucket{${label},le="+Inf"} ${h.count}`,
        `${name}_sum{${label}} ${h.sum}`,
        `${name}_count{${label}} ${h.count}`,
      ];
      family('workqueue_depth', 'gauge', 'Current depth of the work queue.', (c, m) => [`workqueue_depth{name="${c}"} ${m.depth()}`]);
      family('workqueue_adds_total', 'counter', 'Total number of adds handled by the work queue.', (c, m) => [`workqueue_adds_total{name="${c}"} ${m.adds}`]);
      family('workqueue_retries_total', 'counter', 'Total number of retries handled by the work queue.', (c, m) => [`workqueue_retries_total{name="${c}"} ${m.retries}`]);
      family('workqueue_queue_duration_seconds', 'histogram', 'How long in seconds an item stays in the work queue before being requested.', (c, m) => hist('workqueue_queue_duration_seconds', `name="${c}"`, m.queued));
      family('controller_reconcile_total', 'counter', 'Total number of reconciliations per controller and result.', (c, m) => [
        `controller_reconcile_total{controller="${c}",result="success"} ${m.reconcile.count - m.errors}`,
        `controller_reconcile_total{controller="${c}",result="error"} ${m.errors}`,
      ]);
      family('controller_reconcile_time_seconds', 'histogram', 'Length of time per reconciliation per controller.', (c, m) => hist('controller_reconcile_time_seconds', `controller="${c}"`, m.reconcile));
      return out.join('\n') + '\n';
    },
  };
}

/** The process-wide registry runControllers records into when not given one. */
export const defaultControllerMetrics: ControllerMetrics = createControllerMetrics();

/** The controller manager's metrics in the Prometheus text format (what GET /metrics should serve). */
export function metrics(): string {
  return defaultControllerMetrics.text();
}
