// batch/v1 Job and CronJob validation (pkg/apis/batch/validation).

import { cronScheduleError, validTimeZone } from './cron';
import { type FieldError, GoLiteral, invalid, notSupported, required } from './field-error';
import { goLabelSelector, goStringMap, selectorMatches, validateLabelSelector } from './label-selector';
import { isDNS1123Label } from './names';
import { FIELD_IMMUTABLE, validateNonnegative } from './object-meta';
import { validatePodTemplateSpec } from './pod';
import { type Obj, deepEqual, isObj, num, obj, str, strMap } from './util';

const MAX_PARALLELISM_INDEXED = 100000;
const timeZonePartRe = /^[A-Za-z._+\-0-9]+$/;

function validateJobSpecBody(spec: Obj, path: string, errs: FieldError[]): void {
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    validateNonnegative(spec[f], `${path}.${f}`, errs);
  }
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (spec.completions === undefined || spec.completions === null) errs.push(required(`${path}.completions`, 'when completion mode is Indexed'));
      const par = num(spec.parallelism);
      if (par !== undefined && par > MAX_PARALLELISM_INDEXED) {
        errs.push(invalid(`${path}.parallelism`, par, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      }
    }
  }
  const prp = spec.podReplacementPolicy;
  if (prp !== undefined && prp !== null && prp !== 'TerminatingOrFailed' && prp !== 'Failed') {
    errs.push(notSupported(`${path}.podReplacementPolicy`, prp, ['Failed', 'TerminatingOrFailed']));
  }
  validatePodTemplateSpec(spec.template, `${path}.template`, errs);
  const rp = str(obj(obj(spec.template)?.spec)?.restartPolicy);
  const rpPath = `${path}.template.spec.restartPolicy`;
  if (rp === 'Always' || rp === '') errs.push(required(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(notSupported(rpPath, rp, ['OnFailure', 'Never']));
  else if (isObj(spec.podFailurePolicy) && rp !== 'Never') errs.push(invalid(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'));
}

export function validateJob(o: Obj, errs: FieldError[]): void {
  const meta = obj(o.metadata) ?? {};
  const spec = obj(o.spec) ?? {};
  // The generated selector must select the job's own pods (the API server sets it from the uid).
  const uid = str(meta.uid);
  if (spec.manualSelector !== true && uid !== '' && isObj(spec.selector)) {
    if (!selectorMatches(spec.selector, { 'batch.kubernetes.io/controller-uid': uid, 'controller-uid': uid })) {
      errs.push(invalid('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
    }
  }
  validateJobSpecBody(spec, 'spec', errs);
  if (spec.selector === undefined || spec.selector === null) errs.push(required('spec.selector'));
  else validateLabelSelector(spec.selector, 'spec.selector', errs);
  const tl = strMap(obj(obj(spec.template)?.metadata)?.labels);
  if (!selectorMatches(spec.selector, tl) && !(isObj(spec.selector) && Object.keys(spec.selector).length === 0)) {
    errs.push(invalid('spec.template.metadata.labels', new GoLiteral(goStringMap(obj(obj(spec.template)?.metadata)?.labels)), '`selector` does not match template `labels`'));
  }
  const comps = num(spec.completions);
  if (spec.completionMode === 'Indexed' && comps !== undefined && comps > 0) {
    const host = `${str(meta.name)}-${comps - 1}`;
    if (isDNS1123Label(host).length > 0) errs.push(invalid('metadata.name', str(meta.name), `will not able to create pod with invalid DNS label: ${host}`));
  }
}

export function validateJobUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  if (!deepEqual(spec.selector ?? null, oldSpec.selector ?? null)) errs.push(invalid('spec.selector', goLabelSelector(spec.selector), FIELD_IMMUTABLE));
  const indexedElastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism && oldSpec.completions === oldSpec.parallelism;
  if (!indexedElastic && !deepEqual(spec.completions ?? null, oldSpec.completions ?? null)) {
    errs.push(invalid('spec.completions', spec.completions ?? null, FIELD_IMMUTABLE));
  }
  // The pod template may only change while a never-started job is suspended (scheduling directives).
  const oldStatus = obj(old.status) ?? {};
  const mutableTemplate = oldSpec.suspend === true && (oldStatus.startTime === undefined || oldStatus.startTime === null);
  if (!mutableTemplate && !deepEqual(spec.template, oldSpec.template)) {
    errs.push(invalid('spec.template', new GoLiteral('core.PodTemplateSpec{...}'), FIELD_IMMUTABLE));
  }
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    if (!deepEqual(spec[f] ?? null, oldSpec[f] ?? null)) errs.push(invalid(`spec.${f}`, spec[f] ?? null, FIELD_IMMUTABLE));
  }
}

function validateTimeZoneField(tz: unknown, errs: FieldError[]): void {
  if (tz === undefined || tz === null) return;
  const s = str(tz);
  const p = 'spec.timeZone';
  if (s.length === 0) {
    errs.push(invalid(p, s, 'timeZone must be nil or non-empty string'));
    return;
  }
  for (const part of s.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !timeZonePartRe.test(part)) {
      errs.push(invalid(p, s, `unknown time zone ${s}`));
      return;
    }
  }
  if (s.toLowerCase() === 'local') errs.push(invalid(p, s, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  else if (!validTimeZone(s)) errs.push(invalid(p, s, `unknown time zone ${s}`));
}

export function validateCronJob(o: Obj, errs: FieldError[], old?: Obj): void {
  const meta = obj(o.metadata) ?? {};
  const spec = obj(o.spec) ?? {};
  const oldSpec = old ? obj(old.spec) ?? {} : undefined;
  const sched = str(spec.schedule);
  if (sched.length === 0) errs.push(required('spec.schedule'));
  else {
    const e = cronScheduleError(sched);
    if (e) errs.push(invalid('spec.schedule', sched, e));
    const allowTZ = oldSpec ? str(oldSpec.schedule).includes('TZ') : false;
    if (allowTZ && sched.includes('TZ') && spec.timeZone !== undefined && spec.timeZone !== null) {
      errs.push(invalid('spec.schedule', sched, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && sched.includes('TZ')) {
      errs.push(invalid('spec.schedule', sched, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  validateNonnegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds', errs);
  if (!oldSpec || oldSpec.timeZone !== spec.timeZone) validateTimeZoneField(spec.timeZone, errs);
  const cp = str(spec.concurrencyPolicy);
  if (cp === '') errs.push(required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(cp)) errs.push(notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
  const jt = obj(spec.jobTemplate) ?? {};
  const jspec = obj(jt.spec) ?? {};
  validateJobSpecBody(jspec, 'spec.jobTemplate.spec', errs);
  if (jspec.selector !== undefined && jspec.selector !== null) {
    errs.push(invalid('spec.jobTemplate.spec.selector', goLabelSelector(jspec.selector), '`selector` will be auto-generated'));
  }
  if (jspec.manualSelector === true) errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  validateNonnegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit', errs);
  validateNonnegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit', errs);
  if (!old && str(meta.name).length > 52) errs.push(invalid('metadata.name', str(meta.name), 'must be no more than 52 characters'));
}
