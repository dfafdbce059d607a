// Rules table entries for the core kinds (other than Pods and workloads) and the other API groups.

import { validateCronJob, validateJob, validateJobUpdate } from './batch';
import {
  validateConfigMap, validateConfigMapUpdate, validateEndpoints, validateEvent, validateLimitRange, validateNamespace, validateNode,
  validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate, validateResourceQuota, validateSecret,
  validateSecretUpdate, validateServiceAccount, validateNodeUpdate,
} from './core-misc';
import { type FieldError, required } from './field-error';
import {
  validateAccessReview, validateBindingUpdate, validateCSR, validateClusterRole, validateClusterRoleBinding, validateControllerRevision,
  validateControllerRevisionUpdate, validateHPA, validateLease, validatePDB, validatePodBinding, validatePriorityClass, validatePriorityClassUpdate,
  validateRole, validateRoleBinding, validateRuntimeClass, validateRuntimeClassUpdate, validateScale, validateStorageClass,
  validateStorageClassUpdate, validateTokenReview, validateVolumeAttachment,
} from './groups';
import { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment, type NameFn } from './names';
import { validateEndpointSlice, validateIngress, validateIngressClass, validateIngressClassUpdate, validateNetworkPolicy } from './networking';
import type { KindRules } from './registry';
import { validateService, validateServiceUpdate } from './service';
import { type Obj, obj, str } from './util';

type SpecFn = (o: Obj, errs: FieldError[]) => void;
type UpdateFn = (o: Obj, old: Obj, errs: FieldError[]) => void;

function rules(nameFn: NameFn, spec?: SpecFn, update?: UpdateFn): KindRules {
  const r: KindRules = { nameFn };
  if (spec) r.spec = (o, errs) => spec(o, errs);
  if (update) r.update = update;
  return r;
}
function review(spec: SpecFn): KindRules {
  return { nameFn: nameIsDNSSubdomain, noMeta: true, spec: (o, errs) => spec(o, errs) };
}

function validateEventsV1(o: Obj, errs: FieldError[]): void {
  if (o.eventTime === undefined || o.eventTime === null || o.eventTime === '') errs.push(required('eventTime'));
  for (const f of ['reportingController', 'reportingInstance', 'action', 'reason']) {
    if (str(o[f]).length === 0) errs.push(required(f));
  }
  const series = obj(o.series);
  if (series && (typeof series.count !== 'number' || series.count < 2)) errs.push({ type: 'FieldValueInvalid', field: 'series.count', value: series.count ?? 0, detail: 'should be at least 2' });
}

export const CORE_RULES: Array<[string, KindRules]> = [
  ['/Service', rules(nameIsDNS1035Label, validateService, validateServiceUpdate)],
  ['/ConfigMap', rules(nameIsDNSSubdomain, validateConfigMap, validateConfigMapUpdate)],
  ['/Secret', rules(nameIsDNSSubdomain, validateSecret, validateSecretUpdate)],
  ['/Namespace', rules(nameIsDNSLabel, validateNamespace)],
  ['/Node', { ...rules(nameIsDNSSubdomain, validateNode, validateNodeUpdate), status: (o, _old, errs) => validateNode(o, errs) }],
  ['/Endpoints', rules(nameIsDNSSubdomain, validateEndpoints)],
  ['/Event', rules(nameIsDNSSubdomain, validateEvent)],
  ['/PersistentVolume', rules(nameIsDNSSubdomain, validatePersistentVolume)],
  ['/PersistentVolumeClaim', rules(nameIsDNSSubdomain, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate)],
  ['/ResourceQuota', rules(nameIsDNSSubdomain, validateResourceQuota)],
  ['/LimitRange', rules(nameIsDNSSubdomain, validateLimitRange)],
  ['/ServiceAccount', rules(nameIsDNSSubdomain, validateServiceAccount)],
  ['/Binding', review(validatePodBinding)],
  ['batch/Job', rules(nameIsDNSSubdomain, validateJob, validateJobUpdate)],
  [
    'batch/CronJob',
    {
      nameFn: nameIsDNSSubdomain,
      spec: (o, errs, _ctx, old) => validateCronJob(o, errs, old),
    },
  ],
];

