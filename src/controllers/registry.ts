// Every controller of the manager, by the name `--controllers` and `runControllers({ controllers })` use.
import { cronJobController } from './cronjob/cronjob';
import { daemonSetController } from './daemonset/daemonset';
import { deploymentController } from './deployment/deployment';
import { disruptionController } from './disruption/disruption';
import { endpointsController } from './endpoints/endpoints';
import { endpointSliceController } from './endpoints/endpointslice';
import { garbageCollectorController } from './garbagecollector/garbagecollector';
import { hpaController } from './hpa/hpa';
import { jobController } from './job/job';
import { namespaceController } from './namespace/namespace';
import { nodeLifecycleController } from './nodelifecycle/nodelifecycle';
import { podGCController } from './podgc/podgc';
import { replicaSetController, replicationControllerController } from './replicaset/replicaset';
import { resourceQuotaController } from './resourcequota/resourcequota';
import { rootCAController } from './rootca/rootca';
import { serviceAccountController } from './serviceaccount/serviceaccount';
import { statefulSetController } from './statefulset/statefulset';
import { volumeController } from './volume/volume';
import type { ControllerFactory } from './runner/types';

export const CONTROLLERS: Record<string, ControllerFactory> = {
  replicaset: replicaSetController,
  deployment: deploymentController,
  garbagecollector: garbageCollectorController,
  namespace: namespaceController,
  serviceaccount: serviceAccountController,
  'root-ca-cert-publisher': rootCAController,
  replicationcontroller: replicationControllerController,
  endpoints: endpointsController,
  endpointslice: endpointSliceController,
  nodelifecycle: nodeLifecycleController,
  podgc: podGCController,
  job: jobController,
  cronjob: cronJobController,
  daemonset: daemonSetController,
  statefulset: statefulSetController,
  disruption: disruptionController,
  resourcequota: resourceQuotaController,
  horizontalpodautoscaling: hpaController,
  'persistentvolume-binder': volumeController,
};
