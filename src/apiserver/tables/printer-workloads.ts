// Workload controllers: Deployment, ReplicaSet, ReplicationController, DaemonSet, StatefulSet, Job,
// CronJob, PodTemplate, ControllerRevision, PodDisruptionBudget. Ports of the matching print*
// functions of Kubernetes' pkg/printers/internalversion (v1.32). Fields that the API server defaults
// on every stored object (spec.replicas = 1, cronjob suspend = false) print their default when absent,
// as upstream does after decoding from storage.

import { DOC } from './descriptions';
import { humanDuration } from './duration';
import { AGE_COL, CONTAINERS_COL, IMAGES_COL, NAME_COL, col } from './types';
import type { Printer } from './types';
import {
  age, arr, boolText, conditionStatus, containerCells, formatLabelSelector, formatLabels, int, intOrString, isNum, labelSelectorString,
  meta, nameOf, obj, parseTime, since, str, templateContainers,
} from './util';
import type { Obj } from './util';

function replicas(spec: Obj): number {
  return int(spec['replicas'], 1);
}

export const deploymentPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', DOC.deployUpdated),
    col('Available', 'string', DOC.deployAvailable),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    col('Selector', 'string', DOC.deploySelector, 1),
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const status = obj(o['status']);
    const [names, images] = containerCells(templateContainers(spec));
    const selector = labelSelectorString(spec['selector']);
    return [
      nameOf(o),
      `${int(status['readyReplicas'])}/${replicas(spec)}`,
      int(status['updatedReplicas']),
      int(status['availableReplicas']),
      age(o, now),
      names,
      images,
      selector === undefined ? '<invalid>' : selector,
    ];
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Desired', 'integer', DOC.rsSpecReplicas),
    col('Current', 'integer', DOC.rsStatusReplicas),
    col('Ready', 'integer', DOC.rsReadyReplicas),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    col('Selector', 'string', DOC.rsSelector, 1),
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const status = obj(o['status']);
    const [names, images] = containerCells(templateContainers(spec));
    return [
      nameOf(o),
      replicas(spec),
      int(status['replicas']),
      int(status['readyReplicas']),
      age(o, now),
      names,
      images,
      formatLabelSelector(spec['selector']),
    ];
  },
};

export const replicationControllerPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Desired', 'integer', DOC.rcSpecReplicas),
    col('Current', 'integer', DOC.rcStatusReplicas),
    col('Ready', 'integer', DOC.rcReadyReplicas),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    col('Selector', 'string', DOC.rcSelector, 1),
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const status = obj(o['status']);
    const [names, images] = containerCells(templateContainers(spec));
    return [
      nameOf(o),
      replicas(spec),
      int(status['replicas']),
      int(status['readyReplicas']),
      age(o, now),
      names,
      images,
      formatLabels(spec['selector']),
    ];
  },
};

export const daemonSetPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Desired', 'integer', DOC.dsDesired),
    col('Current', 'integer', DOC.dsCurrent),
    col('Ready', 'integer', DOC.dsReady),
    col('Up-to-date', 'integer', DOC.dsUpdated),
    col('Available', 'integer', DOC.dsAvailable),
    col('Node Selector', 'string', DOC.nodeSelector),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    col('Selector', 'string', DOC.dsSelector, 1),
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const status = obj(o['status']);
    const podSpec = obj(obj(spec['template'])['spec']);
    const [names, images] = containerCells(podSpec['containers']);
    return [
      nameOf(o),
      int(status['desiredNumberScheduled']),
      int(status['currentNumberScheduled']),
      int(status['numberReady']),
      int(status['updatedNumberScheduled']),
      int(status['numberAvailable']),
      formatLabels(podSpec['nodeSelector']),
      age(o, now),
      names,
      images,
      formatLabelSelector(spec['selector']),
    ];
  },
};

export const statefulSetPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Ready', 'string', 'Number of the pod with ready state'),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const status = obj(o['status']);
    const [names, images] = containerCells(templateContainers(spec));
    return [nameOf(o), `${int(status['readyReplicas'])}/${replicas(spec)}`, age(o, now), names, images];
  },
};

