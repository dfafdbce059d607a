// Workload defaults: apps/v1 (Deployment, ReplicaSet, StatefulSet, DaemonSet), core/v1 ReplicationController and
// PodTemplate, batch/v1 (Job, CronJob).

import { defaultPodTemplate } from './pod';
import { canonicalizeRequirements, canonicalizeResourceList } from './quantities';
import { type Obj, eachObj, ensureObj, isObj, setDefault, setDefaultStr } from './util';

export function defaultDeployment(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = ensureObj(spec, 'strategy');
  setDefaultStr(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec.template);
}

export function defaultReplicaSet(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(spec.template);
}

/** A PVC as it appears in volumeClaimTemplates or is created on its own. */
export function defaultPersistentVolumeClaim(pvc: Obj): void {
  const spec = ensureObj(pvc, 'spec');
  setDefault(spec, 'volumeMode', 'Filesystem');
  canonicalizeRequirements(spec.resources);
  const status = ensureObj(pvc, 'status');
  canonicalizeResourceList(status.capacity);
  setDefaultStr(status, 'phase', 'Pending');
}

export function defaultStatefulSet(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  setDefaultStr(spec, 'podManagementPolicy', 'OrderedReady');
  const us = ensureObj(spec, 'updateStrategy');
  setDefaultStr(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = ensureObj(us, 'rollingUpdate');
    setDefault(ru, 'partition', 0);
  }
  const ret = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefaultStr(ret, 'whenDeleted', 'Retain');
  setDefaultStr(ret, 'whenScaled', 'Retain');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  eachObj(spec.volumeClaimTemplates, (t) => {
    setDefaultStr(t, 'apiVersion', 'v1');
    setDefaultStr(t, 'kind', 'PersistentVolumeClaim');
    defaultPersistentVolumeClaim(t);
  });
  defaultPodTemplate(spec.template);
}

export function defaultDaemonSet(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  const us = ensureObj(spec, 'updateStrategy');
  setDefaultStr(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = ensureObj(us, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec.template);
}

export function defaultReplicationController(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  const tmpl = spec.template;
  const tmplLabels = isObj(tmpl) && isObj(tmpl.metadata) && isObj(tmpl.metadata.labels) ? tmpl.metadata.labels : undefined;
  if (tmplLabels && Object.keys(tmplLabels).length > 0) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...tmplLabels };
    const meta = ensureObj(o, 'metadata');
    if (!isObj(meta.labels) || Object.keys(meta.labels).length === 0) meta.labels = { ...tmplLabels };
  }
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(spec.template);
}

export function defaultPodTemplateObject(o: Obj): void {
  defaultPodTemplate(o.template);
}

export function defaultJob(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  if (spec.backoffLimit === undefined || spec.backoffLimit === null) {
    spec.backoffLimit = spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? 2147483647 : 6;
  }
  const tmpl = spec.template;
  const labels = isObj(tmpl) && isObj(tmpl.metadata) && isObj(tmpl.metadata.labels) ? tmpl.metadata.labels : undefined;
  const meta = ensureObj(o, 'metadata');
  if (labels && (!isObj(meta.labels) || Object.keys(meta.labels).length === 0)) meta.labels = { ...labels };
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  const pfp = spec.podFailurePolicy;
  if (isObj(pfp)) {
    eachObj(pfp.rules, (r) => eachObj(r.onPodConditions, (c) => setDefaultStr(c, 'status', 'True')));
  }
  setDefault(spec, 'podReplacementPolicy', isObj(pfp) ? 'Failed' : 'TerminatingOrFailed');
  setDefault(spec, 'manualSelector', false);
  defaultPodTemplate(spec.template);
}

export function defaultCronJob(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  setDefaultStr(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jt = spec.jobTemplate;
  if (isObj(jt) && isObj(jt.spec)) defaultPodTemplate(jt.spec.template);
}
