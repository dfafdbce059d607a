// Pod create/update validation and pod templates (ValidatePodCreate, ValidatePodUpdate, ValidatePodTemplateSpec).

import { type FieldError, GoLiteral, duplicate, forbidden, goQuote, invalid, required } from './field-error';
import { isIP, isIPv4, isQualifiedName, nameIsDNSSubdomain } from './names';
import { FIELD_IMMUTABLE, validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './object-meta';
import { validatePodSpec, validateTolerations } from './pod-spec';
import { type Obj, arr, child, deepEqual, index, num, obj, objs, str } from './util';

const MAX_INT32 = 2147483647;
const INT_RE = /^[+-]?\d+$/;
const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,' +
  '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function validatePodAnnotations(meta: Obj, spec: Obj, errs: FieldError[]): void {
  const ann = obj(meta.annotations) ?? {};
  const mirror = ann['kubernetes.io/config.mirror'];
  if (mirror !== undefined && str(spec.nodeName).length === 0) {
    errs.push(invalid('metadata.annotations[kubernetes.io/config.mirror]', str(mirror), 'must set spec.nodeName if mirror pod annotation is set'));
  }
  const cost = ann['controller.kubernetes.io/pod-deletion-cost'];
  if (cost !== undefined) {
    const s = str(cost);
    const n = Number(s);
    if (!INT_RE.test(s) || n < -2147483648 || n > MAX_INT32) {
      errs.push(invalid('metadata.annotations[controller.kubernetes.io/pod-deletion-cost]', s, 'must be a 32bit integer'));
    }
  }
}

function validatePodMetadataAndSpec(pod: Obj, errs: FieldError[]): void {
  validateObjectMeta(pod, true, nameIsDNSSubdomain, errs);
  const meta = obj(pod.metadata) ?? {};
  const spec = obj(pod.spec) ?? {};
  validatePodAnnotations(meta, spec, errs);
  validatePodSpec(spec, 'spec', { resourceIsPod: true }, errs);
  if (str(spec.serviceAccountName) === '') {
    objs(spec.volumes).forEach((v, vi) => {
      const proj = obj(v.projected);
      if (!proj) return;
      objs(proj.sources).forEach((s, si) => {
        if (obj(s.serviceAccountToken)) {
          errs.push(forbidden(`spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`, 'must not be specified when serviceAccountName is not set'));
        }
      });
    });
  }
  for (const list of ['containers', 'initContainers']) {
    objs(spec[list]).forEach((c, i) => {
      const img = str(c.image);
      if (img.length !== img.trim().length) errs.push(invalid(`spec.${list}[${i}].image`, img, 'must not have leading or trailing whitespace'));
    });
  }
}

export function validatePodCreate(pod: Obj): FieldError[] {
  const errs: FieldError[] = [];
  validatePodMetadataAndSpec(pod, errs);
  const spec = obj(pod.spec) ?? {};
  if (arr(spec.ephemeralContainers).length > 0) errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  return errs;
}

function validateContainerImageUpdates(list: Obj[], oldList: Obj[], path: string, errs: FieldError[]): boolean {
  if (list.length !== oldList.length) {
    errs.push(forbidden(path, 'pod updates may not add or remove containers'));
    return true;
  }
  list.forEach((c, i) => {
    const img = str(c.image);
    if (img.length === 0) errs.push(required(child(index(path, i), 'image')));
    if (img.trim().length !== img.length) errs.push(invalid(child(index(path, i), 'image'), img, 'must not have leading or trailing whitespace'));
  });
  return false;
}

function tolerationsOnlyAdded(tols: Obj[], oldTols: Obj[], errs: FieldError[]): void {
  for (const o of oldTols) {
    const found = tols.some((t) => deepEqual({ ...o, tolerationSeconds: t.tolerationSeconds }, t));
    if (!found) {
      errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      return;
    }
  }
  validateTolerations(tols, 'spec.tolerations', errs);
}

/** A readable stand-in for Go's cmp.Diff of the two PodSpecs: one -/+ pair per changed field. */
function specDiff(oldSpec: Obj, newSpec: Obj): string {
  const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])];
  let out = '  core.PodSpec{\n';
  for (const k of keys) {
    if (deepEqual(oldSpec[k], newSpec[k])) continue;
    const goName = k.charAt(0).toUpperCase() + k.slice(1);
    out += `- \t${goName}: ${JSON.stringify(oldSpec[k] ?? null)},\n+ \t${goName}: ${JSON.stringify(newSpec[k] ?? null)},\n`;
  }
  return out + '  }\n';
}

