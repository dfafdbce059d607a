// The routing table: every Ingress of our class folded into one immutable value, rebuilt on any change
// and swapped in by reference, so a request in flight keeps the table it started with.
//
//   request (Host, path) ─► host group: exact host ─► wildcard (*.example.com, one label) ─► rules without host
//                            in each group, first match of: Exact path (string equality)
//                                                        ─► Prefix, longest first by path elements
//                          ─► the oldest Ingress' defaultBackend ─► 404
//
// Prefix matching is element-wise, as upstream specifies: `/foo/bar` matches `/foo/bar`, `/foo/bar/` and
// `/foo/bar/baz`, not `/foo/barbaz`; a trailing slash on the rule is ignored. ImplementationSpecific is
// treated as Prefix. Ties between equal paths go to the oldest Ingress (creationTimestamp, then ns/name),
// so a newer conflicting Ingress never steals traffic.
import type { Ingress, IngressBackend } from './types';

export interface Backend {
  namespace: string;
  service: string;
  /** Service port number or name. */
  port: number | string;
}

export interface Route {
  backend: Backend;
  /** `ns/name` of the Ingress the route came from. */
  ingress: string;
  pathType: 'Exact' | 'Prefix';
  path: string;
}

interface PrefixRoute extends Route { segments: string[] }

interface HostGroup {
  exact: Map<string, Route>;
  /** Sorted: most path elements first, then longest, then oldest. */
  prefixes: PrefixRoute[];
}

export interface TlsEntry {
  hosts: string[];
  /** `ns/name` of a kubernetes.io/tls Secret. */
  secret: string;
}

export interface RoutingTable {
  exactHosts: Map<string, HostGroup>;
  /** Keyed by the suffix after `*.`. */
  wildcardHosts: Map<string, HostGroup>;
  anyHost: HostGroup;
  defaultBackend?: Route;
  tls: TlsEntry[];
  /** Ingresses that contributed, `ns/name`. */
  ingresses: string[];
}

export interface ClassFilter {
  className: string;
  /** Our IngressClass carries ingressclass.kubernetes.io/is-default-class: "true". */
  isDefault: boolean;
}

/** Whether an Ingress belongs to our class (spec.ingressClassName, the legacy annotation, or the default class). */
export function isOurs(ing: Ingress, f: ClassFilter): boolean {
  const cls = ing.spec?.ingressClassName;
  if (cls) return cls === f.className;
  const legacy = ing.metadata?.annotations?.['kubernetes.io/ingress.class'];
  if (legacy) return legacy === f.className;
  return f.isDefault;
}

export function pathSegments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

const keyOf = (ing: Ingress): string => `${ing.metadata?.namespace ?? ''}/${ing.metadata?.name ?? ''}`;

function backendOf(ing: Ingress, b: IngressBackend | undefined): Backend | undefined {
  const svc = b?.service;
  if (!svc?.name) return undefined;
  const port = svc.port?.number ?? svc.port?.name;
  if (port === undefined || port === '') return undefined;
  return { namespace: ing.metadata?.namespace ?? '', service: svc.name, port };
}

function olderFirst(a: Ingress, b: Ingress): number {
  const ta = a.metadata?.creationTimestamp ?? '', tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = keyOf(a), kb = keyOf(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const newGroup = (): HostGroup => ({ exact: new Map(), prefixes: [] });

function groupIn(m: Map<string, HostGroup>, key: string): HostGroup {
  let g = m.get(key);
  if (!g) {
    g = newGroup();
    m.set(key, g);
  }
  return g;
}

/** Folds the Ingresses (already filtered to our class) into a table. Pure. */
export function buildRoutingTable(ingresses: Ingress[]): RoutingTable {
  const table: RoutingTable = { exactHosts: new Map(), wildcardHosts: new Map(), anyHost: newGroup(), tls: [], ingresses: [] };
  const sorted = [...ingresses].sort(olderFirst);
  for (const ing of sorted) {
    const key = keyOf(ing);
    table.ingresses.push(key);
    const def = backendOf(ing, ing.spec?.defaultBackend);
    if (def && !table.defaultBackend) table.defaultBackend = { backend: def, ingress: key, pathType: 'Prefix', path: '/' };
    for (const t of ing.spec?.tls ?? []) {
      if (t.secretName) table.tls.push({ hosts: (t.hosts ?? []).map((h) => h.toLowerCase()), secret: `${ing.metadata?.namespace ?? ''}/${t.secretName}` });
    }
    for (const rule of ing.spec?.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      const group = !host ? table.anyHost
        : host.startsWith('*.') ? groupIn(table.wildcardHosts, host.slice(2)) : groupIn(table.exactHosts, host);
      for (const p of rule.http?.paths ?? []) {
        const backend = backendOf(ing, p.backend);
        if (!backend) continue;
        const path = p.path || '/';
        if (p.pathType === 'Exact') {
          if (!group.exact.has(path)) group.exact.set(path, { backend, ingress: key, pathType: 'Exact', path });
        } else {
          const segments = pathSegments(path);
          const dup = group.prefixes.some((x) => x.segments.join('/') === segments.join('/'));
          if (!dup) group.prefixes.push({ backend, ingress: key, pathType: 'Prefix', path, segments });
        }
      }
    }
  }
  const order = (g: HostGroup): void => {
    // Stable sort keeps the oldest-first insertion order among equals.
    g.prefixes.sort((a, b) => b.segments.length - a.segments.length || b.segments.join('/').length - a.segments.join('/').length);
  };
  order(table.anyHost);
  for (const g of table.exactHosts.values()) order(g);
  for (const g of table.wildcardHosts.values()) order(g);
  return table;
}

function matchGroup(g: HostGroup, path: string, segments: string[]): Route | undefined {
  const exact = g.exact.get(path);
  if (exact) return exact;
  outer: for (const p of g.prefixes) {
    if (p.segments.length > segments.length) continue;
    for (let i = 0; i < p.segments.length; i++) if (p.segments[i] !== segments[i]) continue outer;
    return p;
  }
  return undefined;
}

/** Host without port, lower-cased (handles `[v6]:port`). */
export function normalizeHost(hostHeader: string | undefined): string {
  const h = (hostHeader ?? '').toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const i = h.lastIndexOf(':');
  return i >= 0 ? h.slice(0, i) : h;
}

/** The route for a request, or undefined (→ 404). `url` may carry a query string. */
export function matchRoute(t: RoutingTable, hostHeader: string | undefined, url: string): Route | undefined {
  const host = normalizeHost(hostHeader);
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  const segments = pathSegments(path);
  const exactGroup = t.exactHosts.get(host);
  if (exactGroup) {
    const r = matchGroup(exactGroup, path, segments);
    if (r) return r;
  }
  const dot = host.indexOf('.');
  if (dot > 0) {
    const wild = t.wildcardHosts.get(host.slice(dot + 1));
    const r = wild && matchGroup(wild, path, segments);
    if (r) return r;
  }
  return matchGroup(t.anyHost, path, segments) ?? t.defaultBackend;
}
