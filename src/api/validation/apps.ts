// Workload validation: apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet and core/v1 ReplicationController
// (pkg/apis/apps/validation and core's ValidateReplicationController).

import { type FieldError, GoLiteral, forbidden, goQuote, invalid, notSupported, required } from './field-error';
import { goLabelSelector, goStringMap, selectorIsEmpty, selectorMatches, validateLabelSelector } from './label-selector';
import { isValidPercent } from './names';
import { FIELD_IMMUTABLE, validateNonnegative } from './object-meta';
import { validatePodTemplateSpec } from './pod';
import { type Obj, arr, deepEqual, isObj, num, obj, objs, str, strMap } from './util';

const CLAIM_VOLUME_RE = /^spec\.template\.spec\.volumes\[(\d+)\]/;

function templateLabels(spec: Obj): Record<string, string> {
  const t = obj(spec.template);
  return strMap(obj(t?.metadata)?.labels);
}

function goTemplateLabels(spec: Obj): GoLiteral {
  return new GoLiteral(goStringMap(obj(obj(spec.template)?.metadata)?.labels));
}

/** The selector rules shared by Deployment/ReplicaSet/StatefulSet/DaemonSet. */
function validateSelector(spec: Obj, what: string, errs: FieldError[]): void {
  if (spec.selector === undefined || spec.selector === null) {
    errs.push(required('spec.selector'));
    return;
  }
  validateLabelSelector(spec.selector, 'spec.selector', errs);
  if (selectorIsEmpty(spec.selector)) errs.push(invalid('spec.selector', goLabelSelector(spec.selector), `empty selector is invalid for ${what}`));
}

function checkTemplateMatches(spec: Obj, errs: FieldError[]): void {
  // A nil selector matches nothing; an empty one selects everything and skips the check.
  const sel = spec.selector;
  if (isObj(sel) && selectorIsEmpty(sel)) return;
  if (!selectorMatches(sel, templateLabels(spec))) {
    errs.push(invalid('spec.template.metadata.labels', goTemplateLabels(spec), '`selector` does not match template `labels`'));
  }
}

function templateRestartAndDeadline(spec: Obj, base: string, kind: string, errs: FieldError[]): void {
  const tspec = obj(obj(spec.template)?.spec) ?? {};
  const rp = str(tspec.restartPolicy);
  if (rp !== 'Always') errs.push(notSupported(`${base}.spec.restartPolicy`, rp, ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
    if (kind === 'DaemonSet') {
      errs.push(invalid(`${base}.spec.activeDeadlineSeconds`, tspec.activeDeadlineSeconds, 'activeDeadlineSeconds must be nil for daemon set'));
    } else {
      errs.push(forbidden(`${base}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kind} is not Supported`));
    }
  }
}

/** intstr value: ints as-is, "25%" -> 25; undefined when malformed. */
function intOrPercentValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && isValidPercent(v).length === 0) return Number(v.slice(0, -1));
  return undefined;
}
function intOrStringLiteral(v: unknown): unknown {
  return typeof v === 'number' ? v : new GoLiteral(str(v));
}

function validatePositiveIntOrPercent(v: unknown, path: string, errs: FieldError[]): void {
  if (typeof v === 'string') for (const m of isValidPercent(v)) errs.push(invalid(path, intOrStringLiteral(v), m));
  else if (typeof v === 'number') validateNonnegative(v, path, errs);
}
function notMoreThan100Percent(v: unknown, path: string, errs: FieldError[]): void {
  if (typeof v !== 'string') return;
  const n = intOrPercentValue(v);
  if (n !== undefined && n > 100) errs.push(invalid(path, intOrStringLiteral(v), 'must not be greater than 100%'));
}

