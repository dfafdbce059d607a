// Defaults of the other core/v1 kinds (Service, Namespace, Secret, PV/PVC, Endpoints, Node, LimitRange).

import { defaultPersistentVolumeClaim } from './workloads';
import { canonicalizeRequirements, canonicalizeResourceList } from './quantities';
import { type Obj, eachObj, ensureObj, isObj, setDefault, setDefaultStr } from './util';

/**
 * SetDefaults_Service plus the IP-family defaults the service registry applies on a single-stack IPv4 cluster
 * (ipFamilyPolicy SingleStack / ipFamilies [IPv4]; RequireDualStack for selector-less headless services).
 * clusterIP(s) and nodePorts are allocated by the API server, not here.
 */
export function defaultService(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  setDefaultStr(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = spec.sessionAffinityConfig;
    const ok = isObj(cfg) && isObj(cfg.clientIP) && cfg.clientIP.timeoutSeconds !== undefined && cfg.clientIP.timeoutSeconds !== null;
    if (!ok) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  setDefaultStr(spec, 'type', 'ClusterIP');
  eachObj(spec.ports, (p) => {
    setDefaultStr(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  });
  const type = spec.type;
  const external = type === 'NodePort' || type === 'LoadBalancer' || (type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (external && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') {
    setDefault(spec, 'allocateLoadBalancerNodePorts', true);
    const lb = isObj(o.status) && isObj(o.status.loadBalancer) ? o.status.loadBalancer : undefined;
    if (lb) eachObj(lb.ingress, (ing) => {
      if (typeof ing.ip === 'string' && ing.ip !== '' && (ing.ipMode === undefined || ing.ipMode === null)) ing.ipMode = 'VIP';
    });
  }
  if (type !== 'ExternalName') {
    const headless = spec.clusterIP === 'None';
    const hasSelector = isObj(spec.selector) && Object.keys(spec.selector).length > 0;
    setDefault(spec, 'ipFamilyPolicy', headless && !hasSelector ? 'RequireDualStack' : 'SingleStack');
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  }
}

export function defaultNamespace(o: Obj): void {
  const meta = ensureObj(o, 'metadata');
  if (typeof meta.name === 'string' && meta.name.length > 0) {
    const labels = ensureObj(meta, 'labels');
    labels['kubernetes.io/metadata.name'] = meta.name;
  }
  const status = ensureObj(o, 'status');
  setDefaultStr(status, 'phase', 'Active');
}

/** Secret type defaults to Opaque; stringData is merged into data (base64) and dropped, as v1 conversion does. */
export function defaultSecret(o: Obj): void {
  setDefaultStr(o, 'type', 'Opaque');
  const sd = o.stringData;
  if (isObj(sd)) {
    const data = ensureObj(o, 'data');
    for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(typeof v === 'string' ? v : String(v), 'utf8').toString('base64');
    delete o.stringData;
  }
}

export function defaultPersistentVolume(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  canonicalizeResourceList(spec.capacity);
  setDefaultStr(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefault(spec, 'volumeMode', 'Filesystem');
  if (isObj(spec.hostPath)) setDefault(spec.hostPath, 'type', '');
  const status = ensureObj(o, 'status');
  setDefaultStr(status, 'phase', 'Pending');
}

export { defaultPersistentVolumeClaim };

export function defaultEndpoints(o: Obj): void {
  eachObj(o.subsets, (s) => eachObj(s.ports, (p) => setDefaultStr(p, 'protocol', 'TCP')));
}

export function defaultNode(o: Obj): void {
  const status = o.status;
  if (isObj(status)) {
    canonicalizeResourceList(status.capacity);
    canonicalizeResourceList(status.allocatable);
  }
  if (isObj(status) && isObj(status.capacity) && (status.allocatable === undefined || status.allocatable === null)) {
    status.allocatable = { ...status.capacity };
  }
}

/** SetDefaults_LimitRangeItem: for Container items, default limits from max and default requests from default. */
export function defaultLimitRange(o: Obj): void {
  const spec = o.spec;
  if (!isObj(spec)) return;
  eachObj(spec.limits, (item) => {
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) canonicalizeResourceList(item[f]);
    if (item.type !== 'Container') return;
    const max = isObj(item.max) ? item.max : {};
    const def = ensureObj(item, 'default');
    for (const [k, v] of Object.entries(max)) if (def[k] === undefined) def[k] = v;
    const defReq = ensureObj(item, 'defaultRequest');
    for (const [k, v] of Object.entries(def)) if (defReq[k] === undefined) defReq[k] = v;
    const min = isObj(item.min) ? item.min : {};
    for (const [k, v] of Object.entries(min)) if (defReq[k] === undefined) defReq[k] = v;
    if (Object.keys(def).length === 0) delete item.default;
    if (Object.keys(defReq).length === 0) delete item.defaultRequest;
  });
}

export function defaultResourceQuota(o: Obj): void {
  if (isObj(o.spec)) canonicalizeResourceList(o.spec.hard);
  if (isObj(o.status)) {
    canonicalizeResourceList(o.status.hard);
    canonicalizeResourceList(o.status.used);
  }
}

export { canonicalizeRequirements };
