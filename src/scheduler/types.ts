// The object shapes the scheduler reads (a subset of core/v1), and the plugin framework's contracts.
import type { KubeObject, ObjectMeta } from '../client/index';

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface PodAffinityTerm {
  labelSelector?: LabelSelectorSpec;
  namespaces?: string[];
  namespaceSelector?: LabelSelectorSpec;
  topologyKey: string;
}

export interface WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
    preferredDuringSchedulingIgnoredDuringExecution?: Array<{ weight: number; preference: NodeSelectorTerm }>;
  };
  podAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
  };
  podAntiAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
  };
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway' | string;
  labelSelector?: LabelSelectorSpec;
  minDomains?: number;
  matchLabelKeys?: string[];
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
}

export interface ContainerPort {
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: string;
}

export interface Container {
  name: string;
  image?: string;
  ports?: ContainerPort[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  restartPolicy?: string;
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

export interface Pod extends KubeObject {
  metadata?: ObjectMeta;
  spec?: {
    nodeName?: string;
    schedulerName?: string;
    priority?: number;
    priorityClassName?: string;
    preemptionPolicy?: string;
    nodeSelector?: Record<string, string>;
    affinity?: Affinity;
    tolerations?: Toleration[];
    topologySpreadConstraints?: TopologySpreadConstraint[];
    containers?: Container[];
    initContainers?: Container[];
    overhead?: Record<string, string | number>;
    volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
    hostNetwork?: boolean;
    schedulingGates?: Array<{ name: string }>;
  };
  status?: {
    phase?: string;
    nominatedNodeName?: string;
    conditions?: PodCondition[];
    startTime?: string;
  };
}

export interface Node extends KubeObject {
  metadata?: ObjectMeta;
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: {
    capacity?: Record<string, string | number>;
    allocatable?: Record<string, string | number>;
    conditions?: Array<{ type: string; status: string }>;
    images?: Array<{ names?: string[]; sizeBytes?: number }>;
  };
}

/**
 * A plugin's verdict, as kube-scheduler's framework.Status. Expected outcomes are values, never thrown.
 * - Unschedulable: the node does not fit now; preemption may help.
 * - UnschedulableAndUnresolvable: preemption cannot help on this node.
 * - Skip: (PreFilter/PreScore) the plugin has nothing to do for this pod.
 * - Error: an internal failure; the pod is retried with backoff.
 */
export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip' | 'Error' | 'Wait';

export interface Status {
  code: Code;
  reasons: string[];
  /** The plugin that produced it (filled by the framework). */
  plugin?: string;
}

export const unschedulable = (...reasons: string[]): Status => ({ code: 'Unschedulable', reasons });
export const unresolvable = (...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons });
export const skip: Status = { code: 'Skip', reasons: [] };
/** Permit's Wait: hold the pod until allowed, rejected, or `timeoutMs` passes. */
export const wait = (timeoutMs: number, ...reasons: string[]): Status & { timeoutMs: number } => ({ code: 'Wait', reasons, timeoutMs });
export const isSuccess = (s: Status | undefined): boolean => s === undefined || s.code === 'Success' || s.code === 'Skip';

/** Plugin state that PreFilterExtensions mutate: cloned with the CycleState (upstream's StateData). */
export interface StateData {
  clone(): StateData;
}
const isStateData = (v: unknown): v is StateData => typeof v === 'object' && v !== null && typeof (v as { clone?: unknown }).clone === 'function';

/** Per-cycle scratch space plugins share between extension points (kube-scheduler's CycleState). */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter returned Skip: their Filter is not run. */
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();
  /**
   * A copy for a what-if (preemption's victims removed, nominated pods added): StateData values are
   * cloned, so PreFilterExtensions may update the copy without touching this state; others are shared.
   */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, isStateData(v) ? v.clone() : v);
    for (const x of this.skipFilter) c.skipFilter.add(x);
    for (const x of this.skipScore) c.skipScore.add(x);
    return c;
  }
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write(key: string, v: unknown): void {
    this.data.set(key, v);
  }
}

export const MAX_NODE_SCORE = 100;
