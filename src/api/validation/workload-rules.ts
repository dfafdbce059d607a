// Rules table entries for Pods and workloads.

import {
  validateDaemonSet, validateDeployment, validateReplicaSet, validateReplicationController, validateStatefulSet, validateWorkloadUpdate,
} from './apps';
import { type FieldError, invalid } from './field-error';
import { nameIsDNSSubdomain } from './names';
import { validateNonnegative, validateObjectMetaUpdate } from './object-meta';
import { validatePodCreate, validatePodEphemeralContainersUpdate, validatePodStatusUpdate, validatePodTemplateSpec, validatePodUpdate } from './pod';
import type { KindRules } from './registry';
import { type Obj, num, obj } from './util';

function replicaStatus(o: Obj, old: Obj, errs: FieldError[]): void {
  const st = obj(o.status) ?? {};
  const oldCount = num(obj(old.status)?.collisionCount);
  const count = num(st.collisionCount);
  if (oldCount !== undefined && (count === undefined || count < oldCount)) {
    errs.push(invalid('status.collisionCount', count ?? 0, 'cannot be decremented'));
  }
  for (const f of ['replicas', 'readyReplicas', 'availableReplicas', 'updatedReplicas', 'unavailableReplicas', 'fullyLabeledReplicas',
    'currentReplicas', 'observedGeneration', 'currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady',
    'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount']) {
    validateNonnegative(st[f], `status.${f}`, errs);
  }
}

function workload(kind: string, spec: (o: Obj, errs: FieldError[]) => void): KindRules {
  return {
    nameFn: nameIsDNSSubdomain,
    spec: (o, errs) => spec(o, errs),
    update: (o, old, errs) => validateWorkloadUpdate(kind, o, old, errs),
    status: replicaStatus,
  };
}

export const WORKLOAD_RULES: Array<[string, KindRules]> = [
  [
    '/Pod',
    {
      nameFn: nameIsDNSSubdomain,
      create: (o) => validatePodCreate(o),
      fullUpdate: (o, old, ctx) => {
        if (ctx.subresource === 'status') return validatePodStatusUpdate(o, old);
        if (ctx.subresource === 'ephemeralcontainers') return validatePodEphemeralContainersUpdate(o, old);
        if (ctx.subresource === 'binding') {
          const errs: FieldError[] = [];
          validateObjectMetaUpdate(o, old, errs);
          return errs;
        }
        return validatePodUpdate(o, old);
      },
    },
  ],
  ['/PodTemplate', { nameFn: nameIsDNSSubdomain, spec: (o, errs) => validatePodTemplateSpec(o.template, 'template', errs) }],
  ['/ReplicationController', workload('ReplicationController', validateReplicationController)],
  ['apps/Deployment', workload('Deployment', validateDeployment)],
  ['apps/ReplicaSet', workload('ReplicaSet', validateReplicaSet)],
  ['apps/StatefulSet', workload('StatefulSet', validateStatefulSet)],
  ['apps/DaemonSet', workload('DaemonSet', validateDaemonSet)],
];
