// Naming rules shared by the schema generator, the registry and the protobuf decoder.

/** 'k8s.io.api.core.v1.Pod' → 'io.k8s.api.core.v1.Pod' (the OpenAPI definition name upstream uses). */
export function openapiName(protoFullName: string): string {
  return protoFullName.startsWith('k8s.io.') ? `io.k8s.${protoFullName.slice('k8s.io.'.length)}` : protoFullName;
}

/** 'io.k8s.api.core.v1.Pod' → 'k8s.io.api.core.v1.Pod'. */
export function protoName(openapi: string): string {
  return openapi.startsWith('io.k8s.') ? `k8s.io.${openapi.slice('io.k8s.'.length)}` : openapi;
}

const GROUP_OF_PROTO_GROUP: Record<string, string> = {
  core: '',
  apps: 'apps',
  batch: 'batch',
  autoscaling: 'autoscaling',
  policy: 'policy',
  rbac: 'rbac.authorization.k8s.io',
};

/**
 * The API group/version served from a proto package: 'k8s.io.api.core.v1' → { group: '', version: 'v1' },
 * 'k8s.io.api.networking.v1' → networking.k8s.io/v1. Undefined for apimachinery packages.
 */
export function apiVersionOfPackage(pkg: string): { group: string; version: string } | undefined {
  const m = /^k8s\.io\.api\.([a-z0-9]+)\.(v[a-z0-9]+)$/.exec(pkg);
  if (!m?.[1] || !m[2]) return undefined;
  return { group: GROUP_OF_PROTO_GROUP[m[1]] ?? `${m[1]}.k8s.io`, version: m[2] };
}

/** The inverse of apiVersionOfPackage: group/version → 'k8s.io.api.<g>.<v>' proto package. */
export function packageOfApiVersion(group: string, version: string): string {
  if (group === '') return `k8s.io.api.core.${version}`;
  if (group === 'apiregistration.k8s.io') return `k8s.io.kube-aggregator.pkg.apis.apiregistration.${version}`;
  for (const [protoGroup, g] of Object.entries(GROUP_OF_PROTO_GROUP)) if (g === group) return `k8s.io.api.${protoGroup}.${version}`;
  const short = group.endsWith('.k8s.io') ? group.slice(0, -'.k8s.io'.length) : group;
  return `k8s.io.api.${short}.${version}`;
}

export const META_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';
