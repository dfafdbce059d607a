// Wires the pieces for the API server: one store, one scraper over the nodes the API server knows, and the
// request handler. The API server calls start() once it listens and stop() when it shuts down.
import { serveMetrics, type KubeMeta, type MetricsObjects, type MetricsRequest } from './handler';
import { createScraper, httpsSummaryFetcher, kubeletTarget, type Log, type Scraper, type SummaryFetcher } from './scraper';
import { MetricsStore } from './store';

export interface MetricsApiOptions {
  objects: MetricsObjects;
  /** The API server's kubelet client certificate (CN berth-apiserver-kubelet-client). */
  clientCert: { certPem: string; keyPem: string };
  /** Scrape interval, metrics-server's --metric-resolution (default 15 000 ms). */
  intervalMs?: number;
  /** Replaces the HTTPS fetcher (tests). */
  fetch?: SummaryFetcher;
  now?: () => number;
  log?: Log;
}

export interface MetricsApi {
  readonly store: MetricsStore;
  readonly scraper: Scraper;
  /** Body of a 200 answer to a metrics.k8s.io/v1beta1 request; throws ApiError otherwise. */
  handle(r: MetricsRequest, query: URLSearchParams): object;
  start(): void;
  stop(): void;
}

export function createMetricsApi(o: MetricsApiOptions): MetricsApi {
  const intervalMs = o.intervalMs ?? 15_000;
  const now = o.now ?? Date.now;
  const store = new MetricsStore(intervalMs);
  const scraper = createScraper({
    store,
    intervalMs,
    now,
    log: o.log,
    fetch: o.fetch ?? httpsSummaryFetcher(o.clientCert, Math.min(10_000, Math.max(100, Math.floor(intervalMs * 0.9)))),
    targets: () => o.objects.nodes().map((n: KubeMeta) => kubeletTarget(n)).filter((t) => t !== undefined),
  });
  return {
    store,
    scraper,
    handle: (r, query) => serveMetrics(store, o.objects, r, query, now()),
    start: () => scraper.start(),
    stop: () => scraper.stop(),
  };
}
