// Discovery: legacy (/api, /apis, /api/v1, /apis/<g>/<v>) and aggregated v2 (only when the Accept header
// asks for apidiscovery.k8s.io v2), all built once at start-up from the resource table.
import { groupVersions, RESOURCES, type ResourceInfo } from '../../api/resources';
import { METRICS_GROUP, METRICS_VERSION, metricsAggregatedGroup, metricsResourceList } from '../../metrics';

const PREFERRED: Record<string, string> = { autoscaling: 'v2' };

function resourceList(gv: { group: string; version: string }): object {
  const items: object[] = [];
  for (const r of RESOURCES) {
    if (r.group !== gv.group || r.version !== gv.version) continue;
    items.push(legacyEntry(r));
    for (const s of r.subresources) {
      const e: Record<string, unknown> = { name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs };
      if (s.group) e.group = s.group;
      if (s.version) e.version = s.version;
      items.push(e);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv.group ? `${gv.group}/${gv.version}` : gv.version, resources: items };
}

function legacyEntry(r: ResourceInfo): object {
  const e: Record<string, unknown> = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
  if (r.shortNames.length) e.shortNames = r.shortNames;
  if (r.categories.length) e.categories = r.categories;
  if (!r.virtual) e.storageVersionHash = Buffer.from(`${r.group}/${r.storageVersion}/${r.kind}`).toString('base64').slice(0, 11);
  return e;
}

function groupsInOrder(): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const gv of groupVersions()) {
    if (gv.group === '') continue;
    const l = groups.get(gv.group) ?? [];
    l.push(gv.version);
    groups.set(gv.group, l);
  }
  for (const [g, vs] of groups) {
    const pref = PREFERRED[g];
    if (pref) vs.sort((a, b) => (a === pref ? -1 : b === pref ? 1 : 0));
  }
  return groups;
}

function aggregatedGroup(group: string, versions: string[]): object {
  return {
    metadata: { name: group, creationTimestamp: null },
    versions: versions.map((v) => ({
      version: v,
      freshness: 'Current',
      resources: RESOURCES.filter((r) => r.group === group && r.version === v).map((r) => {
        const e: Record<string, unknown> = {
          resource: r.plural,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: r.verbs,
        };
        if (r.shortNames.length) e.shortNames = r.shortNames;
        if (r.categories.length) e.categories = r.categories;
        if (r.subresources.length) {
          e.subresources = r.subresources.map((s) => ({ subresource: s.name, responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind }, verbs: s.verbs }));
        }
        return e;
      }),
    })),
  };
}

export interface Discovery {
  api: Buffer;
  apis: Buffer;
  apiV2: Buffer;
  apisV2: Buffer;
  groupVersion(group: string, version: string): Buffer | undefined;
  group(group: string): Buffer | undefined;
}

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** True when the Accept header asks for aggregated discovery v2. */
export function wantsAggregated(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(',')) {
    const p = part.replace(/\s/g, '');
    if (p.includes('g=apidiscovery.k8s.io') && p.includes('v=v2') && !p.includes('v=v2beta1') && p.includes('as=APIGroupDiscoveryList')) return true;
  }
  return false;
}

export function buildDiscovery(serverAddress: string): Discovery {
  const groups = groupsInOrder();
  // metrics.k8s.io is served by src/metrics (berth's built-in metrics-server), not from the resource table.
  groups.set(METRICS_GROUP, [METRICS_VERSION]);
  const api = { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  const groupObj = (g: string, vs: string[]) => ({
    name: g,
    versions: vs.map((v) => ({ groupVersion: `${g}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${g}/${vs[0]}`, version: vs[0] },
  });
  const apis = { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups].map(([g, vs]) => groupObj(g, vs)) };
  const gvCache = new Map<string, Buffer>();
  for (const gv of groupVersions()) gvCache.set(`${gv.group}/${gv.version}`, Buffer.from(JSON.stringify(resourceList(gv))));
  gvCache.set(`${METRICS_GROUP}/${METRICS_VERSION}`, Buffer.from(JSON.stringify(metricsResourceList())));
  const groupCache = new Map<string, Buffer>();
  for (const [g, vs] of groups) groupCache.set(g, Buffer.from(JSON.stringify({ kind: 'APIGroup', apiVersion: 'v1', ...groupObj(g, vs) })));
  return {
    api: Buffer.from(JSON.stringify(api)),
    apis: Buffer.from(JSON.stringify(apis)),
    apiV2: Buffer.from(JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items: [aggregatedGroup('', ['v1'])] })),
    apisV2: Buffer.from(JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items: [...groups].map(([g, vs]) => (g === METRICS_GROUP ? metricsAggregatedGroup() : aggregatedGroup(g, vs))) })),
    groupVersion: (group, version) => gvCache.get(`${group}/${version}`),
    group: (g) => groupCache.get(g),
  };
}
