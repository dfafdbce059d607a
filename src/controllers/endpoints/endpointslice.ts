// EndpointSlice controller: for every Service with a selector, EndpointSlices (at most 100 endpoints each,
// one set per distinct port list) labelled kubernetes.io/service-name and managed-by
// endpointslice-controller.k8s.io, owned by the Service. Endpoints carry ready/serving/terminating.
//
// Slices are created with generateName; names we created but the cache has not shown yet are remembered
// so a quick second reconcile does not create duplicates.
import { deletedObject, isNotFound, Resources, type Client, type KubeObject, type Lister } from '../../client';
import { semanticEqual } from '../common/equal';
import { newControllerRef } from '../common/owners';
import type { Pod } from '../common/types';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';
import {
  hostnameFor, isApiServerService, isPodReady, podIP, podPorts, podTargetRef, servicePods, shouldPodBeInEndpoints, watchServicesAndPods,
  type EndpointPort, type Service,
} from './service-pods';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface Endpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  nodeName?: string;
  targetRef?: Record<string, string>;
}

export interface EndpointSlice extends KubeObject {
  addressType: string;
  endpoints?: Endpoint[];
  ports?: EndpointPort[];
}

/** Pure: the slices' contents the service's pods imply: per port list, endpoints in chunks of `max`. */
export function desiredSlices(svc: Service, pods: readonly Pod[], max = MAX_ENDPOINTS_PER_SLICE): Array<{ ports: EndpointPort[]; endpoints: Endpoint[] }> {
  const publish = !!svc.spec?.publishNotReadyAddresses;
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const terminating = !!pod.metadata.deletionTimestamp;
    const ready = isPodReady(pod);
    const ep: Endpoint = { addresses: [podIP(pod)!], conditions: { ready: publish || (ready && !terminating), serving: ready, terminating }, targetRef: podTargetRef(pod) };
    const host = hostnameFor(svc, pod);
    if (host) ep.hostname = host;
    if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
    const ports = podPorts(svc, pod);
    if ((svc.spec?.ports ?? []).length && !ports.length) continue;
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(ep);
  }
  const out: Array<{ ports: EndpointPort[]; endpoints: Endpoint[] }> = [];
  for (const [, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    for (let i = 0; i < g.endpoints.length; i += max) out.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + max) });
  }
  // An empty placeholder slice keeps "no endpoints" visible, as upstream.
  if (out.length === 0) out.push({ ports: [], endpoints: [] });
  return out;
}

export interface EndpointSliceReconcilerDeps {
  client: Client;
  services: Lister<Service>;
  pods: Lister<Pod>;
  slices: Lister<EndpointSlice>;
  maxEndpointsPerSlice?: number;
}

export function createEndpointSliceReconciler(d: EndpointSliceReconcilerDeps): (req: Request) => Promise<Result> {
  const slicesApi = d.client.resource<EndpointSlice>(Resources.endpointslices);
  const inflight = new Map<string, Set<string>>();

  return async function reconcile(req) {
    const key = `${req.namespace}/${req.name}`;
    if (isApiServerService(req.namespace, req.name)) return {};
    const svc = d.services.get(req.namespace, req.name);
    if (!svc?.spec?.selector) return {}; // deleted services' slices go with the garbage collector (ownerReference)
    const existing = d.slices.list(req.namespace, `${SERVICE_NAME_LABEL}=${req.name},${MANAGED_BY_LABEL}=${MANAGED_BY}`)
      .filter((s) => s.metadata?.ownerReferences?.some((o) => o.uid === svc.metadata?.uid) ?? false)
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const pending = inflight.get(key);
    if (pending) {
      for (const n of [...pending]) if (existing.some((s) => s.metadata?.name === n)) pending.delete(n);
      if (pending.size) return { requeueAfterMs: 100 };
      inflight.delete(key);
    }
    const addressType = svc.spec.ipFamilies?.[0] === 'IPv6' ? 'IPv6' : 'IPv4';
    const labels: Record<string, string> = { ...svc.metadata?.labels, [SERVICE_NAME_LABEL]: req.name, [MANAGED_BY_LABEL]: MANAGED_BY };
    if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    const want = desiredSlices(svc, servicePods(svc, d.pods), d.maxEndpointsPerSlice);
    const unused = [...existing];
    const creates: typeof want = [];
    for (const w of want) {
      // Prefer a slice with the same ports (fewest changes), else any slice left over.
      let i = unused.findIndex((s) => semanticEqual(s.ports, w.ports) && semanticEqual(s.endpoints, w.endpoints) && s.addressType === addressType);
      if (i < 0) i = unused.findIndex((s) => semanticEqual(s.ports, w.ports) && s.addressType === addressType);
      if (i < 0) i = unused.findIndex((s) => s.addressType === addressType);
      if (i < 0) {
        creates.push(w);
        continue;
      }
      const cur = unused.splice(i, 1)[0]!;
      if (semanticEqual(cur.ports, w.ports) && semanticEqual(cur.endpoints, w.endpoints) && semanticEqual(cur.metadata?.labels, labels)) continue;
      await slicesApi.update(req.namespace, { ...structuredClone(cur), metadata: { ...structuredClone(cur.metadata), labels }, endpoints: w.endpoints, ports: w.ports });
    }
    for (const w of creates) {
      const created = await slicesApi.create(req.namespace, {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { generateName: `${req.name}-`, namespace: req.namespace, labels, ownerReferences: [newControllerRef(svc, 'v1', 'Service')] },
        addressType, endpoints: w.endpoints, ports: w.ports,
      });
      let set = inflight.get(key);
      if (!set) inflight.set(key, (set = new Set()));
      set.add(created.metadata?.name ?? '');
    }
    for (const s of unused) {
      await slicesApi.delete(req.namespace, s.metadata?.name ?? '', { preconditions: { uid: s.metadata?.uid } }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
    return {};
  };
}

export const endpointSliceController: ControllerFactory = (ctx: ControllerContext) => {
  const { services, pods } = watchServicesAndPods(ctx);
  const sliceInf = ctx.informers.informerFor<EndpointSlice>(Resources.endpointslices);
  const onSlice = (s: EndpointSlice): void => {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (svc && s.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) ctx.enqueue(`${s.metadata.namespace ?? ''}/${svc}`);
  };
  sliceInf.addEventHandler({ onAdd: onSlice, onUpdate: (_o, s) => onSlice(s), onDelete: (x) => onSlice(deletedObject(x)) });
  return { name: 'endpointslice', workers: 5, reconcile: createEndpointSliceReconciler({ client: ctx.client, services, pods, slices: sliceInf.lister }) };
};
