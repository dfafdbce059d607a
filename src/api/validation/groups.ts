// Validation of the smaller API groups: rbac, policy, scheduling, autoscaling, coordination, storage, node,
// certificates, apps/ControllerRevision and the create-only review kinds. Lighter than upstream: metadata plus
// the required fields and the rules clients most often hit.

import { type FieldError, GoLiteral, forbidden, goQuote, invalid, notSupported, required } from './field-error';
import { validateLabelSelector } from './label-selector';
import { isDNS1123Label, isQualifiedName, isValidPercent, nameIsDNSSubdomain, nameIsPathSegment } from './names';
import { FIELD_IMMUTABLE, validateNonnegative } from './object-meta';
import { type Obj, arr, deepEqual, index, isObj, num, obj, objs, str } from './util';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const HIGHEST_USER_PRIORITY = 1000000000;
const SYSTEM_CLASSES: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };

// --- rbac ---

function validateRules(rules: unknown, namespaced: boolean, errs: FieldError[]): void {
  objs(rules).forEach((r, i) => {
    const p = index('rules', i);
    if (arr(r.verbs).length === 0) errs.push(required(`${p}.verbs`, 'verbs must contain at least one value'));
    const nonRes = arr(r.nonResourceURLs).map(str);
    if (nonRes.length > 0) {
      if (namespaced) errs.push(invalid(`${p}.nonResourceURLs`, nonRes, 'namespaced rules cannot apply to non-resource URLs'));
      if (arr(r.apiGroups).length > 0 || arr(r.resources).length > 0 || arr(r.resourceNames).length > 0) {
        errs.push(invalid(`${p}.nonResourceURLs`, nonRes, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (arr(r.apiGroups).length === 0) errs.push(required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    if (arr(r.resources).length === 0) errs.push(required(`${p}.resources`, 'resource rules must supply at least one resource'));
  });
}

export function validateRole(o: Obj, errs: FieldError[]): void {
  validateRules(o.rules, true, errs);
}
export function validateClusterRole(o: Obj, errs: FieldError[]): void {
  validateRules(o.rules, false, errs);
  const ar = obj(o.aggregationRule);
  if (ar) objs(ar.clusterRoleSelectors).forEach((s, i) => validateLabelSelector(s, index('aggregationRule.clusterRoleSelectors', i), errs));
}

function validateBinding(o: Obj, namespaced: boolean, errs: FieldError[]): void {
  const ref = obj(o.roleRef) ?? {};
  if (str(ref.apiGroup) !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', str(ref.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(ref.kind))) errs.push(notSupported('roleRef.kind', str(ref.kind), kinds));
  const name = str(ref.name);
  if (name.length === 0) errs.push(required('roleRef.name'));
  else for (const m of nameIsPathSegment(name, false)) errs.push(invalid('roleRef.name', name, m));
  objs(o.subjects).forEach((s, i) => {
    const p = index('subjects', i);
    const n = str(s.name);
    if (n.length === 0) errs.push(required(`${p}.name`));
    const g = str(s.apiGroup);
    switch (str(s.kind)) {
      case 'ServiceAccount':
        if (n.length > 0) for (const m of nameIsDNSSubdomain(n, false)) errs.push(invalid(`${p}.name`, n, m));
        if (g.length > 0) errs.push(notSupported(`${p}.apiGroup`, g, ['']));
        if (!namespaced && str(s.namespace).length === 0) errs.push(required(`${p}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (g !== RBAC_GROUP) errs.push(notSupported(`${p}.apiGroup`, g, [RBAC_GROUP]));
        break;
      default:
        errs.push(notSupported(`${p}.kind`, str(s.kind), ['ServiceAccount', 'User', 'Group']));
    }
  });
}
export const validateRoleBinding = (o: Obj, errs: FieldError[]): void => validateBinding(o, true, errs);
export const validateClusterRoleBinding = (o: Obj, errs: FieldError[]): void => validateBinding(o, false, errs);

export function validateBindingUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  if (!deepEqual(o.roleRef, old.roleRef)) {
    const r = obj(o.roleRef) ?? {};
    errs.push(
      invalid('roleRef', new GoLiteral(`rbac.RoleRef{APIGroup:${goQuote(str(r.apiGroup))}, Kind:${goQuote(str(r.kind))}, Name:${goQuote(str(r.name))}}`), 'cannot change roleRef'),
    );
  }
}

// --- policy ---

function intOrPercent(v: unknown, path: string, errs: FieldError[]): void {
  if (typeof v === 'number') validateNonnegative(v, path, errs);
  else if (typeof v === 'string') {
    if (isValidPercent(v).length > 0) {
      errs.push(invalid(path, new GoLiteral(v), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
    } else if (Number(v.slice(0, -1)) > 100) errs.push(invalid(path, new GoLiteral(v), 'must not be greater than 100%'));
  }
}

export function validatePDB(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  if (spec.minAvailable !== undefined && spec.minAvailable !== null && spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    errs.push(invalid('spec', new GoLiteral('policy.PodDisruptionBudgetSpec{...}'), 'minAvailable and maxUnavailable cannot be both set'));
  }
  intOrPercent(spec.minAvailable, 'spec.minAvailable', errs);
  intOrPercent(spec.maxUnavailable, 'spec.maxUnavailable', errs);
  validateLabelSelector(spec.selector, 'spec.selector', errs);
  const p = spec.unhealthyPodEvictionPolicy;
  if (p !== undefined && p !== null && p !== 'IfHealthyBudget' && p !== 'AlwaysAllow') {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', p, ['AlwaysAllow', 'IfHealthyBudget']));
  }
}

// --- scheduling ---

export function validatePriorityClass(o: Obj, errs: FieldError[]): void {
  const name = str(obj(o.metadata)?.name);
  const value = num(o.value) ?? 0;
  if (name.startsWith('system-')) {
    const want = SYSTEM_CLASSES[name];
    let err = '';
    if (want === undefined) err = `${name} is not a known system priority class`;
    else if (want !== value) err = `value of ${name} PriorityClass must be ${want}`;
    else if (o.globalDefault === true) err = `globalDefault of ${name} PriorityClass must be false`;
    if (err) errs.push(forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${err}`));
  } else if (value > HIGHEST_USER_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
  }
  const pp = o.preemptionPolicy;
  if (pp !== undefined && pp !== null && pp !== 'PreemptLowerPriority' && pp !== 'Never') {
    errs.push(notSupported('preemptionPolicy', pp, ['PreemptLowerPriority', 'Never']));
  }
}
export function validatePriorityClassUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  if (o.value !== old.value) errs.push(forbidden('value', 'may not be changed in an update.'));
  if ((o.preemptionPolicy ?? null) !== (old.preemptionPolicy ?? null)) errs.push(invalid('preemptionPolicy', o.preemptionPolicy ?? null, FIELD_IMMUTABLE));
}

// --- autoscaling ---

function validateScaleTargetRef(ref: unknown, errs: FieldError[]): void {
  const r = obj(ref) ?? {};
  const kind = str(r.kind);
  const name = str(r.name);
  if (kind.length === 0) errs.push(required('spec.scaleTargetRef.kind'));
  else for (const m of nameIsPathSegment(kind, false)) errs.push(invalid('spec.scaleTargetRef.kind', kind, m));
  if (name.length === 0) errs.push(required('spec.scaleTargetRef.name'));
  else for (const m of nameIsPathSegment(name, false)) errs.push(invalid('spec.scaleTargetRef.name', name, m));
}

export function validateHPA(o: Obj, errs: FieldError[], version: string): void {
  const spec = obj(o.spec) ?? {};
  const min = num(spec.minReplicas);
  const max = num(spec.maxReplicas) ?? 0;
  if (min !== undefined && min < 1) errs.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  validateScaleTargetRef(spec.scaleTargetRef, errs);
  if (version === 'v1') {
    const t = num(spec.targetCPUUtilizationPercentage);
    if (t !== undefined && t < 1) errs.push(invalid('spec.targetCPUUtilizationPercentage', t, 'must be greater than 0'));
    return;
  }
  const types = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
  objs(spec.metrics).forEach((m, i) => {
    const p = index('spec.metrics', i);
    const t = str(m.type);
    if (t === '') errs.push(required(`${p}.type`, 'must specify a metric source type'));
    else if (!types.includes(t)) errs.push(notSupported(`${p}.type`, t, types));
    const src = obj(m[t.charAt(0).toLowerCase() + t.slice(1)]);
    if (t && types.includes(t) && !src) errs.push(required(`${p}.${t.charAt(0).toLowerCase() + t.slice(1)}`, `must populate information for the given metric source (${t})`));
  });
  const b = obj(spec.behavior);
  if (b) {
    for (const dir of ['scaleUp', 'scaleDown']) {
      const r = obj(b[dir]);
      if (!r) continue;
      const sw = num(r.stabilizationWindowSeconds);
      if (sw !== undefined && (sw < 0 || sw > 3600)) errs.push(invalid(`spec.behavior.${dir}.stabilizationWindowSeconds`, sw, 'must be less than or equal to 3600'));
      objs(r.policies).forEach((pol, i) => {
        const pp = index(`spec.behavior.${dir}.policies`, i);
        if ((num(pol.value) ?? 0) <= 0) errs.push(invalid(`${pp}.value`, num(pol.value) ?? 0, 'must be greater than zero'));
        const ps = num(pol.periodSeconds) ?? 0;
        if (ps <= 0) errs.push(invalid(`${pp}.periodSeconds`, ps, 'must be greater than zero'));
        if (ps > 1800) errs.push(invalid(`${pp}.periodSeconds`, ps, 'must be less than or equal to 1800'));
      });
    }
  }
}

export function validateScale(o: Obj, errs: FieldError[]): void {
  validateNonnegative(obj(o.spec)?.replicas, 'spec.replicas', errs);
}

// --- coordination ---

export function validateLease(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  const d = num(spec.leaseDurationSeconds);
  if (d !== undefined && d <= 0) errs.push(invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  const t = num(spec.leaseTransitions);
  if (t !== undefined && t < 0) errs.push(invalid('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
}

// --- storage / node ---

export function validateStorageClass(o: Obj, errs: FieldError[]): void {
  const prov = str(o.provisioner);
  if (prov.length === 0) errs.push(required('provisioner'));
  else for (const m of isQualifiedName(prov.toLowerCase())) errs.push(invalid('provisioner', prov, m));
  const rp = o.reclaimPolicy;
  if (rp !== undefined && rp !== null && rp !== 'Delete' && rp !== 'Retain') errs.push(notSupported('reclaimPolicy', rp, ['Delete', 'Retain']));
  const bm = o.volumeBindingMode;
  if (bm !== undefined && bm !== null && bm !== 'Immediate' && bm !== 'WaitForFirstConsumer') {
    errs.push(notSupported('volumeBindingMode', bm, ['Immediate', 'WaitForFirstConsumer']));
  }
  let size = 0;
  for (const [k, v] of Object.entries(obj(o.parameters) ?? {})) {
    if (k.length === 0) errs.push(required('parameters', 'parameter key is required'));
    size += k.length + str(v).length;
  }
  if (size > 256 * 1024) errs.push({ type: 'FieldValueTooLong', field: 'parameters', value: '', detail: 'must have at most 262144 bytes' });
}
export function validateStorageClassUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  if (!deepEqual(o.parameters ?? {}, old.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (o.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if ((o.reclaimPolicy ?? null) !== (old.reclaimPolicy ?? null)) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if ((o.volumeBindingMode ?? null) !== (old.volumeBindingMode ?? null)) errs.push(invalid('volumeBindingMode', o.volumeBindingMode ?? null, FIELD_IMMUTABLE));
}

export function validateVolumeAttachment(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  if (str(spec.attacher).length === 0) errs.push(required('spec.attacher'));
  if (str(spec.nodeName).length === 0) errs.push(required('spec.nodeName'));
  const src = obj(spec.source) ?? {};
  const n = (isObj(src.persistentVolumeName) || typeof src.persistentVolumeName === 'string' ? 1 : 0) + (isObj(src.inlineVolumeSpec) ? 1 : 0);
  if (n !== 1) errs.push(required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
}

export function validateRuntimeClass(o: Obj, errs: FieldError[]): void {
  const h = str(o.handler);
  for (const m of isDNS1123Label(h)) errs.push(invalid('handler', h, m));
}
export function validateRuntimeClassUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  if (o.handler !== old.handler) errs.push(invalid('handler', str(o.handler), FIELD_IMMUTABLE));
}

export function validateCSR(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  if (str(spec.request).length === 0) errs.push(invalid('spec.request', new GoLiteral('[]byte(nil)'), 'PEM block type must be CERTIFICATE REQUEST'));
  const signer = str(spec.signerName);
  if (signer.length === 0) errs.push(required('spec.signerName'));
  const exp = num(spec.expirationSeconds);
  if (exp !== undefined && exp < 600) errs.push(invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 600 seconds (10 minutes)'));
}

export function validateControllerRevision(o: Obj, errs: FieldError[]): void {
  validateNonnegative(o.revision, 'revision', errs);
}
export function validateControllerRevisionUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  if (!deepEqual(o.data, old.data)) errs.push(invalid('data', new GoLiteral('runtime.RawExtension{...}'), FIELD_IMMUTABLE));
}

// --- create-only kinds ---

export function validateAccessReview(o: Obj, errs: FieldError[], kind: string): void {
  const spec = obj(o.spec) ?? {};
  if (kind === 'SelfSubjectRulesReview') return;
  const ra = isObj(spec.resourceAttributes);
  const na = isObj(spec.nonResourceAttributes);
  if (!ra && !na) errs.push(invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  if (ra && na) errs.push(invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'));
  if (kind === 'SubjectAccessReview' && str(spec.user).length === 0 && arr(spec.groups).length === 0) {
    errs.push(invalid('spec.user', str(spec.user), 'at least one of user or group must be specified'));
  }
}
export function validateTokenReview(o: Obj, errs: FieldError[]): void {
  if (str(obj(o.spec)?.token).length === 0) errs.push(required('spec.token'));
}
export function validatePodBinding(o: Obj, errs: FieldError[]): void {
  const t = obj(o.target) ?? {};
  if (str(t.name).length === 0) errs.push(required('target.name'));
  if (str(t.kind).length > 0 && str(t.kind) !== 'Node') errs.push(notSupported('target.kind', str(t.kind), ['Node', '<empty>']));
}
