// Pure computation of a pod's status from what the runtime reports (after the kubelet's
// kuberuntime/status_manager): container states, phase (upstream getPhase), and the pod conditions.
// No I/O here, so every rule is table-tested.
import type { ContainerStatus as RuntimeContainerStatus } from './runtime';
import type { Condition, Container, ContainerState, ContainerStatus, Pod, PodStatus } from './types';

/** What the pod worker knows about one container of the spec. */
export interface ContainerView {
  name: string;
  image: string;
  /** The newest attempt the runtime knows of. */
  latest?: RuntimeContainerStatus;
  /** The attempt before it (for lastState). */
  previous?: RuntimeContainerStatus;
  /** Why the container is not running now (CrashLoopBackOff, CreateContainerConfigError, PodInitializing, ...). */
  waiting?: { reason: string; message?: string };
  ready: boolean;
  started: boolean;
}

export interface PodStatusInput {
  pod: Pod;
  runtimeName: string;
  init: ContainerView[];
  app: ContainerView[];
  sandboxReady: boolean;
  podIP?: string;
  hostIP: string;
  now: number;
  /** Set once the pod reached Succeeded/Failed: it never leaves that phase. */
  terminalPhase?: 'Succeeded' | 'Failed';
  /** Overrides (e.g. the pod was evicted, or is being deleted). */
  reason?: string;
  message?: string;
}

/** RFC 3339 with whole seconds, as Kubernetes serialises metav1.Time. */
export function k8sTime(t: string | number | Date | undefined): string | undefined {
  if (t === undefined || t === '') return undefined;
  const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Date.parse(t);
  if (!Number.isFinite(ms)) return undefined;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function terminatedOf(c: RuntimeContainerStatus, runtimeName: string): ContainerState {
  const exitCode = c.exitCode ?? 0;
  const reason = c.reason ?? (exitCode === 0 ? 'Completed' : 'Error');
  return {
    terminated: {
      exitCode,
      reason,
      ...(c.message ? { message: c.message } : {}),
      startedAt: k8sTime(c.startedAt) ?? null,
      finishedAt: k8sTime(c.finishedAt) ?? null,
      containerID: `${runtimeName}://${c.id}`,
    },
  };
}

export function containerStatusOf(v: ContainerView, runtimeName: string): ContainerStatus {
  const latest = v.latest;
  let state: ContainerState;
  let lastState: ContainerState = {};
  const prevTerminated = v.previous && v.previous.state === 'exited' ? terminatedOf(v.previous, runtimeName) : {};
  if (latest?.state === 'running') {
    state = { running: { startedAt: k8sTime(latest.startedAt) ?? k8sTime(latest.createdAt) } };
    lastState = prevTerminated;
  } else if (v.waiting) {
    state = { waiting: { reason: v.waiting.reason, ...(v.waiting.message ? { message: v.waiting.message } : {}) } };
    lastState = latest?.state === 'exited' ? terminatedOf(latest, runtimeName) : prevTerminated;
  } else if (latest?.state === 'exited' || latest?.state === 'unknown') {
    state = terminatedOf(latest, runtimeName);
    lastState = prevTerminated;
  } else {
    state = { waiting: { reason: 'ContainerCreating' } };
    lastState = prevTerminated;
  }
  const running = state.running !== undefined;
  return {
    name: v.name,
    state,
    lastState,
    ready: running && v.ready,
    restartCount: latest?.attempt ?? 0,
    image: v.image,
    imageID: v.image,
    ...(latest ? { containerID: `${runtimeName}://${latest.id}` } : {}),
    started: running && v.started,
  };
}

type Phase = NonNullable<PodStatus['phase']>;

/** Upstream's getPhase (pkg/kubelet/kubelet_pods.go) for regular (non-sidecar) init containers. */
export function podPhase(restartPolicy: string, init: ContainerStatus[], app: ContainerStatus[]): Phase {
  let pendingInit = 0;
  let failedInit = 0;
  for (const s of init) {
    if (s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state.waiting && s.lastState.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
      else pendingInit++;
    } else pendingInit++;
  }
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of app) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting && s.lastState.terminated) stopped++;
    else waiting++;
  }
  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  if (pendingInit > 0 || failedInit > 0) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function cond(type: string, ok: boolean, reason?: string, message?: string): Condition {
  return { type, status: ok ? 'True' : 'False', ...(ok || !reason ? {} : { reason }), ...(ok || !message ? {} : { message }) };
}

/** Keeps lastTransitionTime when the status did not change (and probe time null, as upstream). */
function withTimes(c: Condition, old: Condition[] | undefined, now: string): Condition {
  const prev = old?.find((o) => o.type === c.type);
  const lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  return { ...c, lastProbeTime: null, lastTransitionTime };
}

export function computePodStatus(input: PodStatusInput): PodStatus {
  const { pod } = input;
  const old = pod.status ?? {};
  const restartPolicy = pod.spec.restartPolicy ?? 'Always';
  const init = input.init.map((v) => containerStatusOf(v, input.runtimeName));
  const app = input.app.map((v) => containerStatusOf(v, input.runtimeName));
  const phase = input.terminalPhase ?? podPhase(restartPolicy, init, app);
  const now = k8sTime(input.now)!;

  const initPending = init.filter((s) => !(s.state.terminated?.exitCode === 0)).map((s) => s.name);
  const initialized = initPending.length === 0 || phase === 'Succeeded';
  const unready = app.filter((s) => !s.ready).map((s) => s.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const containersReady = unready.length === 0 && !terminal;
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMsg = terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const conds: Condition[] = [
    cond('PodReadyToStartContainers', input.sandboxReady && !terminal),
    cond('Initialized', initialized, 'ContainersNotInitialized', `containers with incomplete status: [${initPending.join(' ')}]`),
    cond('Ready', containersReady, notReadyReason, notReadyMsg),
    cond('ContainersReady', containersReady, notReadyReason, notReadyMsg),
  ];
  const conditions = conds.map((c) => withTimes(c, old.conditions, now));
  const scheduled = old.conditions?.find((c) => c.type === 'PodScheduled');
  conditions.push(scheduled ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
  // keep conditions owned by others (readiness gates, DisruptionTarget, ...)
  const ours = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  for (const c of old.conditions ?? []) if (!ours.has(c.type)) conditions.push(c);

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: old.startTime ?? now,
    containerStatuses: app,
    ...(init.length ? { initContainerStatuses: init } : {}),
    ...(old.qosClass ? { qosClass: old.qosClass } : {}),
    ...(input.reason ? { reason: input.reason } : {}),
    ...(input.message ? { message: input.message } : {}),
  };
  if (input.podIP) {
    status.podIP = input.podIP;
    status.podIPs = [{ ip: input.podIP }];
  } else if (old.podIP) {
    status.podIP = old.podIP;
    status.podIPs = old.podIPs ?? [{ ip: old.podIP }];
  }
  return status;
}

/** The spec's containers in order, by kind. */
export function specContainers(pod: Pod): { init: Container[]; app: Container[] } {
  return { init: pod.spec.initContainers ?? [], app: pod.spec.containers ?? [] };
}