export const GROUP_RULES: Array<[string, KindRules]> = [
  ['events.k8s.io/Event', rules(nameIsDNSSubdomain, validateEventsV1)],
  ['networking.k8s.io/Ingress', rules(nameIsDNSSubdomain, validateIngress)],
  ['networking.k8s.io/IngressClass', rules(nameIsDNSSubdomain, validateIngressClass, validateIngressClassUpdate)],
  ['networking.k8s.io/NetworkPolicy', rules(nameIsDNSSubdomain, validateNetworkPolicy)],
  ['discovery.k8s.io/EndpointSlice', rules(nameIsDNSSubdomain, validateEndpointSlice)],
  ['rbac.authorization.k8s.io/Role', rules(nameIsPathSegment, validateRole)],
  ['rbac.authorization.k8s.io/ClusterRole', rules(nameIsPathSegment, validateClusterRole)],
  ['rbac.authorization.k8s.io/RoleBinding', rules(nameIsPathSegment, validateRoleBinding, validateBindingUpdate)],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', rules(nameIsPathSegment, validateClusterRoleBinding, validateBindingUpdate)],
  ['policy/PodDisruptionBudget', rules(nameIsDNSSubdomain, validatePDB)],
  ['policy/Eviction', review(() => undefined)],
  ['scheduling.k8s.io/PriorityClass', rules(nameIsDNSSubdomain, validatePriorityClass, validatePriorityClassUpdate)],
  [
    'autoscaling/HorizontalPodAutoscaler',
    {
      nameFn: nameIsDNSSubdomain,
      // v1 objects carry targetCPUUtilizationPercentage; v2 objects carry metrics.
      spec: (o, errs) => validateHPA(o, errs, typeof obj(o.spec)?.targetCPUUtilizationPercentage === 'number' || str(o.apiVersion) === 'autoscaling/v1' ? 'v1' : 'v2'),
    },
  ],
  ['autoscaling/Scale', review(validateScale)],
  ['coordination.k8s.io/Lease', rules(nameIsDNSSubdomain, validateLease)],
  ['storage.k8s.io/StorageClass', rules(nameIsDNSSubdomain, validateStorageClass, validateStorageClassUpdate)],
  ['storage.k8s.io/VolumeAttachment', rules(nameIsDNSSubdomain, validateVolumeAttachment)],
  ['storage.k8s.io/CSIDriver', rules(nameIsDNSSubdomain)],
  ['storage.k8s.io/CSINode', rules(nameIsDNSSubdomain)],
  ['node.k8s.io/RuntimeClass', rules(nameIsDNSSubdomain, validateRuntimeClass, validateRuntimeClassUpdate)],
  ['certificates.k8s.io/CertificateSigningRequest', rules(nameIsPathSegment, validateCSR)],
  ['apps/ControllerRevision', rules(nameIsDNSSubdomain, validateControllerRevision, validateControllerRevisionUpdate)],
  ['apiregistration.k8s.io/APIService', rules(nameIsPathSegment)],
  ['authorization.k8s.io/SubjectAccessReview', review((o, e) => validateAccessReview(o, e, 'SubjectAccessReview'))],
  ['authorization.k8s.io/SelfSubjectAccessReview', review((o, e) => validateAccessReview(o, e, 'SelfSubjectAccessReview'))],
  ['authorization.k8s.io/SelfSubjectRulesReview', review((o, e) => validateAccessReview(o, e, 'SelfSubjectRulesReview'))],
  ['authorization.k8s.io/LocalSubjectAccessReview', review((o, e) => validateAccessReview(o, e, 'LocalSubjectAccessReview'))],
  ['authentication.k8s.io/TokenReview', review(validateTokenReview)],
  ['authentication.k8s.io/SelfSubjectReview', review(() => undefined)],
  ['authentication.k8s.io/TokenRequest', review(() => undefined)],
];
