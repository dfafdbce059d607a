// One worker per pod (keyed by UID), after pkg/kubelet/pod_workers.go + kuberuntime's SyncPod. Its sync is
// level-based: it reads what the runtime has for the pod (by the labels put on sandboxes and containers),
// compares it with the spec, and takes the next steps —
//
//   sandbox ─► init containers, one at a time, each to completion ─► app containers ─► status
//      │            failure: restart per restartPolicy (CrashLoopBackOff)    liveness failure: kill → restart
//      └─ deletionTimestamp: preStop, SIGTERM, SIGKILL after the grace period ─► final status ─► DELETE (grace 0, uid)
//
// Syncs of one pod never overlap (a change during a sync reruns it). A restarted kubelet simply finds
// the containers running and adopts them.
import type { Clock } from '../client';
import { ImageError } from './images/errors';
import { PULL_POLICY_ANNOTATION } from './runtime/oci/oci-runtime';
import type { CrashBackoff } from './backoff';
import { buildContainerConfig, podLabels } from './container-start';
import { ConfigError, type ConfigSource, type EnvContext } from './env';
import { computePodStatus, type ContainerView } from './pod-status';
import { runAction, runProbeWorker, type ProbeKind, type ProbeResult } from './probes';
import type { ContainerRuntime, ContainerStatus as RtContainer, PodSandboxStatus, PortMapping } from './runtime';
import type { StatusManager } from './status-manager';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, type Container, type LogFn, type Pod, type PodStatus } from './types';
import { setUpVolumes, tearDownVolumes, VolumeError, type VolumeHost } from './volumes';
import { NETWORK_NOT_READY } from './cni/network';

export interface PodWorkerDeps {
  runtime: ContainerRuntime;
  clock: Clock;
  hostIP: string;
  backoff: CrashBackoff;
  config: ConfigSource;
  volumeHost: VolumeHost;
  status: StatusManager;
  log: LogFn;
  nodeAllocatable: EnvContext['nodeAllocatable'];
  /** Directory for the pod's container logs. */
  logDir(pod: Pod): string;
  /** Give non-hostNetwork pods their own network namespace. */
  podNetns: boolean;
  /** Whether the pod network can wire a namespace now (false until the node has its pod CIDR). */
  networkReady?(): boolean;
  /** resolv.conf for the pod, if any. */
  dnsConfig(pod: Pod): string | undefined;
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** DELETE the pod from the API (gracePeriodSeconds 0, uid precondition); a no-op for static pods. */
  deletePod(pod: Pod): Promise<void>;
  /** Status of static pods goes to the mirror pod of this name. */
  mirrorName?(pod: Pod): string | undefined;
  /** Called when the worker finished a terminated pod. */
  onDone(uid: string): void;
  /** Debug/bench hook: the pod reached a startup stage (sync, sandbox, volumes, created, started, status). */
  trace?(uid: string, stage: string): void;
}

interface ProbeSlot {
  abort: AbortController;
  results: Partial<Record<ProbeKind, ProbeResult>>;
}

const RESYNC_MS = 10_000;

export class PodWorker {
  pod: Pod;
  /** The pod was removed from the API (or its manifest file): tear down without writing status. */
  removed = false;
  private running = false;
  private dirty = false;
  private wakeCancel?: () => void;
  private readonly probes = new Map<string, ProbeSlot>();
  private readonly waiting = new Map<string, { reason: string; message?: string }>();
  private terminalPhase?: 'Succeeded' | 'Failed';
  private readonly exitSeen = new Map<string, number>();
  private finished = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(pod: Pod, private readonly d: PodWorkerDeps) {
    this.pod = pod;
    this.terminalPhase = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' ? pod.status.phase : undefined;
  }

  get uid(): string {
    return this.pod.metadata.uid;
  }

  update(pod: Pod): void {
    this.pod = pod;
    this.kick();
  }

  remove(): void {
    this.removed = true;
    this.kick();
  }

  /** Requests a sync (coalesced with one running). */
  kick(): void {
    if (this.finished) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = true;
    this.idle = this.loop();
  }

  /** Resolves once no sync is running (tests). */
  settled(): Promise<void> {
    return this.idle;
  }

