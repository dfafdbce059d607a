// Prometheus text-format metrics, the handful Kubernetes operators look at first:
// apiserver_request_total{verb,resource,code}, apiserver_request_duration_seconds (histogram by verb,
// resource), apiserver_registered_watchers{resource}, etcd_request_duration_seconds-style store latency.

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

class Histogram {
  readonly counts = new Array<number>(BUCKETS.length).fill(0);
  sum = 0;
  count = 0;
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < BUCKETS.length; i++) if (v <= BUCKETS[i]!) this.counts[i]!++;
  }
}

function labels(l: Record<string, string>): string {
  return Object.entries(l)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

export class Metrics {
  private readonly requests = new Map<string, { l: Record<string, string>; n: number }>();
  private readonly durations = new Map<string, { l: Record<string, string>; h: Histogram }>();
  private readonly storeDurations = new Map<string, { l: Record<string, string>; h: Histogram }>();
  /** Gauges computed at scrape time. */
  readonly gauges: Array<() => Array<{ name: string; help: string; labels: Record<string, string>; value: number }>> = [];
  /** Whole families in the text format from other components of the process (the controller manager's). */
  readonly sections: Array<() => string> = [];

  request(verb: string, resource: string, code: number, seconds: number): void {
    const l = { verb, resource, code: String(code) };
    const k = `${verb}|${resource}|${code}`;
    const r = this.requests.get(k);
    if (r) r.n++;
    else this.requests.set(k, { l, n: 1 });
    const dk = `${verb}|${resource}`;
    let d = this.durations.get(dk);
    if (!d) this.durations.set(dk, (d = { l: { verb, resource }, h: new Histogram() }));
    d.h.observe(seconds);
  }

  store(operation: string, resource: string, seconds: number): void {
    const k = `${operation}|${resource}`;
    let d = this.storeDurations.get(k);
    if (!d) this.storeDurations.set(k, (d = { l: { operation, type: resource }, h: new Histogram() }));
    d.h.observe(seconds);
  }

  render(): string {
    const out: string[] = [];
    out.push('# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, resource and HTTP response code.');
    out.push('# TYPE apiserver_request_total counter');
    for (const r of this.requests.values()) out.push(`apiserver_request_total{${labels(r.l)}} ${r.n}`);
    histogram(out, 'apiserver_request_duration_seconds', 'Response latency distribution in seconds for each verb and resource.', this.durations);
    histogram(out, 'berth_store_request_duration_seconds', 'Store request latency in seconds for each operation and resource.', this.storeDurations);
    const seen = new Set<string>();
    for (const g of this.gauges) {
      for (const m of g()) {
        if (!seen.has(m.name)) {
          seen.add(m.name);
          out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} gauge`);
        }
        out.push(`${m.name}{${labels(m.labels)}} ${m.value}`);
      }
    }
    for (const sec of this.sections) {
      const t = sec().trimEnd();
      if (t) out.push(t);
    }
    const mem = process.memoryUsage();
    out.push('# HELP process_resident_memory_bytes Resident memory size in bytes.', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${mem.rss}`);
    out.push('# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.', '# TYPE process_start_time_seconds gauge', `process_start_time_seconds ${Math.floor(Date.now() / 1000 - process.uptime())}`);
    return `${out.join('\n')}\n`;
  }
}

function histogram(out: string[], name: string, help: string, m: Map<string, { l: Record<string, string>; h: Histogram }>): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  for (const { l, h } of m.values()) {
    const base = labels(l);
    for (let i = 0; i < BUCKETS.length; i++) out.push(`${name}_bucket{${base},le="${BUCKETS[i]}"} ${h.counts[i]}`);
    out.push(`${name}_bucket{${base},le="+Inf"} ${h.count}`);
    out.push(`${name}_sum{${base}} ${h.sum}`);
    out.push(`${name}_count{${base}} ${h.count}`);
  }
}
