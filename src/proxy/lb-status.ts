// type=LoadBalancer: like k3s' ServiceLB, every node serves the Service's port on its own address and
// lists that address in status.loadBalancer.ingress. Each node's proxy adds only its own address.
import { isConflict, isNotFound, Resources, type Client } from '../client';
import type { LogFn, Service } from './types';

/** The status a node's proxy wants for a LoadBalancer Service, or undefined when nothing must change. */
export function desiredIngress(svc: Service, nodeIP: string): Service | undefined {
  if (svc.spec?.type !== 'LoadBalancer') return undefined;
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  if (ingress.some((i) => i.ip === nodeIP)) return undefined;
  const next = structuredClone(svc) as Service;
  next.status = { ...next.status, loadBalancer: { ingress: [...ingress, { ip: nodeIP, ipMode: 'VIP' }].sort((a, b) => ((a.ip ?? '') < (b.ip ?? '') ? -1 : 1)) } };
  return next;
}

/** Writes services/status for every LoadBalancer Service missing this node's address. Conflicts retry on the next sync. */
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
