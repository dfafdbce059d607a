// Endpoints controller (the legacy core/v1 Endpoints): for every Service with a selector, an Endpoints
// object of the same name whose subsets list ready pods in `addresses` and the others in
// `notReadyAddresses` (all ready with publishNotReadyAddresses), grouped by the ports they offer.
import { deletedObject, isAlreadyExists, isNotFound, Resources, type Client, type KubeObject, type Lister } from '../../client';
import { semanticEqual } from '../common/equal';
import type { Pod } from '../common/types';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';
import {
  hostnameFor, isApiServerService, isPodReady, podIP, podPorts, podTargetRef, servicePods, shouldPodBeInEndpoints, watchServicesAndPods,
  type EndpointPort, type Service,
} from './service-pods';

export interface EndpointAddress { ip: string; hostname?: string; nodeName?: string; targetRef?: Record<string, string> }
export interface EndpointSubset { addresses?: EndpointAddress[]; notReadyAddresses?: EndpointAddress[]; ports?: EndpointPort[] }
export interface Endpoints extends KubeObject { subsets?: EndpointSubset[] }

/** Pure: the subsets the service's pods imply (upstream syncService + RepackSubsets). */
export function desiredSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const tolerate = !!svc.spec?.publishNotReadyAddresses;
  const headlessNoPorts = (svc.spec?.ports ?? []).length === 0 && svc.spec?.clusterIP === 'None';
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerate)) continue;
    const ip = podIP(pod)!;
    const addr: EndpointAddress = { ip, targetRef: podTargetRef(pod) };
    if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
    const host = hostnameFor(svc, pod);
    if (host) addr.hostname = host;
    const ports = headlessNoPorts ? [] : podPorts(svc, pod);
    if (!headlessNoPorts && ports.length === 0) continue;
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    if (tolerate || isPodReady(pod)) g.ready.push(addr);
    else g.notReady.push(addr);
  }
  const byIP = (a: EndpointAddress, b: EndpointAddress): number => a.ip.localeCompare(b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => {
    const s: EndpointSubset = {};
    if (g.ready.length) s.addresses = g.ready.sort(byIP);
    if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(byIP);
    if (g.ports.length) s.ports = g.ports;
    return s;
  });
}

export interface EndpointsReconcilerDeps {
  client: Client;
  services: Lister<Service>;
  pods: Lister<Pod>;
  endpoints: Lister<Endpoints>;
}

export function createEndpointsReconciler(d: EndpointsReconcilerDeps): (req: Request) => Promise<Result> {
  const eps = d.client.resource<Endpoints>(Resources.endpoints);
  return async function reconcile(req) {
    if (isApiServerService(req.namespace, req.name)) return {};
    const svc = d.services.get(req.namespace, req.name);
    if (!svc) {
      await eps.delete(req.namespace, req.name).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
      return {};
    }
    if (!svc.spec?.selector) return {};
    const subsets = desiredSubsets(svc, servicePods(svc, d.pods));
    const labels: Record<string, string> = { ...svc.metadata?.labels };
    if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    const cur = d.endpoints.get(req.namespace, req.name);
    if (cur && semanticEqual(cur.subsets, subsets) && semanticEqual(cur.metadata?.labels, labels)) return {};
    const body: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: req.name, namespace: req.namespace, labels }, subsets };
    if (!cur) {
      try {
        await eps.create(req.namespace, body);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        throw new Error(`endpoints ${req.namespace}/${req.name} exist but are not in the cache yet`);
      }
      return {};
    }
    await eps.update(req.namespace, { ...structuredClone(cur), metadata: { ...structuredClone(cur.metadata), labels }, subsets });
    return {};
  };
}

export const endpointsController: ControllerFactory = (ctx: ControllerContext) => {
  const { services, pods } = watchServicesAndPods(ctx);
  const epInf = ctx.informers.informerFor<Endpoints>(Resources.endpoints);
  epInf.addEventHandler({
    onDelete: (x) => {
      const o = deletedObject(x);
      ctx.enqueue(`${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`);
    },
  });
  return { name: 'endpoints', workers: 5, reconcile: createEndpointsReconciler({ client: ctx.client, services, pods, endpoints: epInf.lister }) };
};
