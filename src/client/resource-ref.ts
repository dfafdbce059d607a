// Which resource a ResourceClient talks to, and the well-known ones as constants (derived from the
// apiserver's resource table so the two never disagree).
import { findResource } from '../api/resources';

export interface ResourceRef {
  group: string; // '' = core
  version: string;
  plural: string;
  namespaced: boolean;
}

/** The ref of a built-in resource; throws for one berth does not serve (use a literal ResourceRef for CRDs). */
export function resourceRef(group: string, version: string, plural: string): ResourceRef {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`unknown resource ${plural}.${version}.${group}`);
  return { group: r.group, version: r.version, plural: r.plural, namespaced: r.namespaced };
}

/** The URL path of a resource's collection: /api/v1[/namespaces/ns]/pods, /apis/apps/v1/... */
export function collectionPath(ref: ResourceRef, namespace?: string): string {
  const base = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  if (ref.namespaced && namespace !== undefined && namespace !== '') return `${base}/namespaces/${encodeURIComponent(namespace)}/${ref.plural}`;
  return `${base}/${ref.plural}`;
}

export function objectPath(ref: ResourceRef, namespace: string | undefined, name: string, subresource?: string): string {
  if (ref.namespaced && !namespace) throw new Error(`${ref.plural} is namespaced: a namespace is required`);
  const p = `${collectionPath(ref, namespace)}/${encodeURIComponent(name)}`;
  return subresource ? `${p}/${subresource}` : p;
}

export const Resources = {
  pods: resourceRef('', 'v1', 'pods'),
  nodes: resourceRef('', 'v1', 'nodes'),
  services: resourceRef('', 'v1', 'services'),
  endpoints: resourceRef('', 'v1', 'endpoints'),
  namespaces: resourceRef('', 'v1', 'namespaces'),
  events: resourceRef('', 'v1', 'events'),
  configmaps: resourceRef('', 'v1', 'configmaps'),
  secrets: resourceRef('', 'v1', 'secrets'),
  serviceaccounts: resourceRef('', 'v1', 'serviceaccounts'),
  persistentvolumes: resourceRef('', 'v1', 'persistentvolumes'),
  persistentvolumeclaims: resourceRef('', 'v1', 'persistentvolumeclaims'),
  replicationcontrollers: resourceRef('', 'v1', 'replicationcontrollers'),
  resourcequotas: resourceRef('', 'v1', 'resourcequotas'),
  limitranges: resourceRef('', 'v1', 'limitranges'),
  endpointslices: resourceRef('discovery.k8s.io', 'v1', 'endpointslices'),
  leases: resourceRef('coordination.k8s.io', 'v1', 'leases'),
  deployments: resourceRef('apps', 'v1', 'deployments'),
  replicasets: resourceRef('apps', 'v1', 'replicasets'),
  statefulsets: resourceRef('apps', 'v1', 'statefulsets'),
  daemonsets: resourceRef('apps', 'v1', 'daemonsets'),
  controllerrevisions: resourceRef('apps', 'v1', 'controllerrevisions'),
  jobs: resourceRef('batch', 'v1', 'jobs'),
  cronjobs: resourceRef('batch', 'v1', 'cronjobs'),
  poddisruptionbudgets: resourceRef('policy', 'v1', 'poddisruptionbudgets'),
  horizontalpodautoscalers: resourceRef('autoscaling', 'v2', 'horizontalpodautoscalers'),
  priorityclasses: resourceRef('scheduling.k8s.io', 'v1', 'priorityclasses'),
  ingresses: resourceRef('networking.k8s.io', 'v1', 'ingresses'),
  networkpolicies: resourceRef('networking.k8s.io', 'v1', 'networkpolicies'),
  storageclasses: resourceRef('storage.k8s.io', 'v1', 'storageclasses'),
} as const satisfies Record<string, ResourceRef>;
