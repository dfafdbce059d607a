// The built-in resources berth serves (Kubernetes v1.32 shapes): one row per group/version/resource.
// Discovery, OpenAPI, routing, tables and storage keys are all derived from this table.

export interface SubresourceInfo {
  name: string; // 'status', 'scale', 'binding', 'log', 'exec', ...
  /** Kind of the subresource's body, e.g. 'Scale' in group autoscaling/v1 for scale. */
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceInfo {
  group: string; // '' = core
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceInfo[];
  /** Storage key prefix, Kubernetes layout: `/registry/<prefix>/<namespace>/<name>` or `/registry/<prefix>/<name>`. */
  storagePrefix: string;
  /** For resources served in several versions from one storage: the version objects are stored in. */
  storageVersion: string;
  /** Served but not stored (e.g. selfsubjectaccessreviews): create-only virtual resources. */
  virtual?: boolean;
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS: SubresourceInfo = { name: 'status', kind: '', verbs: ['get', 'patch', 'update'] };
const SCALE: SubresourceInfo = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };

interface Row {
  gv: string;
  kind: string;
  plural: string;
  ns: boolean;
  short?: string[];
  cat?: string[];
  sub?: SubresourceInfo[];
  prefix?: string;
  verbs?: string[];
  storageVersion?: string;
  virtual?: boolean;
}

const ROWS: Row[] = [
  // core/v1
  { gv: 'v1', kind: 'Binding', plural: 'bindings', ns: true, verbs: ['create'], virtual: true },
  { gv: 'v1', kind: 'ComponentStatus', plural: 'componentstatuses', ns: false, short: ['cs'], verbs: ['get', 'list'], virtual: true },
  { gv: 'v1', kind: 'ConfigMap', plural: 'configmaps', ns: true, short: ['cm'] },
  { gv: 'v1', kind: 'Endpoints', plural: 'endpoints', ns: true, short: ['ep'], prefix: 'services/endpoints' },
  { gv: 'v1', kind: 'Event', plural: 'events', ns: true, short: ['ev'] },
  { gv: 'v1', kind: 'LimitRange', plural: 'limitranges', ns: true, short: ['limits'] },
  { gv: 'v1', kind: 'Namespace', plural: 'namespaces', ns: false, short: ['ns'], sub: [{ name: 'finalize', kind: 'Namespace', verbs: ['update'] }, STATUS] },
  { gv: 'v1', kind: 'Node', plural: 'nodes', ns: false, short: ['no'], sub: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }, STATUS], prefix: 'minions' },
  { gv: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', ns: true, short: ['pvc'], sub: [STATUS] },
  { gv: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', ns: false, short: ['pv'], sub: [STATUS] },
  {
    gv: 'v1', kind: 'Pod', plural: 'pods', ns: true, short: ['po'], cat: ['all'],
    sub: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      STATUS,
    ],
  },
  { gv: 'v1', kind: 'PodTemplate', plural: 'podtemplates', ns: true },
  { gv: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', ns: true, short: ['rc'], cat: ['all'], sub: [SCALE, STATUS], prefix: 'controllers' },
  { gv: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', ns: true, short: ['quota'], sub: [STATUS] },
  { gv: 'v1', kind: 'Secret', plural: 'secrets', ns: true },
  { gv: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', ns: true, short: ['sa'], sub: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }] },
  { gv: 'v1', kind: 'Service', plural: 'services', ns: true, short: ['svc'], cat: ['all'], sub: [{ name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }, STATUS], prefix: 'services/specs' },
  // apiregistration.k8s.io/v1
  { gv: 'apiregistration.k8s.io/v1', kind: 'APIService', plural: 'apiservices', ns: false, cat: ['api-extensions'], sub: [STATUS], prefix: 'apiregistration.k8s.io/apiservices' },
  // apps/v1
  { gv: 'apps/v1', kind: 'ControllerRevision', plural: 'controllerrevisions', ns: true },
  { gv: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', ns: true, short: ['ds'], cat: ['all'], sub: [STATUS] },
  { gv: 'apps/v1', kind: 'Deployment', plural: 'deployments', ns: true, short: ['deploy'], cat: ['all'], sub: [SCALE, STATUS] },
  { gv: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets', ns: true, short: ['rs'], cat: ['all'], sub: [SCALE, STATUS] },
  { gv: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', ns: true, short: ['sts'], cat: ['all'], sub: [SCALE, STATUS] },
  // authorization.k8s.io/v1
  { gv: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', ns: false, verbs: ['create'], virtual: true },
  { gv: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', ns: false, verbs: ['create'], virtual: true },
  { gv: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', ns: false, verbs: ['create'], virtual: true },
  // authentication.k8s.io/v1
  { gv: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', ns: false, verbs: ['create'], virtual: true },
  { gv: 'authentication.k8s.io/v1', kind: 'TokenReview', plural: 'tokenreviews', ns: false, verbs: ['create'], virtual: true },
  // autoscaling
  { gv: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', ns: true, short: ['hpa'], cat: ['all'], sub: [STATUS] },
  { gv: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', ns: true, short: ['hpa'], cat: ['all'], sub: [STATUS], storageVersion: 'v2' },
  // batch/v1
  { gv: 'batch/v1', kind: 'CronJob', plural: 'cronjobs', ns: true, short: ['cj'], cat: ['all'], sub: [STATUS] },
  { gv: 'batch/v1', kind: 'Job', plural: 'jobs', ns: true, cat: ['all'], sub: [STATUS] },
  // coordination.k8s.io/v1
  { gv: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', ns: true, prefix: 'leases' },
  // discovery.k8s.io/v1
  { gv: 'discovery.k8s.io/v1', kind: 'EndpointSlice', plural: 'endpointslices', ns: true },
  // events.k8s.io/v1 (same storage as core/v1 events)
  { gv: 'events.k8s.io/v1', kind: 'Event', plural: 'events', ns: true, short: ['ev'], prefix: 'events', storageVersion: 'core/v1' },
  // networking.k8s.io/v1
  { gv: 'networking.k8s.io/v1', kind: 'IngressClass', plural: 'ingressclasses', ns: false },
  { gv: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses', ns: true, short: ['ing'], sub: [STATUS], prefix: 'ingress' },
  { gv: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies', ns: true, short: ['netpol'] },
  // node.k8s.io/v1
  { gv: 'node.k8s.io/v1', kind: 'RuntimeClass', plural: 'runtimeclasses', ns: false },
  // policy/v1
  { gv: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', ns: true, short: ['pdb'], sub: [STATUS] },
  // rbac.authorization.k8s.io/v1
  { gv: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', ns: false, prefix: 'clusterrolebindings' },
  { gv: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', plural: 'clusterroles', ns: false, prefix: 'clusterroles' },
  { gv: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings', ns: true, prefix: 'rolebindings' },
  { gv: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles', ns: true, prefix: 'roles' },
  // scheduling.k8s.io/v1
  { gv: 'scheduling.k8s.io/v1', kind: 'PriorityClass', plural: 'priorityclasses', ns: false, short: ['pc'] },
  // storage.k8s.io/v1
  { gv: 'storage.k8s.io/v1', kind: 'CSIDriver', plural: 'csidrivers', ns: false },
  { gv: 'storage.k8s.io/v1', kind: 'CSINode', plural: 'csinodes', ns: false },
  { gv: 'storage.k8s.io/v1', kind: 'StorageClass', plural: 'storageclasses', ns: false, short: ['sc'] },
  { gv: 'storage.k8s.io/v1', kind: 'VolumeAttachment', plural: 'volumeattachments', ns: false, sub: [STATUS] },
  // certificates.k8s.io/v1
  { gv: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests', ns: false, short: ['csr'], sub: [{ name: 'approval', kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'] }, STATUS] },
];

function split(gv: string): { group: string; version: string } {
  const i = gv.indexOf('/');
  return i < 0 ? { group: '', version: gv } : { group: gv.slice(0, i), version: gv.slice(i + 1) };
}

export const RESOURCES: readonly ResourceInfo[] = ROWS.map((r) => {
  const { group, version } = split(r.gv);
  const subresources = (r.sub ?? []).map((s) => (s.name === 'status' ? { ...s, kind: r.kind } : s));
  return {
    group,
    version,
    kind: r.kind,
    listKind: `${r.kind}List`,
    plural: r.plural,
    singular: r.kind.toLowerCase(),
    namespaced: r.ns,
    shortNames: r.short ?? [],
    categories: r.cat ?? [],
    verbs: r.verbs ?? RW,
    subresources,
    storagePrefix: r.prefix ?? r.plural,
    storageVersion: r.storageVersion ?? version,
    virtual: r.virtual,
  };
});

/** 'apps/v1' or 'v1' for the core group. */
export function groupVersion(r: { group: string; version: string }): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

const byGVR = new Map<string, ResourceInfo>();
const byGVK = new Map<string, ResourceInfo>();
for (const r of RESOURCES) {
  byGVR.set(`${r.group}/${r.version}/${r.plural}`, r);
  if (!byGVK.has(`${r.group}/${r.version}/${r.kind}`)) byGVK.set(`${r.group}/${r.version}/${r.kind}`, r);
}

export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return byGVR.get(`${group}/${version}/${plural}`);
}

export function findResourceByKind(group: string, version: string, kind: string): ResourceInfo | undefined {
  return byGVK.get(`${group}/${version}/${kind}`);
}

/** Every served group-version, core first, in discovery order. */
export function groupVersions(): Array<{ group: string; version: string }> {
  const seen = new Set<string>();
  const out: Array<{ group: string; version: string }> = [];
  for (const r of RESOURCES) {
    const k = `${r.group}/${r.version}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push({ group: r.group, version: r.version });
    }
  }
  return out;
}
