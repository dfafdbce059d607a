// Public surface of the controller manager.
import { CONTROLLERS } from './registry';
import { runControllers as runWith, type RunControllersOptions } from './runner/run-controllers';
import { nodeIpamControllerWith } from './nodeipam/nodeipam';

export { CONTROLLERS } from './registry';
export { createControllerMetrics, defaultControllerMetrics, metrics, type ControllerMetrics } from './runner/metrics';
export { startController, type RunningController, type StartControllerOptions } from './runner/runner';
export type { Controller, ControllerContext, ControllerFactory, Log, LogLevel, Request, Result } from './runner/types';
export type { RunControllersOptions } from './runner/run-controllers';

/**
 * Runs the controller manager (all controllers, or `opts.controllers`) until `opts.signal` aborts, under
 * Lease-based leader election unless `leaderElect: false`. With `clusterCidr` the node IPAM controller
 * (`nodeipam`) gives every node a pod CIDR out of it (upstream's --allocate-node-cidrs).
 */
export function runControllers(opts: RunControllersOptions & { clusterCidr?: string; nodeCidrMaskSize?: number }): Promise<void> {
  const registry = opts.registry ?? (opts.clusterCidr
    ? { ...CONTROLLERS, nodeipam: nodeIpamControllerWith({ clusterCidr: opts.clusterCidr, ...(opts.nodeCidrMaskSize ? { nodeCidrMaskSize: opts.nodeCidrMaskSize } : {}) }) }
    : CONTROLLERS);
  return runWith({ ...opts, registry });
}
export { CidrSet, nodeIpamController, nodeIpamControllerWith, DEFAULT_CLUSTER_CIDR } from './nodeipam/nodeipam';

// Each controller's reconcile (and its factory), for tests and embedding.
export { createReplicaSetReconciler, replicaSetController, replicationControllerController, REPLICA_SET, REPLICATION_CONTROLLER } from './replicaset/replicaset';
export { Expectations } from './replicaset/expectations';
export { createDeploymentReconciler, deploymentController } from './deployment/deployment';
export { computeHash } from './deployment/hash';
export { createGarbageCollectorReconciler, garbageCollectorController } from './garbagecollector/garbagecollector';
export { createNamespaceReconciler, namespaceController } from './namespace/namespace';
export { createServiceAccountReconciler, serviceAccountController } from './serviceaccount/serviceaccount';
export { createRootCAReconciler, rootCAController } from './rootca/rootca';
export { createEndpointsReconciler, endpointsController } from './endpoints/endpoints';
export { createEndpointSliceReconciler, endpointSliceController } from './endpoints/endpointslice';
export { createNodeLifecycleReconciler, nodeLifecycleController, nodeLifecycleControllerWith, type NodeLifecycle, type NodeLifecycleOptions } from './nodelifecycle/nodelifecycle';
export { computeZoneState, zoneKey, type ZoneState } from './nodelifecycle/zones';
export { createPodGCReconciler, podGCController, podGCControllerWith } from './podgc/podgc';
export { createJobReconciler, jobController } from './job/job';
export { createCronJobReconciler, cronJobController } from './cronjob/cronjob';
export { parseSchedule, nextTime } from './cronjob/cron';
export { createDaemonSetReconciler, daemonSetController } from './daemonset/daemonset';
export { createStatefulSetReconciler, statefulSetController } from './statefulset/statefulset';
export { createDisruptionReconciler, disruptionController } from './disruption/disruption';
export { createResourceQuotaReconciler, resourceQuotaController } from './resourcequota/resourcequota';
export { createHpaReconciler, hpaController, hpaControllerWith } from './hpa/hpa';
