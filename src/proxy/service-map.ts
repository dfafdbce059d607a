// Pure: Services + EndpointSlices → the proxy's desired state (ServicePortInfo[]), the input of every mode.
// Endpoint choice follows kube-proxy's CategorizeEndpoints: ready endpoints; when none is ready, the
// serving+terminating ones (so a rolling update never blackholes traffic); Local policies use only this
// node's endpoints.
import { servedAsLoadBalancer } from './lb-status';
import type { Endpoint, EndpointSlice, Protocol, Service, ServicePortInfo } from './types';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface BuildOptions {
  nodeName: string;
  nodeIP: string;
}

/** Groups slices by `namespace/serviceName` using the kubernetes.io/service-name label. */
export function groupSlices(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc || (s.addressType && s.addressType !== 'IPv4')) continue;
    const key = `${s.metadata?.namespace ?? ''}/${svc}`;
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  return out;
}

/** True when a Service gets a virtual IP (not headless, not ExternalName, has an IPv4 clusterIP). */
export function hasVirtualIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  if (!ip || ip === 'None' || svc.spec?.type === 'ExternalName') return false;
  return /^\d+\.\d+\.\d+\.\d+$/.test(ip);
}

/** All endpoints of one named port across slices, de-duplicated by ip:port (first slice wins). */
export function endpointsFor(slices: readonly EndpointSlice[], portName: string, protocol: Protocol): Endpoint[] {
  const seen = new Set<string>();
  const out: Endpoint[] = [];
  for (const slice of slices) {
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!sp || typeof sp.port !== 'number') continue;
    for (const ep of slice.endpoints ?? []) {
      const c = ep.conditions ?? {};
      const ready = c.ready === undefined || c.ready === null ? true : c.ready;
      const serving = c.serving === undefined || c.serving === null ? ready : c.serving;
      const terminating = c.terminating === true;
      for (const ip of ep.addresses.slice(0, 1)) {
        const id = `${ip}:${sp.port}`;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ ip, port: sp.port, ready, serving, terminating, ...(ep.nodeName ? { nodeName: ep.nodeName } : {}) });
      }
    }
  }
  return out.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
}

/** Ready endpoints; if none, the serving ones that are terminating (kube-proxy's fallback). */
export function usableEndpoints(all: readonly Endpoint[]): Endpoint[] {
  const ready = all.filter((e) => e.ready && !e.terminating);
  if (ready.length > 0) return ready;
  return all.filter((e) => e.serving && e.terminating);
}

/** The desired state for one node. Deterministic: same input, same output, sorted by key. */
export function buildServicePorts(services: readonly Service[], slices: readonly EndpointSlice[], opts: BuildOptions): ServicePortInfo[] {
  const byService = groupSlices(slices);
  const out: ServicePortInfo[] = [];
  for (const svc of services) {
    if (!hasVirtualIP(svc)) continue;
    const spec = svc.spec ?? {};
    const namespace = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    const svcSlices = byService.get(`${namespace}/${name}`) ?? [];
    // A loadBalancerClass names another implementation: we still serve its NodePorts, not an address of ours.
    const isLB = servedAsLoadBalancer(svc);
    const isNodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    const affinity = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : undefined;
    for (const p of spec.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      if (protocol === 'SCTP') continue;
      const portName = p.name ?? '';
      const all = endpointsFor(svcSlices, portName, protocol);
      const info: ServicePortInfo = {
        key: `${namespace}/${name}:${portName}`,
        namespace,
        name,
        portName,
        protocol,
        clusterIP: spec.clusterIP!,
        port: p.port,
        externalIPs: [...(spec.externalIPs ?? [])].sort(),
        loadBalancerIPs: isLB ? [opts.nodeIP] : [],
        externalPolicyLocal: spec.externalTrafficPolicy === 'Local',
        internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
        clusterEndpoints: usableEndpoints(all),
        localEndpoints: usableEndpoints(all.filter((e) => e.nodeName === opts.nodeName)),
      };
      if (isNodePort && p.nodePort) info.nodePort = p.nodePort;
      if (affinity !== undefined) info.affinityTimeoutSeconds = affinity;
      out.push(info);
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Endpoints for traffic addressed to the ClusterIP (internal) or to NodePort/externalIP/LB (external). */
export function endpointsForTraffic(sp: ServicePortInfo, external: boolean): Endpoint[] {
  const local = external ? sp.externalPolicyLocal : sp.internalPolicyLocal;
  return local ? sp.localEndpoints : sp.clusterEndpoints;
}
