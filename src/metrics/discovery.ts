// Discovery documents for metrics.k8s.io/v1beta1, as metrics-server registers them behind API aggregation
// (resources `nodes` → NodeMetrics, cluster-scoped, and `pods` → PodMetrics, namespaced; verbs get, list).
import { METRICS_GROUP, METRICS_VERSION } from './handler';

const RESOURCES = [
  { name: 'nodes', kind: 'NodeMetrics', namespaced: false },
  { name: 'pods', kind: 'PodMetrics', namespaced: true },
] as const;
const VERBS = ['get', 'list'];

/** The legacy APIResourceList of GET /apis/metrics.k8s.io/v1beta1. */
export function metricsResourceList(): object {
  return {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${METRICS_GROUP}/${METRICS_VERSION}`,
    resources: RESOURCES.map((r) => ({ name: r.name, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: VERBS })),
  };
}

/** The group's entry in an aggregated (apidiscovery.k8s.io/v2) APIGroupDiscoveryList. */
export function metricsAggregatedGroup(): object {
  return {
    metadata: { name: METRICS_GROUP, creationTimestamp: null },
    versions: [{
      version: METRICS_VERSION,
      freshness: 'Current',
      resources: RESOURCES.map((r) => ({
        resource: r.name,
        responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: '',
        verbs: VERBS,
      })),
    }],
  };
}

