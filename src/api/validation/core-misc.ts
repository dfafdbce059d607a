// Validation of the remaining core/v1 kinds: ConfigMap, Secret, Namespace, Node, Endpoints, Event,
// PersistentVolume(Claim), ResourceQuota, LimitRange, ServiceAccount.

import { type FieldError, GoLiteral, duplicate, forbidden, invalid, notSupported, required, tooLong } from './field-error';
import { validateLabelSelector } from './label-selector';
import { isCIDR, isConfigMapKey, isDNS1123Label, isIP, isQualifiedName, isValidLabelValue, isValidPortNum, nameIsDNSSubdomain } from './names';
import { FIELD_IMMUTABLE, IS_NEGATIVE } from './object-meta';
import { QUANTITY_REGEX_ERROR, cmpQuantity, formatQuantity, isNegative, parseQuantity, type Quantity } from './quantity';
import { type Obj, arr, deepEqual, index, isObj, key, num, obj, objs, str } from './util';

const MAX_SECRET_SIZE = 1024 * 1024;
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function base64Len(v: unknown): number {
  const s = str(v).replace(/=+$/, '');
  return Math.floor((s.length * 3) / 4);
}

function quantity(v: unknown, path: string, errs: FieldError[]): Quantity | undefined {
  const q = parseQuantity(v);
  if (!q) errs.push(invalid(path, str(v) || String(v), QUANTITY_REGEX_ERROR));
  return q;
}

export function validateConfigMap(o: Obj, errs: FieldError[]): void {
  const data = obj(o.data) ?? {};
  const bin = obj(o.binaryData) ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key('data', k), k, m));
    if (k in bin) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(str(v));
  }
  for (const [k, v] of Object.entries(bin)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key('binaryData', k), k, m));
    size += base64Len(v);
  }
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('', '', MAX_SECRET_SIZE));
}

function immutableData(o: Obj, old: Obj, fields: string[], errs: FieldError[]): void {
  if (old.immutable !== true) return;
  if (o.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (!deepEqual(o[f] ?? {}, old[f] ?? {})) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  }
}

export function validateConfigMapUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  immutableData(o, old, ['data', 'binaryData'], errs);
}

function jsonError(b64: unknown): string | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(str(b64), 'base64').toString('utf8'));
    return isObj(v) ? undefined : 'json: cannot unmarshal into Go value of type map[string]interface {}';
  } catch (e) {
    return e instanceof Error ? e.message : 'invalid JSON';
  }
}

export function validateSecret(o: Obj, errs: FieldError[]): void {
  const data = obj(o.data) ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key('data', k), k, m));
    size += base64Len(v);
  }
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('data', '', MAX_SECRET_SIZE));
  const ann = obj(obj(o.metadata)?.annotations) ?? {};
  const has = (k: string): boolean => data[k] !== undefined && data[k] !== null;
  switch (str(o.type)) {
    case 'kubernetes.io/service-account-token':
      if (str(ann['kubernetes.io/service-account.name']).length === 0) errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const k = str(o.type) === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(k)) {
        errs.push(required(key('data', k)));
        break;
      }
      const e = jsonError(data[k]);
      if (e) errs.push(invalid(key('data', k), '<secret contents redacted>', e));
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(required('data[username]'));
        errs.push(required('data[password]'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (base64Len(data['ssh-privatekey']) === 0) errs.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required('data[tls.crt]'));
      if (!has('tls.key')) errs.push(required('data[tls.key]'));
      break;
    default:
      break;
  }
}

export function validateSecretUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  if (str(o.type) !== str(old.type)) errs.push(invalid('type', str(o.type), FIELD_IMMUTABLE));
  immutableData(o, old, ['data'], errs);
}