function jobStatus(o: Obj): string {
  const conditions = obj(o['status'])['conditions'];
  const has = (type: string): boolean => conditionStatus(conditions, type) === 'True';
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  const del = meta(o)['deletionTimestamp'];
  if (typeof del === 'string' && del !== '') return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export const jobPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', DOC.jobSucceeded),
    col('Duration', 'string', 'Time required to complete the job.'),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    col('Selector', 'string', DOC.jobSelector, 1),
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const status = obj(o['status']);
    const succeeded = int(status['succeeded']);
    let completions: string;
    if (isNum(spec['completions'])) {
      completions = `${succeeded}/${int(spec['completions'])}`;
    } else {
      const parallelism = int(spec['parallelism']);
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    let duration = '';
    const start = parseTime(status['startTime']);
    if (!Number.isNaN(start)) {
      const end = parseTime(status['completionTime']);
      duration = humanDuration((Number.isNaN(end) ? now : end) - start);
    }
    const [names, images] = containerCells(templateContainers(spec));
    return [nameOf(o), jobStatus(o), completions, duration, age(o, now), names, images, formatLabelSelector(spec['selector'])];
  },
};

export const cronJobPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Schedule', 'string', DOC.cronSchedule),
    col('Timezone', 'string', DOC.cronTimeZone),
    col('Suspend', 'boolean', DOC.cronSuspend),
    col('Active', 'integer', DOC.cronActive),
    col('Last Schedule', 'string', DOC.cronLastSchedule),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    col('Selector', 'string', DOC.jobSelector, 1),
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const status = obj(o['status']);
    const jobSpec = obj(obj(spec['jobTemplate'])['spec']);
    const last = status['lastScheduleTime'];
    const tz = spec['timeZone'];
    const [names, images] = containerCells(templateContainers(jobSpec));
    return [
      nameOf(o),
      str(spec['schedule']),
      typeof tz === 'string' ? tz : '<none>',
      boolText(spec['suspend'] ?? false),
      arr(status['active']).length,
      typeof last === 'string' ? since(last, now) : '<none>',
      age(o, now),
      names,
      images,
      formatLabelSelector(jobSpec['selector']),
    ];
  },
};

export const podTemplatePrinter: Printer = {
  columns: [
    NAME_COL,
    col('Containers', 'string', 'Names of each container in the template.'),
    col('Images', 'string', 'Images referenced by each container in the template.'),
    col('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  cells(o) {
    const template = obj(o['template']);
    const [names, images] = containerCells(obj(template['spec'])['containers']);
    return [nameOf(o), names, images, formatLabels(obj(template['metadata'])['labels'])];
  },
};

/** metav1.GetControllerOf + formatResourceName(withKind): 'kind.group/name' lower-cased, or '<none>'. */
function controllerName(o: Obj): string {
  for (const r of arr(meta(o)['ownerReferences'])) {
    const ref = obj(r);
    if (ref['controller'] !== true) continue;
    const apiVersion = str(ref['apiVersion']);
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const kind = str(ref['kind']);
    const name = str(ref['name']);
    if (group === '' && kind === '') return name;
    const gk = group === '' ? kind : `${kind}.${group}`;
    return `${gk.toLowerCase()}/${name}`;
  }
  return '<none>';
}

export const controllerRevisionPrinter: Printer = {
  columns: [NAME_COL, col('Controller', 'string', 'Controller of the object'), col('Revision', 'string', DOC.crRevision), AGE_COL],
  cells(o, now) {
    return [nameOf(o), controllerName(o), int(o['revision']), age(o, now)];
  },
};

export const podDisruptionBudgetPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE_COL,
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const min = spec['minAvailable'];
    const max = spec['maxUnavailable'];
    return [
      nameOf(o),
      min === undefined || min === null ? 'N/A' : intOrString(min),
      max === undefined || max === null ? 'N/A' : intOrString(max),
      int(obj(o['status'])['disruptionsAllowed']),
      age(o, now),
    ];
  },
};