function validateDeploymentStrategy(spec: Obj, errs: FieldError[]): void {
  const s = obj(spec.strategy) ?? {};
  const type = str(s.type);
  if (type === 'Recreate') {
    if (s.rollingUpdate !== undefined && s.rollingUpdate !== null) {
      errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    }
  } else if (type === 'RollingUpdate') {
    const ru = obj(s.rollingUpdate);
    if (!ru) {
      errs.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
      return;
    }
    validatePositiveIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable', errs);
    validatePositiveIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge', errs);
    if ((intOrPercentValue(ru.maxUnavailable) ?? 0) === 0 && (intOrPercentValue(ru.maxSurge) ?? 0) === 0) {
      errs.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', intOrStringLiteral(ru.maxUnavailable ?? 0), 'may not be 0 when `maxSurge` is 0'));
    }
    notMoreThan100Percent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable', errs);
  } else {
    errs.push(
      notSupported(
        'spec.strategy',
        new GoLiteral(`apps.DeploymentStrategy{Type:${goQuote(type)}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}`),
        ['Recreate', 'RollingUpdate'],
      ),
    );
  }
}

export function validateDeployment(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  validateNonnegative(spec.replicas, 'spec.replicas', errs);
  validateSelector(spec, 'deployment', errs);
  checkTemplateMatches(spec, errs);
  validatePodTemplateSpec(spec.template, 'spec.template', errs);
  templateRestartAndDeadline(spec, 'spec.template', 'ReplicaSet', errs);
  validateDeploymentStrategy(spec, errs);
  validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  validateNonnegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', errs);
  const pds = num(spec.progressDeadlineSeconds);
  if (pds !== undefined) {
    validateNonnegative(pds, 'spec.progressDeadlineSeconds', errs);
    if (pds <= (num(spec.minReadySeconds) ?? 0)) errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
}

export function validateReplicaSet(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  validateNonnegative(spec.replicas, 'spec.replicas', errs);
  validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  validateSelector(spec, 'deployment', errs);
  checkTemplateMatches(spec, errs);
  validatePodTemplateSpec(spec.template, 'spec.template', errs);
  templateRestartAndDeadline(spec, 'spec.template', 'ReplicaSet', errs);
}

export function validateStatefulSet(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  const pmp = str(spec.podManagementPolicy);
  if (pmp === '') errs.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = obj(spec.updateStrategy) ?? {};
  const ut = str(us.type);
  if (ut === '') errs.push(required('spec.updateStrategy'));
  else if (ut === 'OnDelete') {
    if (us.rollingUpdate !== undefined && us.rollingUpdate !== null) {
      errs.push(invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
    }
  } else if (ut === 'RollingUpdate') {
    const ru = obj(us.rollingUpdate);
    if (ru) validateNonnegative(ru.partition, 'spec.updateStrategy.rollingUpdate.partition', errs);
  } else {
    errs.push(invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const ret = obj(spec.persistentVolumeClaimRetentionPolicy);
  if (ret) {
    for (const f of ['whenDeleted', 'whenScaled']) {
      const v = str(ret[f]);
      if (v !== 'Retain' && v !== 'Delete') errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, ['Retain', 'Delete']));
    }
  }
  validateNonnegative(spec.replicas, 'spec.replicas', errs);
  validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  const ord = obj(spec.ordinals);
  if (ord) validateNonnegative(ord.start, 'spec.ordinals.start', errs);
  validateSelector(spec, 'statefulset', errs);
  checkTemplateMatches(spec, errs);
  // Claim templates act as volumes for the pods' volumeMounts.
  const tmpl = obj(spec.template);
  if (tmpl) {
    const tspec = obj(tmpl.spec) ?? {};
    const claimVolumes = objs(spec.volumeClaimTemplates).map((c) => ({ name: str(obj(c.metadata)?.name), persistentVolumeClaim: { claimName: 'x' } }));
    const withClaims = { ...tmpl, spec: { ...tspec, volumes: [...arr(tspec.volumes), ...claimVolumes] } };
    const tErrs: FieldError[] = [];
    validatePodTemplateSpec(withClaims, 'spec.template', tErrs);
    const nOwn = arr(tspec.volumes).length;
    errs.push(...tErrs.filter((e) => {
      const m = CLAIM_VOLUME_RE.exec(e.field);
      return !m || Number(m[1]) < nOwn;
    }));
  } else errs.push(required('spec.template'));
  templateRestartAndDeadline(spec, 'spec.template', 'StatefulSet', errs);
}

function validateDaemonSetStrategy(spec: Obj, errs: FieldError[]): void {
  const s = obj(spec.updateStrategy) ?? {};
  const type = str(s.type);
  if (type === 'OnDelete') return;
  if (type === 'RollingUpdate') {
    const ru = obj(s.rollingUpdate);
    const p = 'spec.updateStrategy.rollingUpdate';
    if (!ru) {
      errs.push(required(p));
      return;
    }
    validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`, errs);
    validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`, errs);
    notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`, errs);
    notMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`, errs);
    const hasU = (intOrPercentValue(ru.maxUnavailable) ?? 0) !== 0;
    const hasS = (intOrPercentValue(ru.maxSurge) ?? 0) !== 0;
    if (hasU && hasS) errs.push(invalid(`${p}.maxSurge`, intOrStringLiteral(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
    else if (!hasU && !hasS) errs.push(required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
    return;
  }
  errs.push(
    notSupported(
      'spec.updateStrategy',
      new GoLiteral(`apps.DaemonSetUpdateStrategy{Type:${goQuote(type)}, RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}`),
      ['RollingUpdate', 'OnDelete'],
    ),
  );
}

export function validateDaemonSet(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  // Upstream has no Required error here: a missing selector shows up as the template mismatch.
  validateLabelSelector(spec.selector, 'spec.selector', errs);
  if (!selectorMatches(spec.selector, templateLabels(spec))) {
    errs.push(invalid('spec.template.metadata.labels', goTemplateLabels(spec), '`selector` does not match template `labels`'));
  }
  if (isObj(spec.selector) && selectorIsEmpty(spec.selector)) {
    errs.push(invalid('spec.selector', goLabelSelector(spec.selector), 'empty selector is invalid for daemonset'));
  }
  validatePodTemplateSpec(spec.template, 'spec.template', errs);
  templateRestartAndDeadline(spec, 'spec.template', 'DaemonSet', errs);
  validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  validateNonnegative(spec.templateGeneration, 'spec.templateGeneration', errs);
  validateDaemonSetStrategy(spec, errs);
  validateNonnegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', errs);
}

export function validateReplicationController(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  const sel = strMap(spec.selector);
  if (Object.keys(sel).length === 0) errs.push(required('spec.selector'));
  validateNonnegative(spec.replicas, 'spec.replicas', errs);
  if (!obj(spec.template)) {
    errs.push(required('spec.template'));
    return;
  }
  if (Object.keys(sel).length > 0 && !selectorMatches({ matchLabels: sel }, templateLabels(spec))) {
    errs.push(invalid('spec.template.metadata.labels', goTemplateLabels(spec), '`selector` does not match template `labels`'));
  }
  validatePodTemplateSpec(spec.template, 'spec.template', errs);
  templateRestartAndDeadline(spec, 'spec.template', 'ReplicationController', errs);
}

const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/** Update rules of apps/v1 workloads: the selector is immutable; StatefulSet specs are mostly immutable. */
export function validateWorkloadUpdate(kind: string, o: Obj, old: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  if (kind === 'ReplicationController') return;
  if (!deepEqual(spec.selector ?? null, oldSpec.selector ?? null)) errs.push(invalid('spec.selector', goLabelSelector(spec.selector), FIELD_IMMUTABLE));
  if (kind === 'StatefulSet') {
    const a = { ...spec };
    const b = { ...oldSpec };
    for (const f of STS_MUTABLE) {
      delete a[f];
      delete b[f];
    }
    if (!deepEqual(a, b)) {
      errs.push(
        forbidden(
          'spec',
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
    }
  }
}
