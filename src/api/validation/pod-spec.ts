// PodSpec validation (pkg/apis/core/validation: ValidatePodSpec and its helpers).

import { checkHostPortConflicts, validateContainerCommon, validateLifecycleAndProbes, validateResources } from './containers';
import { type FieldError, duplicate, forbidden, invalid, notSupported, required } from './field-error';
import { validateLabelSelector } from './label-selector';
import {
  inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isIP, isQualifiedName, isValidLabelValue, nameIsDNSSubdomain,
} from './names';
import { validateLabels } from './object-meta';
import { type Obj, arr, child, index, num, obj, objs, str } from './util';
import { validateVolumes } from './volumes';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const MAX_INT32 = 2147483647;

export interface PodSpecOptions {
  /** The spec belongs to a Pod (not a template): hostPort must equal containerPort under hostNetwork. */
  resourceIsPod: boolean;
}

export function validateTolerations(tols: unknown, path: string, errs: FieldError[]): void {
  objs(tols).forEach((t, i) => {
    const ip = index(path, i);
    const k = str(t.key);
    const op = str(t.operator);
    const effect = str(t.effect);
    const value = str(t.value);
    if (k.length > 0) for (const m of isQualifiedName(k)) errs.push(invalid(child(ip, 'key'), k, m));
    if (k.length === 0 && op !== 'Exists') {
      errs.push(invalid(child(ip, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute') {
      errs.push(invalid(child(ip, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      const e = isValidLabelValue(value);
      if (e.length > 0) errs.push(invalid(child(ip, 'operator'), value, e.join(';')));
    } else if (op === 'Exists') {
      if (value.length > 0) errs.push(invalid(child(ip, 'operator'), value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(child(ip, 'operator'), op, ['Equal', 'Exists']));
    }
    if (effect.length > 0 && !TAINT_EFFECTS.includes(effect)) errs.push(notSupported(child(ip, 'effect'), effect, TAINT_EFFECTS));
  });
}

function validateNodeSelectorTerm(term: Obj, path: string, errs: FieldError[]): void {
  objs(term.matchExpressions).forEach((rq, j) => {
    const rp = index(child(path, 'matchExpressions'), j);
    const op = str(rq.operator);
    const n = arr(rq.values).length;
    if (op === 'In' || op === 'NotIn') {
      if (n === 0) errs.push(required(child(rp, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (n > 0) errs.push(forbidden(child(rp, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else if (op === 'Gt' || op === 'Lt') {
      if (n !== 1) errs.push(required(child(rp, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
    } else {
      errs.push(invalid(child(rp, 'operator'), op, 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(str(rq.key))) errs.push(invalid(child(rp, 'key'), str(rq.key), m));
  });
  objs(term.matchFields).forEach((rq, j) => {
    const rp = index(child(path, 'matchFields'), j);
    if (str(rq.key) !== 'metadata.name') errs.push(invalid(child(rp, 'key'), str(rq.key), 'not a valid field selector key'));
    const op = str(rq.operator);
    if (op !== 'In' && op !== 'NotIn') errs.push(invalid(child(rp, 'operator'), op, 'not a valid selector operator'));
    else if (arr(rq.values).length !== 1) errs.push(required(child(rp, 'values'), 'must be only one value when `operator` is \'In\' or \'NotIn\' for node field selector'));
  });
}

function validateWeight(w: unknown, path: string, errs: FieldError[]): void {
  const n = num(w) ?? 0;
  if (n <= 0 || n > 100) errs.push(invalid(path, n, 'must be in the range 1-100'));
}

function validatePodAffinityTerm(t: Obj, path: string, errs: FieldError[]): void {
  validateLabelSelector(t.labelSelector, child(path, 'labelSelector'), errs);
  validateLabelSelector(t.namespaceSelector, child(path, 'namespaceSelector'), errs);
  arr(t.namespaces).forEach((ns) => {
    for (const m of isDNS1123Label(str(ns))) errs.push(invalid(child(path, 'namespace'), str(ns), m));
  });
  const tk = str(t.topologyKey);
  if (tk.length === 0) errs.push(required(child(path, 'topologyKey'), 'can not be empty'));
  else for (const m of isQualifiedName(tk)) errs.push(invalid(child(path, 'topologyKey'), tk, m));
}

function validateAffinity(aff: unknown, path: string, errs: FieldError[]): void {
  const a = obj(aff);
  if (!a) return;
  const na = obj(a.nodeAffinity);
  if (na) {
    const np = child(path, 'nodeAffinity');
    const req = obj(na.requiredDuringSchedulingIgnoredDuringExecution);
    if (req) {
      const rp = child(np, 'requiredDuringSchedulingIgnoredDuringExecution');
      const terms = objs(req.nodeSelectorTerms);
      if (terms.length === 0) errs.push(required(child(rp, 'nodeSelectorTerms'), 'must have at least one node selector term'));
      terms.forEach((t, i) => validateNodeSelectorTerm(t, index(child(rp, 'nodeSelectorTerms'), i), errs));
    }
    objs(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const tp = index(child(np, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      validateWeight(t.weight, child(tp, 'weight'), errs);
      validateNodeSelectorTerm(obj(t.preference) ?? {}, child(tp, 'preference'), errs);
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const pa = obj(a[kind]);
    if (!pa) continue;
    const pp = child(path, kind);
    objs(pa.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) =>
      validatePodAffinityTerm(t, index(child(pp, 'requiredDuringSchedulingIgnoredDuringExecution'), i), errs),
    );
    objs(pa.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const tp = index(child(pp, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      validateWeight(t.weight, child(tp, 'weight'), errs);
      validatePodAffinityTerm(obj(t.podAffinityTerm) ?? {}, child(tp, 'podAffinityTerm'), errs);
    });
  }
}

function validateDNSConfig(spec: Obj, path: string, errs: FieldError[]): void {
  const cfg = obj(spec.dnsConfig);
  if (str(spec.dnsPolicy) === 'None') {
    if (!cfg) {
      errs.push(required(path, 'must provide `dnsConfig` when `dnsPolicy` is None'));
      return;
    }
    if (arr(cfg.nameservers).length === 0) {
      errs.push(required(child(path, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
      return;
    }
  }
  if (!cfg) return;
  const ns = arr(cfg.nameservers).map(str);
  if (ns.length > 3) errs.push(invalid(child(path, 'nameservers'), ns, 'must not have more than 3 nameservers'));
  ns.forEach((ip, i) => {
    if (!isIP(ip)) errs.push(invalid(index(child(path, 'nameservers'), i), ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  const searches = arr(cfg.searches).map(str);
  if (searches.length > 32) errs.push(invalid(child(path, 'searches'), searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(invalid(child(path, 'searches'), searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => {
    if (s === '.') return;
    const t = s.endsWith('.') ? s.slice(0, -1) : s;
    for (const m of isDNS1123Subdomain(t)) errs.push(invalid(index(child(path, 'searches'), i), t, m));
  });
  objs(cfg.options).forEach((o, i) => {
    if (str(o.name).length === 0) errs.push(required(index(child(path, 'options'), i), 'must not be empty'));
  });
}

function validateTopologySpread(tscs: unknown, path: string, errs: FieldError[]): void {
  objs(tscs).forEach((c, i) => {
    const p = index(path, i);
    const skew = num(c.maxSkew) ?? 0;
    if (skew <= 0) errs.push(invalid(child(p, 'maxSkew'), skew, 'must be greater than zero'));
    const tk = str(c.topologyKey);
    if (tk.length === 0) errs.push(required(child(p, 'topologyKey'), 'can not be empty'));
    else for (const m of isQualifiedName(tk)) errs.push(invalid(child(p, 'topologyKey'), tk, m));
    const wu = str(c.whenUnsatisfiable);
    if (!['DoNotSchedule', 'ScheduleAnyway'].includes(wu)) errs.push(notSupported(child(p, 'whenUnsatisfiable'), wu, ['DoNotSchedule', 'ScheduleAnyway']));
    validateLabelSelector(c.labelSelector, child(p, 'labelSelector'), errs);
  });
}

/** ValidatePodSpec. Expects defaults applied (terminationGracePeriodSeconds, restartPolicy, dnsPolicy, ...). */
export function validatePodSpec(spec: Obj, path: string, opts: PodSpecOptions, errs: FieldError[]): void {
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) {
    errs.push(required(child(path, 'terminationGracePeriodSeconds')));
  }
  const grace = num(spec.terminationGracePeriodSeconds);
  const vols = validateVolumes(spec.volumes, child(path, 'volumes'), errs);

  const containers = objs(spec.containers);
  const cPath = child(path, 'containers');
  if (containers.length === 0) errs.push(required(cPath));
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const ip = index(cPath, i);
    validateContainerCommon(c, vols, ip, errs);
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(child(ip, 'name'), name));
    else names.add(name);
    validateLifecycleAndProbes(c, ip, grace, errs);
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) errs.push(forbidden(child(ip, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  checkHostPortConflicts(containers, cPath, errs);

  const icPath = child(path, 'initContainers');
  objs(spec.initContainers).forEach((c, i) => {
    const ip = index(icPath, i);
    validateContainerCommon(c, vols, ip, errs);
    let restartAlways = false;
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      if (c.restartPolicy !== 'Always') errs.push(notSupported(child(ip, 'restartPolicy'), c.restartPolicy, ['Always']));
      restartAlways = c.restartPolicy === 'Always';
    }
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(child(ip, 'name'), name));
    else if (name.length > 0) names.add(name);
    checkHostPortConflicts([c], icPath, errs, i);
    if (restartAlways) validateLifecycleAndProbes(c, ip, grace, errs);
    else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f] !== undefined && c[f] !== null) errs.push(forbidden(child(ip, f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });

  validateEphemeralContainers(spec, names, vols, child(path, 'ephemeralContainers'), errs);

  const sc = obj(spec.securityContext);
  if (spec.hostNetwork === true) {
    containers.forEach((c, i) => {
      objs(c.ports).forEach((p, pi) => {
        const hp = num(p.hostPort) ?? 0;
        const cp = num(p.containerPort) ?? 0;
        if ((opts.resourceIsPod || hp !== 0) && hp !== cp) {
          errs.push(invalid(child(index(child(index(cPath, i), 'ports'), pi), 'hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }
  const rp = str(spec.restartPolicy);
  if (rp === '') errs.push(required(child(path, 'restartPolicy')));
  else if (!RESTART_POLICIES.includes(rp)) errs.push(notSupported(child(path, 'restartPolicy'), rp, RESTART_POLICIES));
  const dp = str(spec.dnsPolicy);
  if (dp === '') errs.push(required(child(path, 'dnsPolicy')));
  else if (!DNS_POLICIES.includes(dp)) errs.push(notSupported(child(path, 'dnsPolicy'), dp, DNS_POLICIES));
  validateLabels(spec.nodeSelector, child(path, 'nodeSelector'), errs);
  if (sc) validatePodSecurityContext(sc, child(path, 'securityContext'), errs);
  objs(spec.imagePullSecrets).forEach((s, i) => {
    if (Object.keys(s).some((k) => k !== 'name')) errs.push(invalid(index(child(path, 'imagePullSecrets'), i), s, 'only name may be set'));
  });
  validateAffinity(spec.affinity, child(path, 'affinity'), errs);
  validateDNSConfig(spec, child(path, 'dnsConfig'), errs);
  objs(spec.readinessGates).forEach((g, i) => {
    const ct = str(g.conditionType);
    for (const m of isQualifiedName(ct)) errs.push(invalid(child(index(child(path, 'readinessGates'), i), 'conditionType'), ct, m));
  });
  const gates = new Set<string>();
  objs(spec.schedulingGates).forEach((g, i) => {
    const n = str(g.name);
    const gp = index(child(path, 'schedulingGates'), i);
    for (const m of isQualifiedName(n)) errs.push(invalid(gp, n, m));
    if (gates.has(n)) errs.push(duplicate(gp, n));
    gates.add(n);
  });
  validateTopologySpread(spec.topologySpreadConstraints, child(path, 'topologySpreadConstraints'), errs);
  for (const f of ['serviceAccountName', 'nodeName', 'priorityClassName']) {
    const v = str(spec[f]);
    if (v.length > 0) for (const m of nameIsDNSSubdomain(v, false)) errs.push(invalid(child(path, f), v, m));
  }
  const ads = num(spec.activeDeadlineSeconds);
  if (ads !== undefined && (ads < 1 || ads > MAX_INT32)) {
    errs.push(invalid(child(path, 'activeDeadlineSeconds'), ads, inclusiveRangeError(1, MAX_INT32)));
  }
  for (const f of ['hostname', 'subdomain']) {
    const v = str(spec[f]);
    if (v.length > 0) for (const m of isDNS1123Label(v)) errs.push(invalid(child(path, f), v, m));
  }
  validateTolerations(spec.tolerations, child(path, 'tolerations'), errs);
  objs(spec.hostAliases).forEach((ha, i) => {
    const hp = index(child(path, 'hostAliases'), i);
    if (!isIP(str(ha.ip))) errs.push(invalid(child(hp, 'ip'), str(ha.ip), 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    arr(ha.hostnames).forEach((h, j) => {
      for (const m of isDNS1123Subdomain(str(h))) errs.push(invalid(index(child(hp, 'hostnames'), j), str(h), m));
    });
  });
  if (typeof spec.runtimeClassName === 'string') {
    for (const m of nameIsDNSSubdomain(spec.runtimeClassName, false)) errs.push(invalid(child(path, 'runtimeClassName'), spec.runtimeClassName, m));
  }
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null) {
    const pp = str(spec.preemptionPolicy);
    if (pp === '') errs.push(required(child(path, 'preemptionPolicy')));
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(notSupported(child(path, 'preemptionPolicy'), pp, ['PreemptLowerPriority', 'Never']));
  }
  if (obj(spec.overhead)) validateResources({ limits: spec.overhead }, child(path, 'overhead'), errs);
  const os = obj(spec.os);
  if (os) {
    const n = str(os.name);
    if (n === '') errs.push(required(child(child(path, 'os'), 'name')));
    else if (n !== 'linux' && n !== 'windows') errs.push(notSupported(child(child(path, 'os'), 'name'), n, ['linux', 'windows']));
  }
}

const EPHEMERAL_FORBIDDEN = ['ports', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resizePolicy', 'restartPolicy'];

/** validateEphemeralContainers: common container rules, unique names, a real target, no pod-service fields. */
function validateEphemeralContainers(spec: Obj, names: Set<string>, vols: Map<string, Obj>, path: string, errs: FieldError[]): void {
  const others = new Set(names);
  const all = new Set(names);
  objs(spec.ephemeralContainers).forEach((c, i) => {
    const ip = index(path, i);
    validateContainerCommon(c, vols, ip, errs);
    const name = str(c.name);
    if (all.has(name)) errs.push(duplicate(child(ip, 'name'), name));
    else all.add(name);
    const target = str(c.targetContainerName);
    if (target !== '' && !others.has(target)) errs.push({ type: 'FieldValueNotFound', field: child(ip, 'targetContainerName'), value: target, detail: '' });
    for (const f of EPHEMERAL_FORBIDDEN) {
      const v = c[f];
      const set = v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && !(f === 'resources' && obj(v) && Object.keys(obj(v) ?? {}).length === 0);
      if (set) errs.push(forbidden(child(ip, f), 'cannot be set for an Ephemeral Container'));
    }
    objs(c.volumeMounts).forEach((m, j) => {
      const mp = index(child(ip, 'volumeMounts'), j);
      if (str(m.subPath) !== '') errs.push(forbidden(child(mp, 'subPath'), 'cannot be set for an Ephemeral Container'));
      if (str(m.subPathExpr) !== '') errs.push(forbidden(child(mp, 'subPathExpr'), 'cannot be set for an Ephemeral Container'));
    });
  });
}

function validatePodSecurityContext(sc: Obj, path: string, errs: FieldError[]): void {
  for (const f of ['runAsUser', 'runAsGroup', 'fsGroup']) {
    const v = num(sc[f]);
    if (v !== undefined && (v < 0 || v > MAX_INT32)) errs.push(invalid(child(path, f), v, inclusiveRangeError(0, MAX_INT32)));
  }
  arr(sc.supplementalGroups).forEach((g, i) => {
    const v = num(g);
    if (v !== undefined && (v < 0 || v > MAX_INT32)) errs.push(invalid(index(child(path, 'supplementalGroups'), i), v, inclusiveRangeError(0, MAX_INT32)));
  });
  const fcp = sc.fsGroupChangePolicy;
  if (typeof fcp === 'string' && fcp !== 'OnRootMismatch' && fcp !== 'Always') {
    errs.push(notSupported(child(path, 'fsGroupChangePolicy'), fcp, ['Always', 'OnRootMismatch']));
  }
  objs(sc.sysctls).forEach((s, i) => {
    if (str(s.name).length === 0) errs.push(required(child(index(child(path, 'sysctls'), i), 'name')));
  });
}
