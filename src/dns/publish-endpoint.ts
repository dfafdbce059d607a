// Publishes where this node's DNS server listens as an EndpointSlice of kube-system/kube-dns, so the
// service proxy can send the ClusterIP (10.43.0.10:53) to it: the kube-dns Service has a selector that
// matches no pod (the server is not a pod), so nothing else would give it endpoints. The slice is labelled
// managed-by berth-dns, which the EndpointSlice controller leaves alone, and deleted on clean shutdown.
import { isAlreadyExists, isNotFound, Resources, type Client } from '../client';
import { DNS_SERVICE_NAME, DNS_SERVICE_NAMESPACE } from './names';
import type { EndpointSlice, LogFn } from './types';

export const DNS_MANAGED_BY = 'berth-dns';

export function dnsEndpointSlice(name: string, ip: string, port: number, nodeName?: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      name, namespace: DNS_SERVICE_NAMESPACE,
      labels: { 'kubernetes.io/service-name': DNS_SERVICE_NAME, 'endpointslice.kubernetes.io/managed-by': DNS_MANAGED_BY },
    },
    addressType: ip.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, ...(nodeName ? { nodeName } : {}) }],
    ports: [{ name: 'dns', protocol: 'UDP', port }, { name: 'dns-tcp', protocol: 'TCP', port }],
  };
}

/** Creates or replaces the slice; returns a function deleting it. Never throws (logs). */
export async function publishDnsEndpoint(client: Client, o: { ip: string; port: number; nodeName?: string }, log: LogFn): Promise<() => Promise<void>> {
  const slices = client.resource<EndpointSlice>(Resources.endpointslices);
  const name = `${DNS_SERVICE_NAME}-${(o.nodeName ?? o.ip).toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
  const want = dnsEndpointSlice(name, o.ip, o.port, o.nodeName);
  try {
    await slices.create(DNS_SERVICE_NAMESPACE, want);
  } catch (e) {
    if (!isAlreadyExists(e)) log('warn', `dns: publishing EndpointSlice ${name}: ${String(e)}`);
    else {
      try {
        const cur = await slices.get(DNS_SERVICE_NAMESPACE, name);
        await slices.update(DNS_SERVICE_NAMESPACE, { ...want, metadata: { ...want.metadata, resourceVersion: cur.metadata?.resourceVersion } });
      } catch (e2) {
        log('warn', `dns: updating EndpointSlice ${name}: ${String(e2)}`);
      }
    }
  }
  log('info', `dns: published ${o.ip}:${o.port} as EndpointSlice ${DNS_SERVICE_NAMESPACE}/${name}`);
  return async () => {
    try {
      await slices.delete(DNS_SERVICE_NAMESPACE, name);
    } catch (e) {
      if (!isNotFound(e)) log('warn', `dns: deleting EndpointSlice ${name}: ${String(e)}`);
    }
  };
}
