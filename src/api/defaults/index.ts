// Public surface of defaulting: applyDefaults(group, version, kind, obj) mutates obj in place, as the API server's
// decode step does (SetDefaults_* of k8s.io/kubernetes/pkg/apis/<group>/<version>/defaults.go) plus the
// defaulting admission plugins that always run (ServiceAccount, DefaultTolerationSeconds, Priority).

import {
  defaultEndpoints, defaultLimitRange, defaultNamespace, defaultNode, defaultPersistentVolume, defaultResourceQuota, defaultSecret, defaultService,
} from './core';
import {
  defaultCSIDriver, defaultEndpointSlice, defaultHPA, defaultNetworkPolicy, defaultPriorityClass, defaultRBACBinding, defaultStorageClass,
} from './others';
import { defaultPod, inheritPodAdmissionFields } from './pod';
import {
  defaultCronJob, defaultDaemonSet, defaultDeployment, defaultJob, defaultPersistentVolumeClaim, defaultPodTemplateObject, defaultReplicaSet,
  defaultReplicationController, defaultStatefulSet,
} from './workloads';
import type { Obj } from './util';

type Defaulter = (o: Obj, version: string) => void;

const DEFAULTERS: ReadonlyMap<string, Defaulter> = new Map<string, Defaulter>([
  ['/Pod', defaultPod],
  ['/PodTemplate', defaultPodTemplateObject],
  ['/ReplicationController', defaultReplicationController],
  ['/Service', defaultService],
  ['/Namespace', defaultNamespace],
  ['/Secret', defaultSecret],
  ['/PersistentVolume', defaultPersistentVolume],
  ['/PersistentVolumeClaim', defaultPersistentVolumeClaim],
  ['/Endpoints', defaultEndpoints],
  ['/Node', defaultNode],
  ['/LimitRange', defaultLimitRange],
  ['/ResourceQuota', defaultResourceQuota],
  ['apps/Deployment', defaultDeployment],
  ['apps/ReplicaSet', defaultReplicaSet],
  ['apps/StatefulSet', defaultStatefulSet],
  ['apps/DaemonSet', defaultDaemonSet],
  ['batch/Job', defaultJob],
  ['batch/CronJob', defaultCronJob],
  ['networking.k8s.io/NetworkPolicy', defaultNetworkPolicy],
  ['autoscaling/HorizontalPodAutoscaler', defaultHPA],
  ['rbac.authorization.k8s.io/RoleBinding', defaultRBACBinding],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', defaultRBACBinding],
  ['scheduling.k8s.io/PriorityClass', defaultPriorityClass],
  ['storage.k8s.io/StorageClass', defaultStorageClass],
  ['storage.k8s.io/CSIDriver', defaultCSIDriver],
  ['discovery.k8s.io/EndpointSlice', defaultEndpointSlice],
]);

/**
 * Applies Kubernetes' defaults to `obj` in place. Idempotent: applying twice equals applying once.
 * Unknown kinds are left untouched. Call it before validateCreate/validateUpdate, on every create and update.
 * On update, pass the stored object as `old`: fields that admission set on create (a Pod's priority,
 * preemptionPolicy, serviceAccountName) are then kept from it when the request omits them, as upstream's
 * admission plugins do, instead of being re-defaulted.
 */
export function applyDefaults(group: string, version: string, kind: string, obj: Record<string, unknown>, old?: Record<string, unknown>): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return;
  if (old && group === '' && kind === 'Pod') inheritPodAdmissionFields(obj, old);
  const fn = DEFAULTERS.get(`${group}/${kind}`);
  if (fn) fn(obj, version);
}

export { defaultPodSpec, podQOSClass } from './pod';
