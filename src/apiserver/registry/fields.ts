// Field selectors: which fields each resource supports (its field label conversion funcs upstream) and how
// to read them. Every resource supports metadata.name and metadata.namespace.
import type { ResourceInfo } from '../../api/resources';
import { isObj, type Obj } from './object';

type Getter = (o: Obj) => unknown;

function path(...p: string[]): Getter {
  return (o) => {
    let v: unknown = o;
    for (const k of p) {
      if (!isObj(v)) return undefined;
      v = v[k];
    }
    return v;
  };
}

const COMMON: Record<string, Getter> = {
  'metadata.name': path('metadata', 'name'),
  'metadata.namespace': path('metadata', 'namespace'),
};

const PER_RESOURCE: Record<string, Record<string, Getter>> = {
  '/pods': {
    'spec.nodeName': path('spec', 'nodeName'),
    'spec.restartPolicy': path('spec', 'restartPolicy'),
    'spec.schedulerName': path('spec', 'schedulerName'),
    'spec.serviceAccountName': path('spec', 'serviceAccountName'),
    'spec.hostNetwork': (o) => String(Boolean(path('spec', 'hostNetwork')(o))),
    'status.phase': path('status', 'phase'),
    'status.podIP': path('status', 'podIP'),
    'status.nominatedNodeName': path('status', 'nominatedNodeName'),
  },
  '/events': {
    'involvedObject.kind': path('involvedObject', 'kind'),
    'involvedObject.namespace': path('involvedObject', 'namespace'),
    'involvedObject.name': path('involvedObject', 'name'),
    'involvedObject.uid': path('involvedObject', 'uid'),
    'involvedObject.apiVersion': path('involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': path('involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': path('involvedObject', 'fieldPath'),
    reason: path('reason'),
    reportingComponent: path('reportingComponent'),
    source: path('source', 'component'),
    type: path('type'),
  },
  '/secrets': { type: path('type') },
  '/nodes': { 'spec.unschedulable': (o) => String(Boolean(path('spec', 'unschedulable')(o))) },
  '/namespaces': { 'status.phase': path('status', 'phase') },
  '/replicationcontrollers': { 'status.replicas': path('status', 'replicas') },
  'apps/replicasets': { 'status.replicas': path('status', 'replicas') },
  'batch/jobs': { 'status.successful': path('status', 'succeeded') },
  '/persistentvolumeclaims': { 'spec.volumeName': path('spec', 'volumeName') },
  'certificates.k8s.io/certificatesigningrequests': { 'spec.signerName': path('spec', 'signerName') },
};

/**
 * A function giving the string value of a supported field label for an object ('' when unset),
 * or undefined for a field label the resource does not support.
 */
export function fieldGetter(info: Pick<ResourceInfo, 'group' | 'plural'>): (obj: Obj, field: string) => string | undefined {
  const own = PER_RESOURCE[`${info.group === 'events.k8s.io' ? '' : info.group}/${info.plural}`] ?? {};
  const all: Record<string, Getter> = { ...COMMON, ...own };
  return (obj, field) => {
    const g = all[field];
    if (!g) return undefined;
    const v = g(obj);
    if (v === undefined || v === null) return '';
    return typeof v === 'string' ? v : String(v);
  };
}
