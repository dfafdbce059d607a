// What Services and pods have in common for the endpoint controllers: which pods back a service, which
// port a service port reaches on a pod (named target ports resolved per pod), and the event wiring.
import { selectorFromMap } from '../../api/selectors';
import { deletedObject, Resources, type KubeObject, type Lister } from '../../client';
import { isPodReady } from '../common/pods';
import type { Pod } from '../common/types';
import type { ControllerContext } from '../runner/types';

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  spec?: {
    selector?: Record<string, string> | null;
    ports?: ServicePort[];
    clusterIP?: string;
    ipFamilies?: string[];
    publishNotReadyAddresses?: boolean;
    type?: string;
  };
}

export interface EndpointPort { name?: string; port: number; protocol: string; appProtocol?: string }

/** The API server maintains default/kubernetes itself. */
export function isApiServerService(ns: string, name: string): boolean {
  return ns === 'default' && name === 'kubernetes';
}

/** The pod's port a service port targets, or undefined when a named port does not exist on the pod. */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const t = sp.targetPort;
  if (t === undefined || t === '' || t === 0) return sp.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  const proto = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === t && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  return undefined;
}

/** The endpoint ports a pod offers for the service (ports it cannot resolve are left out). */
export function podPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
    if (sp.name) ep.name = sp.name;
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port || a.protocol.localeCompare(b.protocol));
}

export function podIP(pod: Pod): string | undefined {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;
}

/** Upstream ShouldPodBeInEndpoints. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!podIP(pod)) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  switch (pod.spec?.restartPolicy) {
    case 'Never':
      return phase !== 'Failed' && phase !== 'Succeeded';
    case 'OnFailure':
      return phase !== 'Succeeded';
    default:
      return true;
  }
}

export function hostnameFor(svc: Service, pod: Pod): string | undefined {
  const h = pod.spec?.hostname;
  return h && pod.spec?.subdomain === svc.metadata?.name && pod.metadata.namespace === svc.metadata?.namespace ? h : undefined;
}

export const podTargetRef = (pod: Pod): Record<string, string> => ({ kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' });

export { isPodReady };

/** Pods selected by the service (sorted by name for stable output). */
export function servicePods(svc: Service, pods: Lister<Pod>): Pod[] {
  const sel = selectorFromMap(svc.spec?.selector ?? {});
  return pods.list(svc.metadata?.namespace).filter((p) => sel.matches(p.metadata.labels)).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

/** Informers for services and pods; enqueues the services a pod event concerns. */
export function watchServicesAndPods(ctx: ControllerContext): { services: Lister<Service>; pods: Lister<Pod> } {
  const svcInf = ctx.informers.informerFor<Service>(Resources.services);
  const podInf = ctx.informers.informerFor<Pod>(Resources.pods);
  const key = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const forPod = (...pods: Pod[]): void => {
    const ns = pods[0]?.metadata.namespace;
    for (const svc of svcInf.lister.list(ns)) {
      if (!svc.spec?.selector) continue;
      const sel = selectorFromMap(svc.spec.selector);
      if (pods.some((p) => sel.matches(p.metadata.labels))) ctx.enqueue(key(svc));
    }
  };
  svcInf.addEventHandler({
    onAdd: (s) => ctx.enqueue(key(s)),
    onUpdate: (_o, s) => ctx.enqueue(key(s)),
    onDelete: (x) => ctx.enqueue(key(deletedObject(x))),
  });
  podInf.addEventHandler({
    onAdd: (p) => forPod(p),
    onUpdate: (o, p) => {
      if (o.metadata.resourceVersion !== p.metadata.resourceVersion) forPod(o, p);
    },
    onDelete: (x) => forPod(deletedObject(x)),
  });
  return { services: svcInf.lister, pods: podInf.lister };
}
