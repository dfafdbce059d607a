// Container validation shared by regular and init containers (pkg/apis/core/validation: validateContainerCommon,
// ports, env, resources, probes, lifecycle).

import { type FieldError, duplicate, forbidden, invalid, notFound, notSupported, required } from './field-error';
import {
  isConfigMapKey, isDNS1123Label, isHTTPHeaderName, isQualifiedName, isRelaxedEnvVarName, isValidPortName, isValidPortNum,
  nameIsDNSSubdomain,
} from './names';
import { IS_NEGATIVE, validateNonnegative } from './object-meta';
import { QUANTITY_REGEX_ERROR, cmpQuantity, formatQuantity, isNegative, isWhole, parseQuantity, type Quantity } from './quantity';
import { type Obj, arr, child, index, isObj, key, num, obj, objs, str } from './util';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_POLICIES = ['File', 'FallbackToLogsOnError'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const ENV_FIELD_PATHS = [
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName',
  'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];
const SUBSCRIPT_RE = /^(metadata\.(?:annotations|labels))\['(.*)'\]$/;
const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

/** Volume name -> whether it is PVC-backed (for volumeDevices). */
export type VolumeMap = Map<string, Obj>;

export function validatePortNumOrName(port: unknown, path: string, errs: FieldError[]): void {
  if (typeof port === 'number') {
    for (const m of isValidPortNum(port)) errs.push(invalid(path, port, m));
  } else if (typeof port === 'string') {
    for (const m of isValidPortName(port)) errs.push(invalid(path, port, m));
  } else {
    errs.push(invalid(path, port ?? 0, 'must be between 1 and 65535, inclusive'));
  }
}

function validatePorts(ports: unknown, path: string, errs: FieldError[]): void {
  const names = new Set<string>();
  objs(ports).forEach((p, i) => {
    const ip = index(path, i);
    const name = str(p.name);
    if (name.length > 0) {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const m of msgs) errs.push(invalid(child(ip, 'name'), name, m));
      else if (names.has(name)) errs.push(duplicate(child(ip, 'name'), name));
      else names.add(name);
    }
    const cp = num(p.containerPort) ?? 0;
    if (cp === 0) errs.push(required(child(ip, 'containerPort')));
    else for (const m of isValidPortNum(cp)) errs.push(invalid(child(ip, 'containerPort'), cp, m));
    const hp = num(p.hostPort) ?? 0;
    if (hp !== 0) for (const m of isValidPortNum(hp)) errs.push(invalid(child(ip, 'hostPort'), hp, m));
    const proto = str(p.protocol);
    if (proto.length === 0) errs.push(required(child(ip, 'protocol')));
    else if (!PROTOCOLS.includes(proto)) errs.push(notSupported(child(ip, 'protocol'), proto, PROTOCOLS));
  });
}

function validateKeySelector(s: Obj, path: string, errs: FieldError[]): void {
  const name = str(s.name);
  for (const m of nameIsDNSSubdomain(name, false)) errs.push(invalid(child(path, 'name'), name, m));
  const k = str(s.key);
  if (k.length === 0) errs.push(required(child(path, 'key')));
  else for (const m of isConfigMapKey(k)) errs.push(invalid(child(path, 'key'), k, m));
}

function validateEnv(env: unknown, path: string, errs: FieldError[]): void {
  objs(env).forEach((ev, i) => {
    const ip = index(path, i);
    const name = str(ev.name);
    if (name.length === 0) errs.push(required(child(ip, 'name')));
    else for (const m of isRelaxedEnvVarName(name)) errs.push(invalid(child(ip, 'name'), name, m));
    const vf = obj(ev.valueFrom);
    if (!vf) return;
    const vp = child(ip, 'valueFrom');
    let n = 0;
    const fieldRef = obj(vf.fieldRef);
    if (fieldRef) {
      n++;
      const fp = child(vp, 'fieldRef');
      if (str(fieldRef.apiVersion).length === 0) errs.push(required(child(fp, 'apiVersion')));
      else if (str(fieldRef.fieldPath).length === 0) errs.push(required(child(fp, 'fieldPath')));
      else {
        const p = str(fieldRef.fieldPath);
        const sub = SUBSCRIPT_RE.exec(p);
        if (sub) {
          const subscript = sub[1] === 'metadata.annotations' ? (sub[2] ?? '').toLowerCase() : (sub[2] ?? '');
          for (const m of isQualifiedName(subscript)) errs.push(invalid(fp, subscript, m));
        } else if (!ENV_FIELD_PATHS.includes(p) || p === 'metadata.annotations' || p === 'metadata.labels') {
          errs.push(notSupported(child(fp, 'fieldPath'), p, ENV_FIELD_PATHS.filter((x) => x !== 'metadata.annotations' && x !== 'metadata.labels')));
        }
      }
    }
    const rf = obj(vf.resourceFieldRef);
    if (rf) {
      n++;
      const res = str(rf.resource);
      const rp = child(vp, 'resourceFieldRef');
      if (res.length === 0) errs.push(required(child(rp, 'resource')));
      else if (!RESOURCE_FIELD_PATHS.includes(res) && !res.startsWith('requests.hugepages-') && !res.startsWith('limits.hugepages-')) {
        errs.push(notSupported(child(rp, 'resource'), res, RESOURCE_FIELD_PATHS));
      }
    }
    const cm = obj(vf.configMapKeyRef);
    if (cm) {
      n++;
      validateKeySelector(cm, child(vp, 'configMapKeyRef'), errs);
    }
    const sk = obj(vf.secretKeyRef);
    if (sk) {
      n++;
      validateKeySelector(sk, child(vp, 'secretKeyRef'), errs);
    }
    if (n === 0) errs.push(invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (str(ev.value).length !== 0) errs.push(invalid(vp, '', 'may not be specified when `value` is not empty'));
    else if (n > 1) errs.push(invalid(vp, '', 'may not have more than one field specified at a time'));
  });
}

function validateEnvFrom(envFrom: unknown, path: string, errs: FieldError[]): void {
  objs(envFrom).forEach((ev, i) => {
    const ip = index(path, i);
    const prefix = str(ev.prefix);
    if (prefix.length > 0) for (const m of isRelaxedEnvVarName(prefix)) errs.push(invalid(child(ip, 'prefix'), prefix, m));
    let n = 0;
    for (const f of ['configMapRef', 'secretRef']) {
      const ref = obj(ev[f]);
      if (!ref) continue;
      n++;
      const name = str(ref.name);
      const np = child(child(ip, f), 'name');
      if (name.length === 0) errs.push(required(np));
      else for (const m of nameIsDNSSubdomain(name, true)) errs.push(invalid(np, name, m));
    }
    if (n === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
}

function validateLocalDescendingPath(p: string, path: string, errs: FieldError[]): void {
  if (p.startsWith('/')) errs.push(invalid(path, p, 'must be a relative path'));
  if (p.split('/').includes('..')) errs.push(invalid(path, p, "must not contain '..'"));
}

function validateVolumeMounts(c: Obj, vols: VolumeMap, path: string, errs: FieldError[]): void {
  const devices = new Map<string, string>();
  for (const d of objs(c.volumeDevices)) devices.set(str(d.name), str(d.devicePath));
  const devicePaths = new Set(devices.values());
  const mountPoints = new Set<string>();
  objs(c.volumeMounts).forEach((m, i) => {
    const ip = index(path, i);
    const name = str(m.name);
    const mp = str(m.mountPath);
    if (name.length === 0) errs.push(required(child(ip, 'name')));
    if (!vols.has(name)) errs.push(notFound(child(ip, 'name'), name));
    if (mp.length === 0) errs.push(required(child(ip, 'mountPath')));
    if (mountPoints.has(mp)) errs.push(invalid(child(ip, 'mountPath'), mp, 'must be unique'));
    mountPoints.add(mp);
    if (devices.has(name)) errs.push(invalid(child(ip, 'name'), name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(mp)) errs.push(invalid(child(ip, 'mountPath'), mp, 'must not already exist as a path in volumeDevices'));
    const subPath = str(m.subPath);
    const subPathExpr = str(m.subPathExpr);
    if (subPath.length > 0) validateLocalDescendingPath(subPath, child(path, 'subPath'), errs);
    if (subPathExpr.length > 0) {
      if (subPath.length > 0) errs.push(invalid(child(ip, 'subPathExpr'), subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      validateLocalDescendingPath(subPathExpr, child(path, 'subPathExpr'), errs);
    }
    const prop = m.mountPropagation;
    if (typeof prop === 'string' && !['None', 'HostToContainer', 'Bidirectional'].includes(prop)) {
      errs.push(notSupported(child(path, 'mountPropagation'), prop, ['Bidirectional', 'HostToContainer', 'None']));
    }
  });
}

function isHugePages(name: string): boolean {
  return name.startsWith('hugepages-');
}
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}
function validateContainerResourceName(name: string, path: string, errs: FieldError[]): void {
  const qn = isQualifiedName(name);
  if (qn.length > 0) {
    for (const m of qn) errs.push(invalid(path, name, m));
    return;
  }
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) errs.push(invalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name)) {
    if (name.startsWith('requests.') || isQualifiedName('requests.' + name).length > 0) {
      errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
    }
  }
}

/** Parses a quantity field, reporting a decode-style error when it is malformed. */
function quantityAt(v: unknown, path: string, errs: FieldError[]): Quantity | undefined {
  const q = parseQuantity(v);
  if (!q) errs.push(invalid(path, typeof v === 'string' ? v : String(v), QUANTITY_REGEX_ERROR));
  return q;
}

function validateQuantityValue(name: string, q: Quantity, path: string, errs: FieldError[]): void {
  if (isNegative(q)) errs.push(invalid(path, formatQuantity(q), IS_NEGATIVE));
  if (!isNativeResource(name) && !isWhole(q)) errs.push(invalid(path, formatQuantity(q), 'must be an integer'));
}

/** ResourceRequirements of a container: names, quantities, requests <= limits. */
export function validateResources(res: unknown, path: string, errs: FieldError[]): void {
  const r = obj(res);
  if (!r) return;
  const limPath = child(path, 'limits');
  const reqPath = child(path, 'requests');
  const limits = new Map<string, Quantity>();
  let cpuMem = false;
  let huge = false;
  for (const [name, raw] of Object.entries(obj(r.limits) ?? {})) {
    const p = key(limPath, name);
    validateContainerResourceName(name, p, errs);
    const q = quantityAt(raw, p, errs);
    if (!q) continue;
    validateQuantityValue(name, q, p, errs);
    limits.set(name, q);
    if (isHugePages(name)) huge = true;
    if (name === 'cpu' || name === 'memory') cpuMem = true;
  }
  for (const [name, raw] of Object.entries(obj(r.requests) ?? {})) {
    const p = key(reqPath, name);
    validateContainerResourceName(name, p, errs);
    const q = quantityAt(raw, p, errs);
    if (!q) continue;
    validateQuantityValue(name, q, p, errs);
    const overcommit = isNativeResource(name) && !isHugePages(name);
    const lim = limits.get(name);
    if (lim) {
      const c = cmpQuantity(q, lim);
      if (c !== 0 && !overcommit) {
        errs.push(invalid(reqPath, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(lim)}`));
      } else if (c > 0) {
        errs.push(invalid(reqPath, formatQuantity(q), `must be less than or equal to ${name} limit of ${formatQuantity(lim)}`));
      }
    } else if (!overcommit) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePages(name)) huge = true;
    if (name === 'cpu' || name === 'memory') cpuMem = true;
  }
  if (!cpuMem && huge) errs.push(forbidden(path, 'HugePages require cpu or memory'));
}

function validateHandler(h: Obj, path: string, kinds: readonly string[], errs: FieldError[]): void {
  let n = 0;
  for (const k of kinds) {
    const v = obj(h[k]);
    if (!v) continue;
    const p = child(path, k);
    if (n > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    if (k === 'exec') {
      if (arr(v.command).length === 0) errs.push(required(child(p, 'command')));
    } else if (k === 'httpGet') {
      if (str(v.path).length === 0) errs.push(required(child(p, 'path')));
      validatePortNumOrName(v.port, child(p, 'port'), errs);
      const scheme = str(v.scheme);
      if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(notSupported(child(p, 'scheme'), scheme, ['HTTP', 'HTTPS']));
      for (const hd of objs(v.httpHeaders)) {
        for (const m of isHTTPHeaderName(str(hd.name))) errs.push(invalid(child(p, 'httpHeaders'), str(hd.name), m));
      }
    } else if (k === 'tcpSocket') {
      validatePortNumOrName(v.port, child(p, 'port'), errs);
    } else if (k === 'grpc') {
      validatePortNumOrName(num(v.port) ?? 0, child(p, 'port'), errs);
    }
  }
  if (n === 0) errs.push(required(path, 'must specify a handler type'));
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;

function validateProbe(probe: unknown, path: string, kind: 'liveness' | 'readiness' | 'startup', errs: FieldError[]): void {
  const p = obj(probe);
  if (!p) return;
  validateHandler(p, path, PROBE_HANDLERS, errs);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    validateNonnegative(p[f], child(path, f), errs);
  }
  const tgps = num(p.terminationGracePeriodSeconds);
  if (tgps !== undefined && tgps <= 0) errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), tgps, 'must be greater than 0'));
  if (kind === 'readiness' && p.terminationGracePeriodSeconds !== undefined && p.terminationGracePeriodSeconds !== null) {
    errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
  }
  if (kind !== 'readiness' && (num(p.successThreshold) ?? 1) !== 1) {
    errs.push(invalid(child(path, 'successThreshold'), num(p.successThreshold) ?? 0, 'must be 1'));
  }
}

export function validateLifecycleAndProbes(c: Obj, path: string, gracePeriod: number | undefined, errs: FieldError[]): void {
  const lc = obj(c.lifecycle);
  if (lc) {
    for (const hk of ['postStart', 'preStop']) {
      const h = obj(lc[hk]);
      if (!h) continue;
      const hp = child(child(path, 'lifecycle'), hk);
      validateHandler(h, hp, LIFECYCLE_HANDLERS, errs);
      const sleep = obj(h.sleep);
      const secs = sleep ? num(sleep.seconds) ?? 0 : undefined;
      // v1.32: PodLifecycleSleepActionAllowZero is alpha (off), so zero is rejected.
      if (secs !== undefined && gracePeriod !== undefined && (secs <= 0 || secs > gracePeriod)) {
        errs.push(
          invalid(
            child(hp, 'sleep'),
            secs,
            `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`,
          ),
        );
      }
    }
  }
  validateProbe(c.livenessProbe, child(path, 'livenessProbe'), 'liveness', errs);
  validateProbe(c.readinessProbe, child(path, 'readinessProbe'), 'readiness', errs);
  validateProbe(c.startupProbe, child(path, 'startupProbe'), 'startup', errs);
}

/** validateContainerCommon: what every container (regular, init) must satisfy. */
export function validateContainerCommon(c: Obj, vols: VolumeMap, path: string, errs: FieldError[]): void {
  const name = str(c.name);
  if (name.length === 0) errs.push(required(child(path, 'name')));
  else for (const m of isDNS1123Label(name)) errs.push(invalid(child(path, 'name'), name, m));
  if (str(c.image).length === 0) errs.push(required(child(path, 'image')));
  const tmp = str(c.terminationMessagePolicy);
  if (tmp.length === 0) errs.push(required(child(path, 'terminationMessagePolicy')));
  else if (!TERMINATION_POLICIES.includes(tmp)) errs.push(notSupported(child(path, 'terminationMessagePolicy'), tmp, TERMINATION_POLICIES));
  validatePorts(c.ports, child(path, 'ports'), errs);
  validateEnv(c.env, child(path, 'env'), errs);
  validateEnvFrom(c.envFrom, child(path, 'envFrom'), errs);
  validateVolumeMounts(c, vols, child(path, 'volumeMounts'), errs);
  const ipp = str(c.imagePullPolicy);
  if (ipp.length === 0) errs.push(required(child(path, 'imagePullPolicy')));
  else if (!PULL_POLICIES.includes(ipp)) errs.push(notSupported(child(path, 'imagePullPolicy'), ipp, PULL_POLICIES));
  validateResources(c.resources, child(path, 'resources'), errs);
  validateSecurityContext(c.securityContext, child(path, 'securityContext'), errs);
}

function validateSecurityContext(sc: unknown, path: string, errs: FieldError[]): void {
  const s = obj(sc);
  if (!s) return;
  for (const f of ['runAsUser', 'runAsGroup']) {
    const v = num(s[f]);
    if (v !== undefined && (v < 0 || v > 2147483647)) errs.push(invalid(child(path, f), v, 'must be between 0 and 2147483647, inclusive'));
  }
  if (s.privileged === true && s.allowPrivilegeEscalation === false) {
    errs.push(invalid(path, s, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  const caps = obj(s.capabilities);
  if (caps && s.allowPrivilegeEscalation === false && arr(caps.add).some((c) => str(c) === 'CAP_SYS_ADMIN' || str(c) === 'SYS_ADMIN')) {
    errs.push(invalid(path, s, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
  }
  if (isObj(s.procMount) || (typeof s.procMount === 'string' && !['Default', 'Unmasked'].includes(s.procMount))) {
    errs.push(notSupported(child(path, 'procMount'), s.procMount, ['Default', 'Unmasked']));
  }
}

/** Host ports must not collide across the given containers (protocol/hostIP/port). */
export function checkHostPortConflicts(containers: Obj[], path: string, errs: FieldError[], offset = 0): void {
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    objs(c.ports).forEach((p, pi) => {
      const hp = num(p.hostPort) ?? 0;
      if (hp === 0) return;
      const k = `${str(p.protocol)}/${str(p.hostIP)}/${hp}`;
      const fp = child(index(child(index(path, ci + offset), 'ports'), pi), 'hostPort');
      if (seen.has(k)) errs.push(duplicate(fp, k));
      else seen.add(k);
    });
  });
}
