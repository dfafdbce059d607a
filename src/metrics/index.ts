// Public surface of the metrics.k8s.io implementation (berth's built-in metrics-server).
export { createMetricsApi, type MetricsApi, type MetricsApiOptions } from './metrics-api';
export { serveMetrics, METRICS_GROUP, METRICS_VERSION, type KubeMeta, type MetricsObjects, type MetricsRequest } from './handler';
export { metricsAggregatedGroup, metricsResourceList } from './discovery';
export { MetricsStore, type PodUsage, type Usage } from './store';
export { createScraper, httpsSummaryFetcher, kubeletTarget, type KubeletTarget, type Scraper, type ScraperOptions, type SummaryFetcher } from './scraper';
export { readSummary, type Summary } from './summary';
export { cpuQuantity, goDuration, memoryQuantity } from './quantities';