export function validatePodUpdate(pod: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(pod, old, errs);
  validatePodMetadataAndSpec(pod, errs);
  const meta = obj(pod.metadata) ?? {};
  const oldMeta = obj(old.metadata) ?? {};
  const ann = obj(meta.annotations) ?? {};
  const oldAnn = obj(oldMeta.annotations) ?? {};
  if (ann['kubernetes.io/config.mirror'] !== oldAnn['kubernetes.io/config.mirror']) {
    const verb = oldAnn['kubernetes.io/config.mirror'] === undefined ? 'may not add mirror pod annotation' : 'may not remove or update mirror pod annotation';
    errs.push(forbidden('metadata.annotations[kubernetes.io/config.mirror]', verb));
  }
  const spec = obj(pod.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  if (validateContainerImageUpdates(objs(spec.containers), objs(oldSpec.containers), 'spec.containers', errs)) return errs;
  if (validateContainerImageUpdates(objs(spec.initContainers), objs(oldSpec.initContainers), 'spec.initContainers', errs)) return errs;

  const ads = num(spec.activeDeadlineSeconds);
  const oldAds = num(oldSpec.activeDeadlineSeconds);
  if (ads !== undefined) {
    if (ads < 0 || ads > MAX_INT32) {
      errs.push(invalid('spec.activeDeadlineSeconds', ads, `must be between 0 and ${MAX_INT32}, inclusive`));
      return errs;
    }
    if (oldAds !== undefined && oldAds < ads) {
      errs.push(invalid('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldAds !== undefined) {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  tolerationsOnlyAdded(objs(spec.tolerations), objs(oldSpec.tolerations), errs);
  const oldGates = new Set(objs(oldSpec.schedulingGates).map((g) => str(g.name)));
  objs(spec.schedulingGates).forEach((g, i) => {
    const n = str(g.name);
    if (!oldGates.has(n)) errs.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${n}'`));
  });
  if (deepEqual(spec, oldSpec)) return errs;

  // Munge the mutable fields of the new spec onto the old and compare what is left.
  const munged: Obj = { ...spec };
  const withOldImages = (list: unknown, oldList: unknown): unknown =>
    Array.isArray(list) ? objs(list).map((c, i) => ({ ...c, image: objs(oldList)[i]?.image })) : list;
  munged.containers = withOldImages(spec.containers, oldSpec.containers);
  if (spec.initContainers !== undefined) munged.initContainers = withOldImages(spec.initContainers, oldSpec.initContainers);
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.tolerations = oldSpec.tolerations;
  munged.schedulingGates = oldSpec.schedulingGates;
  const oldGrace = num(oldSpec.terminationGracePeriodSeconds);
  if (oldGrace !== undefined && oldGrace < 0 && num(spec.terminationGracePeriodSeconds) === 1) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  if (oldGates.size > 0) {
    // Gated pods may gain node selectors and node affinity.
    munged.nodeSelector = oldSpec.nodeSelector;
    munged.affinity = oldSpec.affinity;
  }
  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  if (!deepEqual(munged, oldSpec)) errs.push(forbidden('spec', `${POD_UPDATE_FORBIDDEN}\n${specDiff(oldSpec, munged)}`));
  return errs;
}

const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

function terminatedNotRestarted(statuses: unknown, oldStatuses: unknown, path: string, mayRestart: (s: Obj) => boolean, errs: FieldError[]): void {
  const next = objs(statuses);
  objs(oldStatuses).forEach((o, i) => {
    const term = obj(obj(o.state)?.terminated);
    if (!term || mayRestart(o)) return;
    for (const n of next) {
      if (str(n.name) === str(o.name) && !obj(obj(n.state)?.terminated)) errs.push(forbidden(`${path}[${i}].state`, 'may not be transitioned to non-terminated state'));
    }
  });
}

function validateIPList(list: unknown, path: string, errs: FieldError[]): void {
  const ips = objs(list).map((x) => str(x.ip));
  ips.forEach((ip, i) => {
    if (!isIP(ip)) errs.push(invalid(`${path}[${i}].ip`, ip, IP_MSG));
  });
  if (ips.length > 1) {
    const v4 = ips.filter(isIPv4).length;
    if (ips.length > 2 || v4 !== 1) errs.push(invalid(path, new GoLiteral('[]core.PodIP{...}'), 'may specify no more than one IP for each IP family'));
    const seen = new Set<string>();
    ips.forEach((ip, i) => {
      if (seen.has(ip)) errs.push(duplicate(`${path}[${i}]`, new GoLiteral(`core.PodIP{IP:${goQuote(ip)}}`)));
      seen.add(ip);
    });
  }
}

/** ValidatePodStatusUpdate: metadata rules plus what the kubelet may and may not report. */
export function validatePodStatusUpdate(pod: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(pod, old, errs);
  const status = obj(pod.status) ?? {};
  const oldStatus = obj(old.status) ?? {};
  const spec = obj(pod.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  objs(status.conditions).forEach((c, i) => {
    const t = str(c.type);
    if (t === 'PodScheduled' || t === 'Ready' || t === 'Initialized') return;
    for (const m of isQualifiedName(t)) errs.push(invalid(`metadata.conditions[${i}].Type`, t, m));
  });
  if (str(spec.nodeName) !== str(oldSpec.nodeName)) errs.push(forbidden('status.nodeName', 'may not be changed directly'));
  const nnn = str(status.nominatedNodeName);
  if (nnn !== str(oldStatus.nominatedNodeName) && nnn.length > 0) {
    for (const m of nameIsDNSSubdomain(nnn, false)) errs.push(invalid('status.nominatedNodeName', nnn, m));
  }
  if (str(status.qosClass) !== str(oldStatus.qosClass)) errs.push(invalid('status.qosClass', str(status.qosClass), FIELD_IMMUTABLE));
  const rp = str(oldSpec.restartPolicy);
  if (rp !== 'Always') {
    const exitNonZero = (s: Obj): boolean => (num(obj(obj(s.state)?.terminated)?.exitCode) ?? 0) !== 0 && rp === 'OnFailure';
    terminatedNotRestarted(status.containerStatuses, oldStatus.containerStatuses, 'status.containerStatuses', exitNonZero, errs);
    const restartable = new Set(objs(oldSpec.initContainers).filter((c) => c.restartPolicy === 'Always').map((c) => str(c.name)));
    terminatedNotRestarted(status.initContainerStatuses, oldStatus.initContainerStatuses, 'status.initContainerStatuses', (s) => exitNonZero(s) || restartable.has(str(s.name)), errs);
  }
  terminatedNotRestarted(status.ephemeralContainerStatuses, oldStatus.ephemeralContainerStatuses, 'status.ephemeralContainerStatuses', () => false, errs);
  validateIPList(status.podIPs, 'status.podIPs', errs);
  const hostIPs = objs(status.hostIPs);
  if (hostIPs.length > 0) {
    if (str(status.hostIP) !== str(hostIPs[0]?.ip)) errs.push(invalid('status.hostIPs[0].ip', str(hostIPs[0]?.ip), 'must be equal to `hostIP`'));
    validateIPList(status.hostIPs, 'status.hostIPs', errs);
  }
  return errs;
}

/** ValidatePodEphemeralContainersUpdate: ephemeral containers may be added, never changed or removed. */
export function validatePodEphemeralContainersUpdate(pod: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(pod, old, errs);
  validatePodMetadataAndSpec(pod, errs);
  const oldAnn = obj(obj(old.metadata)?.annotations) ?? {};
  if (oldAnn['kubernetes.io/config.mirror'] !== undefined) return [forbidden('', 'static pods do not support ephemeral containers')];
  const next = new Map(objs(obj(pod.spec)?.ephemeralContainers).map((c) => [str(c.name), c]));
  for (const o of objs(obj(old.spec)?.ephemeralContainers)) {
    const n = next.get(str(o.name));
    if (!n) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers ${goQuote(str(o.name))} may not be removed\n`));
    else if (!deepEqual(o, n)) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers ${goQuote(str(o.name))} may not be changed\n`));
  }
  return errs;
}

/** ValidatePodTemplateSpec as embedded in workloads: labels, annotations, spec (not a Pod). */
export function validatePodTemplateSpec(tmpl: unknown, path: string, errs: FieldError[]): void {
  const t = obj(tmpl);
  if (!t) {
    errs.push(required(path));
    return;
  }
  const meta = obj(t.metadata) ?? {};
  // Upstream reports template metadata errors at `<path>.labels` / `<path>.annotations` (embedded ObjectMeta).
  validateLabels(meta.labels, child(path, 'labels'), errs);
  validateAnnotations(meta.annotations, child(path, 'annotations'), errs);
  validatePodSpec(obj(t.spec) ?? {}, child(path, 'spec'), { resourceIsPod: false }, errs);
  const spec = obj(t.spec) ?? {};
  if (arr(spec.ephemeralContainers).length > 0) {
    errs.push(forbidden(child(child(path, 'spec'), 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
}
