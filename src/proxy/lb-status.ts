// type=LoadBalancer: like k3s' ServiceLB, every node serves the Service's port on its own address and
// lists that address in status.loadBalancer.ingress. Each node's proxy adds only its own address.
import { isConflict, isNotFound, Resources, type Client } from '../client';
import type { LogFn, Service } from './types';

/** Whether berth serves this Service as its load balancer: type LoadBalancer without a loadBalancerClass (another implementation's). */
export function servedAsLoadBalancer(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' && !svc.spec.loadBalancerClass;
}

/**
 * The status a node's proxy wants for a Service, or undefined when nothing must change: a LoadBalancer
 * Service we serve lists this node's address; one that is no longer of type LoadBalancer loses it (as k3s'
 * ServiceLB does). A Service with a loadBalancerClass belongs to another implementation: never touched.
 */
export function desiredIngress(svc: Service, nodeIP: string): Service | undefined {
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  if (svc.spec?.type !== 'LoadBalancer') {
    if (!ingress.some((i) => i.ip === nodeIP)) return undefined;
    const next = structuredClone(svc) as Service;
    next.status = { ...next.status, loadBalancer: { ingress: ingress.filter((i) => i.ip !== nodeIP) } };
    return next;
  }
  if (!servedAsLoadBalancer(svc)) return undefined;
  if (ingress.some((i) => i.ip === nodeIP)) return undefined;
  const next = structuredClone(svc) as Service;
  next.status = { ...next.status, loadBalancer: { ingress: [...ingress, { ip: nodeIP, ipMode: 'VIP' }].sort((a, b) => ((a.ip ?? '') < (b.ip ?? '') ? -1 : 1)) } };
  return next;
}

/** Writes services/status wherever desiredIngress wants a change. Conflicts retry on the next sync. */
export async function publishLoadBalancerStatus(client: Client, services: readonly Service[], nodeIP: string, log: LogFn): Promise<void> {
  for (const svc of services) {
    const next = desiredIngress(svc, nodeIP);
    if (!next) continue;
    try {
      await client.resource<Service>(Resources.services).updateStatus(svc.metadata?.namespace, next);
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) continue; // the informer brings the newer version; next sync retries
      log('warn', `proxy: cannot publish load balancer status of ${svc.metadata?.namespace}/${svc.metadata?.name}: ${String(err)}`);
    }
  }
}