export function validateNamespace(o: Obj, errs: FieldError[]): void {
  arr(obj(o.spec)?.finalizers).forEach((f) => {
    const s = str(f);
    const e = isQualifiedName(s);
    for (const m of e) errs.push(invalid('spec.finalizers', s, m));
    if (e.length === 0 && !s.includes('/') && s !== 'kubernetes') {
      errs.push(invalid('spec.finalizers', s, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
}

export function validateNode(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  const seen = new Set<string>();
  objs(spec.taints).forEach((t, i) => {
    const p = index('spec.taints', i);
    const k = str(t.key);
    for (const m of isQualifiedName(k)) errs.push(invalid(`${p}.key`, k, m));
    const effect = str(t.effect);
    if (effect === '') errs.push(required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(effect)) errs.push(notSupported(`${p}.effect`, effect, TAINT_EFFECTS));
    const v = str(t.value);
    const ve = isValidLabelValue(v);
    if (ve.length > 0) errs.push(invalid(`${p}.value`, v, ve.join(';')));
    const id = `${k}/${effect}`;
    if (seen.has(id)) errs.push(duplicate(p, new GoLiteral(`core.Taint{Key:"${k}", Value:"${v}", Effect:"${effect}", TimeAdded:<nil>}`)));
    seen.add(id);
  });
  arr(spec.podCIDRs).forEach((c, i) => {
    const s = str(c);
    if (!isCIDR(s)) errs.push(invalid(index('spec.podCIDRs', i), s, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  const status = obj(o.status) ?? {};
  for (const f of ['capacity', 'allocatable']) {
    for (const [r, v] of Object.entries(obj(status[f]) ?? {})) quantity(v, key(`status.${f}`, r), errs);
  }
}

export function validateEndpoints(o: Obj, errs: FieldError[]): void {
  objs(o.subsets).forEach((s, i) => {
    const sp = index('subsets', i);
    for (const f of ['addresses', 'notReadyAddresses']) {
      objs(s[f]).forEach((a, j) => {
        const ip = str(a.ip);
        if (!isIP(ip)) errs.push(invalid(`${index(`${sp}.${f}`, j)}.ip`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
        const host = str(a.hostname);
        if (host.length > 0) for (const m of isDNS1123Label(host)) errs.push(invalid(`${index(`${sp}.${f}`, j)}.hostname`, host, m));
      });
    }
    const ports = objs(s.ports);
    ports.forEach((p, j) => {
      const pp = index(`${sp}.ports`, j);
      const name = str(p.name);
      if (ports.length > 1 && name.length === 0) errs.push(required(`${pp}.name`));
      else if (name.length > 0) for (const m of isDNS1123Label(name)) errs.push(invalid(`${pp}.name`, name, m));
      const port = num(p.port) ?? 0;
      for (const m of isValidPortNum(port)) errs.push(invalid(`${pp}.port`, port, m));
      const proto = str(p.protocol);
      if (proto === '') errs.push(required(`${pp}.protocol`));
      else if (!['SCTP', 'TCP', 'UDP'].includes(proto)) errs.push(notSupported(`${pp}.protocol`, proto, ['SCTP', 'TCP', 'UDP']));
    });
  });
}

/** core/v1 Event (legacyValidateEvent for the v1 API). */
export function validateEvent(o: Obj, errs: FieldError[]): void {
  const ns = str(obj(o.metadata)?.namespace);
  const involvedNs = str(obj(o.involvedObject)?.namespace);
  const eventTime = o.eventTime;
  if (eventTime === undefined || eventTime === null || eventTime === '') {
    if (involvedNs.length === 0) {
      if (ns !== '' && ns !== 'default') errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    } else if (ns !== involvedNs) errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  } else {
    if (involvedNs.length === 0 && ns !== 'default' && ns !== 'kube-system') errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    const rc = str(o.reportingComponent);
    if (rc.length === 0) errs.push(required('reportingComponent'));
    for (const m of isQualifiedName(rc)) errs.push(invalid('reportingComponent', rc, m));
    const ri = str(o.reportingInstance);
    if (ri.length === 0) errs.push(required('reportingInstance'));
    if (ri.length > 128) errs.push(invalid('reportingInstance', '', 'can have at most 128 characters'));
    const action = str(o.action);
    if (action.length === 0) errs.push(required('action'));
    if (action.length > 128) errs.push(invalid('action', '', 'can have at most 128 characters'));
    const reason = str(o.reason);
    if (reason.length === 0) errs.push(required('reason'));
    if (reason.length > 128) errs.push(invalid('reason', '', 'can have at most 128 characters'));
    if (str(o.message).length > 1024) errs.push(invalid('message', '', 'can have at most 1024 characters'));
  }
}

function validateAccessModes(modes: unknown, path: string, requiredDetail: string, errs: FieldError[]): void {
  const list = arr(modes).map(str);
  if (list.length === 0) errs.push(required(path, requiredDetail));
  for (const m of list) if (!ACCESS_MODES.includes(m)) errs.push(notSupported(path, m, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.length > 1) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
}

const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'quobyte', 'cephfs', 'iscsi', 'cinder', 'fc',
  'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local',
  'storageos', 'csi',
];

export function validatePersistentVolume(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  validateAccessModes(spec.accessModes, 'spec.accessModes', '', errs);
  const rp = spec.persistentVolumeReclaimPolicy;
  if (rp !== undefined && !['Delete', 'Recycle', 'Retain'].includes(str(rp))) errs.push(notSupported('spec.persistentVolumeReclaimPolicy', rp, ['Delete', 'Recycle', 'Retain']));
  const cap = obj(spec.capacity) ?? {};
  if (Object.keys(cap).length === 0) errs.push(required('spec.capacity'));
  if (!('storage' in cap) || Object.keys(cap).length > 1) errs.push(notSupported('spec.capacity', new GoLiteral(`core.ResourceList{...}`), ['storage']));
  for (const [r, v] of Object.entries(cap)) {
    const q = quantity(v, key('spec.capacity', r), errs);
    if (q && (isNegative(q) || q.num === 0n)) errs.push(invalid(key('spec.capacity', r), formatQuantity(q), 'must be greater than zero'));
  }
  let n = 0;
  for (const s of PV_SOURCES) {
    if (spec[s] === undefined || spec[s] === null) continue;
    if (n > 0) errs.push(forbidden(`spec.${s}`, 'may not specify more than 1 volume type'));
    n++;
    const src = obj(spec[s]) ?? {};
    if ((s === 'hostPath' || s === 'local') && str(src.path).length === 0) errs.push(required(`spec.${s}.path`));
    if (s === 'hostPath' && str(src.path).split('/').includes('..')) errs.push(invalid('spec.hostPath.path', str(src.path), "must not contain '..'"));
    if (s === 'local' && !isObj(spec.nodeAffinity)) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
    if (s === 'csi' && str(src.driver).length === 0) errs.push(required('spec.csi.driver'));
    if (s === 'csi' && str(src.volumeHandle).length === 0) errs.push(required('spec.csi.volumeHandle'));
    if (s === 'nfs' && str(src.server).length === 0) errs.push(required('spec.nfs.server'));
  }
  if (n === 0) errs.push(required('spec', 'must specify a volume type'));
  const sc = str(spec.storageClassName);
  if (sc.length > 0) for (const m of nameIsDNSSubdomain(sc, false)) errs.push(invalid('spec.storageClassName', sc, m));
  const vm = spec.volumeMode;
  if (vm !== undefined && vm !== null && vm !== 'Block' && vm !== 'Filesystem') errs.push(notSupported('spec.volumeMode', vm, ['Block', 'Filesystem']));
}

export function validatePersistentVolumeClaimSpec(spec: Obj, path: string, errs: FieldError[]): void {
  validateAccessModes(spec.accessModes, `${path}.accessModes`, 'at least 1 access mode is required', errs);
  if (isObj(spec.selector)) validateLabelSelector(spec.selector, `${path}.selector`, errs);
  const req = obj(obj(spec.resources)?.requests) ?? {};
  const sp = key(`${path}.resources`, 'storage');
  if (req.storage === undefined) errs.push(required(sp));
  else {
    const q = quantity(req.storage, sp, errs);
    if (q && (isNegative(q) || q.num === 0n)) errs.push(invalid(sp, formatQuantity(q), 'must be greater than zero'));
  }
  const sc = spec.storageClassName;
  if (typeof sc === 'string' && sc.length > 0) for (const m of nameIsDNSSubdomain(sc, false)) errs.push(invalid(`${path}.storageClassName`, sc, m));
  const vm = spec.volumeMode;
  if (vm !== undefined && vm !== null && vm !== 'Block' && vm !== 'Filesystem') errs.push(notSupported(`${path}.volumeMode`, vm, ['Block', 'Filesystem']));
}

export function validatePersistentVolumeClaim(o: Obj, errs: FieldError[]): void {
  validatePersistentVolumeClaimSpec(obj(o.spec) ?? {}, 'spec', errs);
}

export function validatePersistentVolumeClaimUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  const spec = { ...(obj(o.spec) ?? {}) };
  const oldSpec = { ...(obj(old.spec) ?? {}) };
  if (str(oldSpec.volumeName) === '') oldSpec.volumeName = spec.volumeName;
  if (oldSpec.storageClassName === undefined && spec.storageClassName !== undefined) oldSpec.storageClassName = spec.storageClassName;
  const bound = str(obj(o.status)?.phase) === 'Bound';
  const newStorage = obj(obj(spec.resources)?.requests)?.storage;
  const oldStorage = obj(obj(oldSpec.resources)?.requests)?.storage;
  const a: Obj = { ...spec, resources: bound ? { ...(obj(spec.resources) ?? {}), requests: { ...(obj(obj(spec.resources)?.requests) ?? {}), storage: oldStorage } } : spec.resources };
  if (bound) a.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  for (const k of Object.keys(a)) if (a[k] === undefined) delete a[k];
  if (!deepEqual(a, oldSpec)) errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  const nq = parseQuantity(newStorage);
  const oq = parseQuantity(oldStorage);
  if (nq && oq && cmpQuantity(nq, oq) < 0) errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
}

export function validateResourceQuota(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  for (const [r, v] of Object.entries(obj(spec.hard) ?? {})) {
    const p = key('spec.hard', r);
    for (const m of isQualifiedName(r)) errs.push(invalid(p, r, m));
    const q = quantity(v, p, errs);
    if (q && isNegative(q)) errs.push(invalid(p, formatQuantity(q), IS_NEGATIVE));
  }
  const scopes = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];
  arr(spec.scopes).forEach((s) => {
    if (!scopes.includes(str(s))) errs.push(notSupported('spec.scopes', str(s), scopes));
  });
}

export function validateLimitRange(o: Obj, errs: FieldError[]): void {
  const types = ['Container', 'PersistentVolumeClaim', 'Pod'];
  objs(obj(o.spec)?.limits).forEach((item, i) => {
    const p = index('spec.limits', i);
    const t = str(item.type);
    if (!types.includes(t)) errs.push(notSupported(`${p}.type`, t, types));
    const parsed: Record<string, Map<string, Quantity>> = {};
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
      const m = new Map<string, Quantity>();
      for (const [r, v] of Object.entries(obj(item[f]) ?? {})) {
        const q = quantity(v, key(`${p}.${f}`, r), errs);
        if (q) m.set(r, q);
      }
      parsed[f] = m;
    }
    for (const [r, min] of parsed.min ?? []) {
      const max = parsed.max?.get(r);
      if (max && cmpQuantity(min, max) > 0) errs.push(invalid(key(`${p}.min`, r), formatQuantity(min), `min value ${formatQuantity(min)} is greater than max value ${formatQuantity(max)}`));
    }
    for (const [r, def] of parsed.default ?? []) {
      const max = parsed.max?.get(r);
      if (max && cmpQuantity(def, max) > 0) errs.push(invalid(key(`${p}.default`, r), formatQuantity(def), `default value ${formatQuantity(def)} is greater than max value ${formatQuantity(max)}`));
    }
  });
}

export function validateServiceAccount(o: Obj, errs: FieldError[]): void {
  objs(o.secrets).forEach((s, i) => {
    const n = str(s.name);
    if (n.length > 0) for (const m of nameIsDNSSubdomain(n, false)) errs.push(invalid(`${index('secrets', i)}.name`, n, m));
  });
}

/** ValidateNodeUpdate: podCIDRs and providerID may only be set once. */
export function validateNodeUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const oldCIDRs = arr(oldSpec.podCIDRs).map(str);
  if (oldCIDRs.length > 0 && !deepEqual(arr(spec.podCIDRs).map(str), oldCIDRs)) {
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  const oldPid = str(oldSpec.providerID);
  if (oldPid !== '' && str(spec.providerID) !== oldPid) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
}
