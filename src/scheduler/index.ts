// Public surface of the scheduler.
export { runScheduler, type RunSchedulerOptions } from './run';
export { loadSchedulerConfig, parseSchedulerConfig, defaultSchedulerConfig, SchedulerConfigError, type SchedulerConfig, type ProfileConfig, type PluginRef, type PluginSet } from './config';
export { explainPod } from './explain';
export { Scheduler, type Log } from './scheduler';
export { ALL_TECHNIQUES, numFeasibleNodesToFind, type Techniques, type NodeScore } from './algorithm';
export { SchedulerCache } from './cache';
export { NodeInfo } from './node-info';
export { createPodInfo, type PodInfo } from './pod-info';
export { SchedulingQueue, type QueuedPod } from './queue';
export { FitError } from './fit-error';
export type {
  BindPlugin, ExtensionPoint, FilterPlugin, Handle, PermitPlugin, PermitStatus, Plugin, PluginFactory, PostFilterPlugin, PostFilterResult, PreFilterPlugin,
  PreScorePlugin, ReservePlugin, ScorePlugin,
} from './framework';
export { WaitingPods, MAX_PERMIT_TIMEOUT_MS, type WaitingPod } from './waiting-pods';
export { CycleState, MAX_NODE_SCORE, wait, type StateData, type Code, type Status, type Pod, type Node } from './types';
export { startSchedulerWorker, type SchedulerWorker, type SchedulerWorkerOptions, type SchedulerWorkerStats } from './worker';
