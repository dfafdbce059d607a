// metrics.k8s.io/v1beta1 served from the MetricsStore, in metrics-server's shapes: NodeMetrics(List) and
// PodMetrics(List), get and list only, label selectors (and metadata.name / metadata.namespace field
// selectors) matched against the Node and Pod objects the API server holds, so deleted pods never show.
import { parseFieldSelector, parseLabelSelector, SelectorParseError } from '../api/selectors';
import { errors } from '../apiserver/errors';
import { cpuQuantity, goDuration, memoryQuantity } from './quantities';
import type { MetricsStore, PodUsage, Usage } from './store';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** The Kubernetes objects the handler needs, read from the API server's caches (never mutated). */
export interface MetricsObjects {
  node(name: string): KubeMeta | undefined;
  nodes(): KubeMeta[];
  pod(namespace: string, name: string): KubeMeta | undefined;
  /** Pods of a namespace, or of every namespace for ''. */
  pods(namespace: string): KubeMeta[];
}

export interface KubeMeta {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
}

/** What the router parsed from /apis/metrics.k8s.io/v1beta1/...: verb, namespace, resource, name. */
export interface MetricsRequest {
  verb: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const usageOf = (u: Pick<Usage, 'cpuNanoCores' | 'memoryBytes'>): { cpu: string; memory: string } => ({ cpu: cpuQuantity(u.cpuNanoCores), memory: memoryQuantity(u.memoryBytes) });

function meta(o: KubeMeta, now: number): Record<string, unknown> {
  const m: Record<string, unknown> = { name: o.metadata?.name ?? '' };
  if (o.metadata?.namespace) m.namespace = o.metadata.namespace;
  m.creationTimestamp = rfc3339(now);
  if (o.metadata?.labels && Object.keys(o.metadata.labels).length) m.labels = { ...o.metadata.labels };
  return m;
}

function nodeMetrics(node: KubeMeta, u: Usage, now: number): object {
  return { kind: 'NodeMetrics', apiVersion: API_VERSION, metadata: meta(node, now), timestamp: rfc3339(u.timestamp), window: goDuration(u.windowMs), usage: usageOf(u) };
}

function podMetrics(pod: KubeMeta, u: PodUsage, now: number): object {
  return {
    kind: 'PodMetrics', apiVersion: API_VERSION, metadata: meta(pod, now), timestamp: rfc3339(u.timestamp), window: goDuration(u.windowMs),
    containers: u.containers.map((c) => ({ name: c.name, usage: usageOf(c.usage) })),
  };
}

function selectors(query: URLSearchParams): { labels: (o: KubeMeta) => boolean; fields: (o: KubeMeta) => boolean } {
  try {
    const ls = parseLabelSelector(query.get('labelSelector'));
    const fs = parseFieldSelector(query.get('fieldSelector'));
    for (const r of fs.requirements) {
      if (r.field !== 'metadata.name' && r.field !== 'metadata.namespace') throw errors.badRequest(`field label not supported: ${r.field}`);
    }
    return {
      labels: (o) => ls.matches(o.metadata?.labels),
      fields: (o) => fs.matches((f) => (f === 'metadata.name' ? o.metadata?.name ?? '' : f === 'metadata.namespace' ? o.metadata?.namespace ?? '' : undefined)),
    };
  } catch (e) {
    if (e instanceof SelectorParseError) throw errors.badRequest(e.message);
    throw e;
  }
}

/**
 * Answers one metrics.k8s.io request: returns the body for a 200, throws ApiError otherwise (404 NotFound
 * `podmetrics.metrics.k8s.io "x" not found` for a pod without metrics, 405 for verbs other than get/list).
 */
export function serveMetrics(store: MetricsStore, objs: MetricsObjects, r: MetricsRequest, query: URLSearchParams, now: number): object {
  const plural = r.resource === 'nodes' ? 'nodemetrics' : r.resource === 'pods' ? 'podmetrics' : '';
  if (!plural || r.subresource) throw errors.notFoundPath();
  if (r.resource === 'nodes' && r.namespace) throw errors.notFoundPath();
  if (r.verb !== 'get' && r.verb !== 'list') throw errors.methodNotSupported(METRICS_GROUP, plural, r.verb);
  if (r.resource === 'nodes') {
    if (r.verb === 'get') {
      const node = objs.node(r.name);
      const u = node ? store.node(r.name) : undefined;
      if (!node || !u) throw errors.notFound(METRICS_GROUP, plural, r.name);
      return nodeMetrics(node, u, now);
    }
    const sel = selectors(query);
    const items: object[] = [];
    for (const n of objs.nodes()) {
      if (!sel.labels(n) || !sel.fields(n)) continue;
      const u = store.node(n.metadata?.name ?? '');
      if (u) items.push(nodeMetrics(n, u, now));
    }
    return { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items };
  }
  if (r.verb === 'get') {
    const pod = objs.pod(r.namespace, r.name);
    const u = pod ? store.pod(r.namespace, r.name) : undefined;
    if (!pod || !u) throw errors.notFound(METRICS_GROUP, plural, r.name);
    return podMetrics(pod, u, now);
  }
  const sel = selectors(query);
  const items: object[] = [];
  for (const p of objs.pods(r.namespace)) {
    if (!sel.labels(p) || !sel.fields(p)) continue;
    const u = store.pod(p.metadata?.namespace ?? '', p.metadata?.name ?? '');
    if (u) items.push(podMetrics(p, u, now));
  }
  return { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items };
}
