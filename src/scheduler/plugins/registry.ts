// The in-tree plugins by name, and the default profile's plugin set with Kubernetes' default weights.
import type { Handle, Plugin } from '../framework';
import { createDefaultBinder } from './default-binder/default-binder';
import { createDefaultPreemption } from './default-preemption/default-preemption';
import { createImageLocality } from './image-locality/image-locality';
import { createInterPodAffinity } from './inter-pod-affinity/inter-pod-affinity';
import { createNodeAffinity } from './node-affinity/node-affinity';
import { createNodeName } from './node-name/node-name';
import { createNodePorts } from './node-ports/node-ports';
import { createBalancedAllocation } from './node-resources-balanced-allocation/node-resources-balanced-allocation';
import { createNodeResourcesFit, type FitArgs } from './node-resources-fit/node-resources-fit';
import { createNodeUnschedulable } from './node-unschedulable/node-unschedulable';
import { createPodTopologySpread, type SpreadArgs } from './pod-topology-spread/pod-topology-spread';
import { createTaintToleration } from './taint-toleration/taint-toleration';
import { createVolumeBinding } from './volume-binding/volume-binding';

export type Args = Record<string, unknown>;

export const REGISTRY: Record<string, (args: Args, h: Handle) => Plugin> = {
  NodeUnschedulable: () => createNodeUnschedulable(),
  NodeName: () => createNodeName(),
  TaintToleration: () => createTaintToleration(),
  NodeAffinity: (a) => createNodeAffinity(a),
  NodePorts: () => createNodePorts(),
  NodeResourcesFit: (a) => createNodeResourcesFit(a as FitArgs),
  VolumeBinding: (a, h) => createVolumeBinding(a, h),
  PodTopologySpread: (a, h) => createPodTopologySpread(a as SpreadArgs, h),
  InterPodAffinity: (a, h) => createInterPodAffinity(a as { hardPodAffinityWeight?: number }, h),
  DefaultPreemption: (a, h) => createDefaultPreemption(a, h),
  NodeResourcesBalancedAllocation: (a) => createBalancedAllocation(a as { resources?: Array<{ name: string }> }),
  ImageLocality: (a, h) => createImageLocality(a, h),
  DefaultBinder: (a, h) => createDefaultBinder(a, h),
};

/** kube-scheduler v1.32's default multiPoint plugins, in order, with default score weights. */
export const DEFAULT_PLUGINS: ReadonlyArray<{ name: string; weight?: number }> = [
  { name: 'NodeUnschedulable' }, { name: 'NodeName' }, { name: 'TaintToleration', weight: 3 }, { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' }, { name: 'NodeResourcesFit', weight: 1 }, { name: 'VolumeBinding' }, { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 }, { name: 'DefaultPreemption' }, { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 }, { name: 'DefaultBinder' },
];

/** Upstream plugins berth accepts in configuration but does not run (their checks do not apply here). */
export const IGNORED_PLUGINS = new Set([
  'PrioritySort', 'SchedulingGates', 'VolumeRestrictions', 'NodeVolumeLimits', 'EBSLimits', 'GCEPDLimits', 'AzureDiskLimits',
  'VolumeZone', 'DynamicResources', 'CinderLimits',
]);