  stopProbes(): void {
    for (const p of this.probes.values()) p.abort.abort();
    this.probes.clear();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.dirty = false;
        let retryMs = RESYNC_MS;
        try {
          retryMs = Math.min(retryMs, await this.sync());
        } catch (e) {
          this.d.log('warn', `pod ${this.key()}: sync failed: ${(e as Error).message}`);
          retryMs = 1000;
        }
        if (!this.finished) this.wakeIn(retryMs);
      } while (this.dirty && !this.finished);
    } finally {
      this.running = false;
    }
  }

  private wakeIn(ms: number): void {
    this.wakeCancel?.();
    this.wakeCancel = this.d.clock.setTimeout(() => this.kick(), Math.max(0, ms));
  }

  private key(): string {
    return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
  }

  private async podContainers(): Promise<RtContainer[]> {
    return this.d.runtime.listContainers({ labels: { [LABEL_POD_UID]: this.uid } });
  }

  private async podSandboxes(): Promise<PodSandboxStatus[]> {
    return (await this.d.runtime.listPodSandboxes()).filter((s) => s.labels[LABEL_POD_UID] === this.uid);
  }

  /** One pass; returns how soon (ms) the next sync should run at the latest. */
  private async sync(): Promise<number> {
    if (this.removed || this.pod.metadata.deletionTimestamp) {
      await this.terminate();
      return RESYNC_MS;
    }
    let nextMs = RESYNC_MS;
    const rt = this.d.runtime;
    this.d.trace?.(this.uid, 'sync');
    const sandboxes = await this.podSandboxes();
    let sandbox = sandboxes.filter((s) => s.state === 'ready').sort((a, b) => b.attempt - a.attempt)[0];
    if (this.terminalPhase) {
      await this.stopAll(sandboxes, 0);
      this.writeStatus(sandbox, await this.podContainers());
      return RESYNC_MS * 6;
    }
    if (!sandbox) {
      const networkNamespace = this.d.podNetns && !this.pod.spec.hostNetwork;
      if (networkNamespace && this.d.networkReady && !this.d.networkReady()) {
        this.d.event(this.pod, 'Warning', 'NetworkNotReady', `network is not ready: ${NETWORK_NOT_READY}`);
        this.writeStatus(undefined, []);
        return 2000;
      }
      const attempt = sandboxes.reduce((m, s) => Math.max(m, s.attempt + 1), 0);
      for (const old of sandboxes) await rt.stopPodSandbox(old.id, 0);
      let id: string;
      try {
        id = await rt.runPodSandbox({
          uid: this.uid, name: this.pod.metadata.name, namespace: this.pod.metadata.namespace, attempt,
          logDirectory: this.d.logDir(this.pod), hostname: this.pod.spec.hostname ?? this.pod.metadata.name,
          networkNamespace, dnsConfig: this.d.dnsConfig(this.pod), portMappings: portMappings(this.pod),
          labels: podLabels(this.pod),
        });
      } catch (e) {
        this.d.event(this.pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
        throw e;
      }
      sandbox = await rt.podSandboxStatus(id);
      this.d.trace?.(this.uid, 'sandbox');
    }
    const ctx: EnvContext = { pod: this.pod, podIP: sandbox.ip || this.d.hostIP, hostIP: this.d.hostIP, nodeAllocatable: this.d.nodeAllocatable };
    let volumes: Map<string, string> | undefined;
    try {
      volumes = await setUpVolumes(this.pod, this.d.volumeHost, this.d.config, ctx);
      this.d.trace?.(this.uid, 'volumes');
    } catch (e) {
      if (!(e instanceof VolumeError)) throw e;
      this.d.event(this.pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed: ${e.message}`);
      nextMs = 2000;
    }
    let containers = await this.podContainers();
    const byName = groupByName(containers);
    const { init, app } = { init: this.pod.spec.initContainers ?? [], app: this.pod.spec.containers };
    const policy = this.pod.spec.restartPolicy ?? 'Always';
    let initDone = true;
    for (const c of init) {
      const latest = byName.get(c.name)?.[0];
      if (latest?.state === 'exited' && latest.exitCode === 0) continue;
      initDone = false;
      if (!volumes) break;
      if (latest?.state === 'running') break;
      if (latest && (latest.state === 'exited' || latest.state === 'unknown')) {
        if (policy === 'Never') break; // the pod fails (computed below)
        nextMs = Math.min(nextMs, await this.restartAfterBackoff(sandbox, c, 'init', latest, volumes, ctx));
        break;
      }
      await this.start(sandbox, c, 'init', latest ? latest.attempt + 1 : 0, volumes, ctx);
      break;
    }
    if (initDone && volumes) {
      for (const c of app) {
        const latest = byName.get(c.name)?.[0];
        if (!latest) {
          await this.start(sandbox, c, 'app', 0, volumes, ctx);
          continue;
        }
        if (latest.state === 'running') {
          await this.checkLiveness(c, latest);
          continue;
        }
        if (latest.state === 'created') {
          await rt.startContainer(latest.id);
          continue;
        }
        const restart = policy === 'Always' || (policy === 'OnFailure' && (latest.exitCode ?? 0) !== 0);
        if (restart) nextMs = Math.min(nextMs, await this.restartAfterBackoff(sandbox, c, 'app', latest, volumes, ctx));
      }
    }
    containers = await this.podContainers();
    const now = this.d.clock.now();
    for (const ct of containers) if (ct.state === 'exited' && !this.exitSeen.has(ct.id)) this.exitSeen.set(ct.id, now);
    await this.gcOldAttempts(containers);
    const status = this.writeStatus(sandbox, containers);
    this.d.trace?.(this.uid, `status:${status.phase ?? ''}`);
    if (status.phase === 'Succeeded' || status.phase === 'Failed') {
      this.terminalPhase = status.phase;
      this.stopProbes();
      this.kick();
    }
    return nextMs;
  }

  /** Restarts `c` now or reports CrashLoopBackOff; returns when to look again. */
  private async restartAfterBackoff(sandbox: PodSandboxStatus, c: Container, kind: 'init' | 'app', latest: RtContainer, volumes: Map<string, string>, ctx: EnvContext): Promise<number> {
    const now = this.d.clock.now();
    // when the container finished, on the injected clock: when this worker first saw it exited
    let finished = this.exitSeen.get(latest.id);
    if (finished === undefined) {
      finished = now;
      this.exitSeen.set(latest.id, now);
    }
    const ranMs = latest.finishedAt && latest.startedAt ? Date.parse(latest.finishedAt) - Date.parse(latest.startedAt) : 0;
    const key = `${this.uid}/${c.name}`;
    const wait = this.d.backoff.remaining(key, now, finished, ranMs);
    if (wait > 0) {
      const delay = Math.round(this.d.backoff.delay(key) / 1000);
      this.waiting.set(c.name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${formatDelay(delay)} restarting failed container=${c.name} pod=${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`,
      });
      this.d.event(this.pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
      return wait;
    }
    this.d.backoff.next(key, now, ranMs);
    await this.start(sandbox, c, kind, latest.attempt + 1, volumes, ctx);
    return RESYNC_MS;
  }

  private async start(sandbox: PodSandboxStatus, c: Container, kind: 'init' | 'app', attempt: number, volumes: Map<string, string>, ctx: EnvContext): Promise<void> {
    const rt = this.d.runtime;
    let config;
    try {
      config = await buildContainerConfig(this.pod, c, kind, attempt, volumes, ctx, this.d.config);
    } catch (e) {
      const message = e instanceof ConfigError ? e.message : `failed to prepare container: ${(e as Error).message}`;
      this.waiting.set(c.name, { reason: 'CreateContainerConfigError', message });
      this.d.event(this.pod, 'Warning', 'Failed', `Error: ${message}`);
      return;
    }
    this.waiting.delete(c.name);
    // The oci runtime pulls per imagePullPolicy; the process runtime ignores it.
    config.annotations = { ...config.annotations, [PULL_POLICY_ANNOTATION]: (c as { imagePullPolicy?: string }).imagePullPolicy ?? 'IfNotPresent' };
    let id: string;
    try {
      id = await rt.createContainer(sandbox.id, config);
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      // ErrImagePull first, ImagePullBackOff while it keeps failing (retried on the worker's resync), as upstream shows.
      const prev = this.waiting.get(c.name)?.reason;
      const reason = e.reason === 'ErrImagePull' && (prev === 'ErrImagePull' || prev === 'ImagePullBackOff') ? 'ImagePullBackOff' : e.reason;
      this.waiting.set(c.name, { reason, message: reason === 'ImagePullBackOff' ? `Back-off pulling image "${c.image ?? ''}"` : e.message });
      this.d.event(this.pod, 'Warning', reason === 'ImagePullBackOff' ? 'BackOff' : 'Failed', reason === 'ImagePullBackOff' ? `Back-off pulling image "${c.image ?? ''}"` : `Failed to pull image "${c.image ?? ''}": ${e.message}`);
      return;
    }
    this.d.event(this.pod, 'Normal', 'Created', `Created container ${c.name}`);
    this.d.trace?.(this.uid, 'created');
    await rt.startContainer(id);
    const st = await rt.containerStatus(id);
    this.d.trace?.(this.uid, 'started');
    if (st.state !== 'running') return;
    this.d.event(this.pod, 'Normal', 'Started', `Started container ${c.name}`);
    const target = { runtime: rt, containerId: id, container: c, podIP: sandbox.ip || this.d.hostIP };
    if (c.lifecycle?.postStart) {
      const out = await runAction(c.lifecycle.postStart, target, 30_000, this.d.clock);
      if (!out.ok) {
        this.d.event(this.pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${out.output}`);
        await rt.stopContainer(id, this.pod.spec.terminationGracePeriodSeconds ?? 30);
        return;
      }
    }
    if (kind === 'app') this.startProbes(c, id, st.startedAt ? Date.parse(st.startedAt) : this.d.clock.now(), target);
  }

  private startProbes(c: Container, id: string, startedAt: number, target: Parameters<typeof runAction>[1]): void {
    const slot: ProbeSlot = { abort: new AbortController(), results: {} };
    this.probes.set(id, slot);
    const kinds: Array<[ProbeKind, typeof c.livenessProbe]> = [['startup', c.startupProbe], ['liveness', c.livenessProbe], ['readiness', c.readinessProbe]];
    for (const [kind, probe] of kinds) {
      if (!probe) continue;
      slot.results[kind] = kind === 'liveness' ? 'success' : kind === 'readiness' ? 'failure' : 'unknown';
      void runProbeWorker({
        kind, probe, target, startedAt, clock: this.d.clock,
        started: () => !c.startupProbe || slot.results.startup === 'success',
        onChange: (k, result, output) => {
          slot.results[k] = result;
          if (result === 'failure') {
            const what = k === 'liveness' ? 'Liveness' : k === 'readiness' ? 'Readiness' : 'Startup';
            this.d.event(this.pod, 'Warning', 'Unhealthy', `${what} probe failed: ${output.trim()}`);
          }
          this.kick();
        },
      }, slot.abort.signal).catch((e: unknown) => this.d.log('warn', `probe ${kind} of ${this.key()}/${c.name}: ${String(e)}`));
    }
  }

  /** Adopted containers (kubelet restart) get their probes back; a failed liveness/startup probe kills. */
  private async checkLiveness(c: Container, latest: RtContainer): Promise<void> {
    let slot = this.probes.get(latest.id);
    if (!slot) {
      const sb = await this.d.runtime.podSandboxStatus(latest.sandboxId).catch(() => undefined);
      this.startProbes(c, latest.id, latest.startedAt ? Date.parse(latest.startedAt) : this.d.clock.now(),
        { runtime: this.d.runtime, containerId: latest.id, container: c, podIP: sb?.ip || this.d.hostIP });
      slot = this.probes.get(latest.id)!;
    }
    const failed = slot.results.liveness === 'failure' ? 'liveness' : slot.results.startup === 'failure' ? 'startup' : undefined;
    if (!failed) return;
    this.d.event(this.pod, 'Normal', 'Killing', `Container ${c.name} failed ${failed} probe, will be restarted`);
    slot.abort.abort();
    this.probes.delete(latest.id);
    const probe = failed === 'liveness' ? c.livenessProbe : c.startupProbe;
    await this.killContainer(c, latest, probe?.terminationGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30);
    this.dirty = true;
  }

  private async killContainer(c: Container | undefined, ct: RtContainer, graceSeconds: number): Promise<void> {
    const deadline = this.d.clock.now() + graceSeconds * 1000;
    if (c?.lifecycle?.preStop && ct.state === 'running') {
      const sb = await this.d.runtime.podSandboxStatus(ct.sandboxId).catch(() => undefined);
      const target = { runtime: this.d.runtime, containerId: ct.id, container: c, podIP: sb?.ip || this.d.hostIP };
      const ac = new AbortController();
      const cancel = this.d.clock.setTimeout(() => ac.abort(), graceSeconds * 1000);
      const out = await runAction(c.lifecycle.preStop, target, graceSeconds * 1000, this.d.clock, ac.signal);
      cancel();
      if (!out.ok) this.d.event(this.pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${out.output}`);
    }
    const left = Math.max(0, Math.ceil((deadline - this.d.clock.now()) / 1000));
    await this.d.runtime.stopContainer(ct.id, Math.max(left, 2));
  }

  private async stopAll(sandboxes: PodSandboxStatus[], graceSeconds: number): Promise<void> {
    const running = (await this.podContainers()).filter((ct) => ct.state === 'running');
    const specs = [...(this.pod.spec.initContainers ?? []), ...this.pod.spec.containers];
    await Promise.all(running.map((ct) => this.killContainer(specs.find((s) => s.name === ct.labels[LABEL_CONTAINER_NAME]), ct, graceSeconds)));
    for (const s of sandboxes) if (s.state === 'ready') await this.d.runtime.stopPodSandbox(s.id, graceSeconds);
  }

  private async terminate(): Promise<void> {
    this.stopProbes();
    const sandboxes = await this.podSandboxes();
    const grace = this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30;
    const running = (await this.podContainers()).some((c) => c.state === 'running');
    if (running) this.d.event(this.pod, 'Normal', 'Killing', `Stopping pod ${this.pod.metadata.name}`);
    await this.stopAll(sandboxes, grace);
    const containers = await this.podContainers();
    if (!this.removed) {
      this.writeStatus(sandboxes[0], containers);
      await this.d.status.flush();
    }
    for (const s of sandboxes) await this.d.runtime.removePodSandbox(s.id);
    tearDownVolumes(this.uid, this.d.volumeHost);
    this.d.backoff.forget(`${this.uid}/`);
    if (!this.removed) await this.d.deletePod(this.pod);
    this.finished = true;
    this.wakeCancel?.();
    this.d.status.forget(this.uid);
    this.d.onDone(this.uid);
  }

  private async gcOldAttempts(containers: RtContainer[]): Promise<void> {
    for (const list of groupByName(containers).values()) {
      for (const old of list.slice(2)) {
        if (old.state === 'running') continue;
        await this.d.runtime.removeContainer(old.id);
        this.exitSeen.delete(old.id);
      }
    }
  }

  private writeStatus(sandbox: PodSandboxStatus | undefined, containers: RtContainer[]): PodStatus {
    const byName = groupByName(containers);
    const initNames = new Set((this.pod.spec.initContainers ?? []).map((c) => c.name));
    const initPending = (this.pod.spec.initContainers ?? []).some((c) => {
      const l = byName.get(c.name)?.[0];
      return !(l?.state === 'exited' && l.exitCode === 0);
    });
    const view = (c: Container): ContainerView => {
      const [latest, previous] = byName.get(c.name) ?? [];
      const slot = latest ? this.probes.get(latest.id) : undefined;
      const started = !c.startupProbe || slot?.results.startup === 'success';
      const ready = started && (!c.readinessProbe || slot?.results.readiness === 'success');
      let waiting = this.waiting.get(c.name);
      if (waiting?.reason === 'CrashLoopBackOff' && latest?.state === 'running') waiting = undefined;
      if (!latest && !waiting && !initNames.has(c.name) && initPending) waiting = { reason: 'PodInitializing' };
      return { name: c.name, image: c.image ?? '', latest, previous, waiting, ready, started };
    };
    const old = this.d.status.latest(this.uid) ?? this.pod.status;
    const status = computePodStatus({
      pod: { ...this.pod, status: old },
      runtimeName: this.d.runtime.name,
      init: (this.pod.spec.initContainers ?? []).map(view),
      app: this.pod.spec.containers.map(view),
      sandboxReady: sandbox?.state === 'ready',
      podIP: this.pod.spec.hostNetwork ? this.d.hostIP : sandbox?.ip || undefined,
      hostIP: this.d.hostIP,
      now: this.d.clock.now(),
      terminalPhase: this.terminalPhase,
    });
    const mirrorName = this.d.mirrorName?.(this.pod);
    this.d.status.set(this.pod, status, mirrorName ? { mirrorName } : {});
    return status;
  }
}

function formatDelay(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return s ? `${m}m${s}s` : `${m}m0s`;
}

/** Containers by spec name, newest attempt first. */
export function groupByName(containers: RtContainer[]): Map<string, RtContainer[]> {
  const m = new Map<string, RtContainer[]>();
  for (const c of containers) {
    const name = c.labels[LABEL_CONTAINER_NAME] ?? c.name;
    const list = m.get(name) ?? [];
    list.push(c);
    m.set(name, list);
  }
  for (const list of m.values()) list.sort((a, b) => b.attempt - a.attempt || Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return m;
}

/** hostPort mappings of every container (what the CNI portmap plugin receives). */
export function portMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      const protocol = (p.protocol ?? 'TCP').toLowerCase();
      out.push({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: protocol === 'udp' ? 'udp' : protocol === 'sctp' ? 'sctp' : 'tcp', ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
    }
  }
  return out;
}
