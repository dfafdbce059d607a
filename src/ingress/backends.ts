// Backend resolution: Ingress backend (service + port number/name) ─► the Service's port ─► the matching
// port of its EndpointSlices' ready endpoints, picked round robin.
//
// The resolved target lists are memoised per backend and the whole memo is dropped whenever a Service or
// EndpointSlice changes (invalidate()), so the hot path is a Map lookup and an index increment.
// ExternalName services resolve to externalName:port.
import type { Lister } from '../client';
import type { Backend } from './routing';
import type { EndpointSlice, Service } from './types';

export const SERVICE_INDEX = 'service';
export const sliceIndexers = {
  [SERVICE_INDEX]: (e: EndpointSlice): string[] => {
    const svc = e.metadata?.labels?.['kubernetes.io/service-name'];
    return svc ? [`${e.metadata?.namespace ?? ''}/${svc}`] : [];
  },
};

export interface Target { host: string; port: number }

export type Resolution =
  | { ok: true; target: Target }
  | { ok: false; reason: 'no-service' | 'no-port' | 'no-endpoints' };

export interface BackendResolver {
  pick(b: Backend): Resolution;
  /** All targets of a backend (for tests and diagnostics). */
  targets(b: Backend): Target[] | Resolution;
  invalidate(): void;
}

export function createBackendResolver(src: { services: Lister<Service>; slices: Lister<EndpointSlice> }): BackendResolver {
  let memo = new Map<string, Target[] | Resolution>();
  const rr = new Map<string, number>();

  function compute(b: Backend): Target[] | Resolution {
    const svc = src.services.get(b.namespace, b.service);
    if (!svc) return { ok: false, reason: 'no-service' };
    const sp = (svc.spec?.ports ?? []).find((p) => (typeof b.port === 'number' ? p.port === b.port : p.name === b.port));
    if (svc.spec?.type === 'ExternalName' && svc.spec.externalName) {
      const port = typeof b.port === 'number' ? b.port : sp?.port;
      return port ? [{ host: svc.spec.externalName, port }] : { ok: false, reason: 'no-port' };
    }
    if (!sp) return { ok: false, reason: 'no-port' };
    const name = sp.name ?? '';
    const out: Target[] = [];
    const seen = new Set<string>();
    for (const slice of src.slices.byIndex(SERVICE_INDEX, `${b.namespace}/${b.service}`)) {
      if (slice.addressType === 'FQDN') continue;
      const port = (slice.ports ?? []).find((p) => (p.name ?? '') === name)?.port
        ?? (typeof sp.targetPort === 'number' && (slice.ports ?? []).length === 0 ? sp.targetPort : undefined);
      if (port === undefined) continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        for (const host of ep.addresses) {
          const k = `${host}:${port}`;
          if (!seen.has(k)) { seen.add(k); out.push({ host, port }); }
        }
      }
    }
    out.sort((x, y) => (x.host < y.host ? -1 : x.host > y.host ? 1 : x.port - y.port));
    return out.length ? out : { ok: false, reason: 'no-endpoints' };
  }

  const lookup = (b: Backend): Target[] | Resolution => {
    const key = `${b.namespace}/${b.service}:${b.port}`;
    let v = memo.get(key);
    if (!v) {
      v = compute(b);
      memo.set(key, v);
    }
    return v;
  };

  return {
    pick(b) {
      const v = lookup(b);
      if (!Array.isArray(v)) return v;
      const key = `${b.namespace}/${b.service}:${b.port}`;
      const i = rr.get(key) ?? 0;
      rr.set(key, (i + 1) % 1_000_000_000);
      return { ok: true, target: v[i % v.length]! };
    },
    targets: lookup,
    invalidate() {
      memo = new Map();
    },
  };
}
