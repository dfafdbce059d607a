// Which printer serves which resource, by API group and plural resource name (version-independent, like
// upstream's printers which work on the internal type). Resources without a printer get Kubernetes'
// default table convertor (staging/src/k8s.io/apiserver/pkg/registry/rest/table.go): Name, Created At.

import { DOC } from './descriptions';
import {
  certificateSigningRequestPrinter, clusterRoleBindingPrinter, csiDriverPrinter, csiNodePrinter, leasePrinter,
  priorityClassPrinter, roleBindingPrinter, runtimeClassPrinter, storageClassPrinter, volumeAttachmentPrinter,
  apiServicePrinter,
} from './printer-cluster';
import { horizontalPodAutoscalerPrinter } from './printer-autoscaling';
import {
  componentStatusPrinter, configMapPrinter, eventPrinter, eventsV1EventPrinter, namespacePrinter, nodePrinter,
  persistentVolumeClaimPrinter, persistentVolumePrinter, resourceQuotaPrinter, secretPrinter, serviceAccountPrinter,
} from './printer-core';
import {
  endpointSlicePrinter, endpointsPrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter, servicePrinter,
} from './printer-network';
import { podPrinter } from './printer-pod';
import {
  controllerRevisionPrinter, cronJobPrinter, daemonSetPrinter, deploymentPrinter, jobPrinter, podDisruptionBudgetPrinter,
  podTemplatePrinter, replicaSetPrinter, replicationControllerPrinter, statefulSetPrinter,
} from './printer-workloads';
import { AGE_COL, NAME_COL, col } from './types';
import type { Printer } from './types';
import { age, int, meta, nameOf, obj, parseTime } from './util';

/** Go's time.Time.UTC().Format(time.RFC3339); the zero time for an absent timestamp. */
function rfc3339(ts: unknown): string {
  const t = parseTime(ts);
  if (Number.isNaN(t)) return '0001-01-01T00:00:00Z';
  const iso = new Date(t).toISOString(); // 2006-01-02T15:04:05.000Z
  return `${iso.slice(0, 19)}Z`;
}

export const defaultPrinter: Printer = {
  columns: [NAME_COL, col('Created At', 'date', DOC.creationTimestamp)],
  cells(o) {
    return [nameOf(o), rfc3339(meta(o)['creationTimestamp'])];
  },
};

/** printScale, for `kubectl get --subresource=scale`. */
export const scalePrinter: Printer = {
  columns: [
    col('Name', 'string', DOC.name),
    col('Desired', 'integer', 'replicas is the desired number of instances for the scaled object.'),
    col('Available', 'integer', 'replicas is the actual number of observed instances of the scaled object.'),
    AGE_COL,
  ],
  cells(o, now) {
    return [nameOf(o), int(obj(o['spec'])['replicas']), int(obj(o['status'])['replicas']), age(o, now)];
  },
};

const PRINTERS = new Map<string, Printer>([
  ['/componentstatuses', componentStatusPrinter],
  ['/configmaps', configMapPrinter],
  ['/endpoints', endpointsPrinter],
  ['/events', eventPrinter],
  ['/namespaces', namespacePrinter],
  ['/nodes', nodePrinter],
  ['/persistentvolumeclaims', persistentVolumeClaimPrinter],
  ['/persistentvolumes', persistentVolumePrinter],
  ['/pods', podPrinter],
  ['/podtemplates', podTemplatePrinter],
  ['/replicationcontrollers', replicationControllerPrinter],
  ['/resourcequotas', resourceQuotaPrinter],
  ['/secrets', secretPrinter],
  ['/serviceaccounts', serviceAccountPrinter],
  ['/services', servicePrinter],
  ['apiregistration.k8s.io/apiservices', apiServicePrinter],
  ['apps/controllerrevisions', controllerRevisionPrinter],
  ['apps/daemonsets', daemonSetPrinter],
  ['apps/deployments', deploymentPrinter],
  ['apps/replicasets', replicaSetPrinter],
  ['apps/statefulsets', statefulSetPrinter],
  ['autoscaling/horizontalpodautoscalers', horizontalPodAutoscalerPrinter],
  ['batch/cronjobs', cronJobPrinter],
  ['batch/jobs', jobPrinter],
  ['certificates.k8s.io/certificatesigningrequests', certificateSigningRequestPrinter],
  ['coordination.k8s.io/leases', leasePrinter],
  ['discovery.k8s.io/endpointslices', endpointSlicePrinter],
  ['events.k8s.io/events', eventsV1EventPrinter],
  ['networking.k8s.io/ingressclasses', ingressClassPrinter],
  ['networking.k8s.io/ingresses', ingressPrinter],
  ['networking.k8s.io/networkpolicies', networkPolicyPrinter],
  ['node.k8s.io/runtimeclasses', runtimeClassPrinter],
  ['policy/poddisruptionbudgets', podDisruptionBudgetPrinter],
  ['rbac.authorization.k8s.io/clusterrolebindings', clusterRoleBindingPrinter],
  ['rbac.authorization.k8s.io/rolebindings', roleBindingPrinter],
  ['scheduling.k8s.io/priorityclasses', priorityClassPrinter],
  ['storage.k8s.io/csidrivers', csiDriverPrinter],
  ['storage.k8s.io/csinodes', csiNodePrinter],
  ['storage.k8s.io/storageclasses', storageClassPrinter],
  ['storage.k8s.io/volumeattachments', volumeAttachmentPrinter],
]);

/**
 * The printer of a resource. `plural` may carry a subresource: 'deployments/scale' prints a Scale,
 * any other subresource ('pods/status') prints like its parent, as upstream's stores share convertors.
 */
export function printerFor(group: string, plural: string): Printer {
  const slash = plural.indexOf('/');
  if (slash >= 0) {
    if (plural.slice(slash + 1) === 'scale') return scalePrinter;
    plural = plural.slice(0, slash);
  }
  return PRINTERS.get(`${group}/${plural}`) ?? defaultPrinter;
}

/** True when the resource has a dedicated printer (not the Name/Created At default). */
export function hasPrinter(group: string, plural: string): boolean {
  return printerFor(group, plural) !== defaultPrinter;
}
