// The kubelet's container runtime contract, shaped after Kubernetes' CRI RuntimeService
// (k8s.io/cri-api runtime/v1): a pod sandbox holds the pod-wide resources (cgroup, network namespace,
// log directory); containers run inside it. Every driver (process, fake, later oci) implements this
// interface and passes the one contract suite in ./contract.ts.
import type { Readable, Writable } from 'node:stream';

export type RuntimeName = 'process' | 'fake' | 'oci';

/** Resource limits in the units the kubelet computes from a pod spec (Kubernetes' LinuxContainerResources). */
export interface ResourceLimits {
  /** CPU limit in millicores (1000 = one core); becomes a CFS quota over a 100 ms period. */
  cpuMillis?: number;
  /** Relative CPU weight (cgroup v1 cpu.shares, 2..262144), from requests. */
  cpuShares?: number;
  /** Memory limit in bytes; a process over it is OOM-killed (reason OOMKilled, exit code 137). */
  memoryBytes?: number;
  /** Maximum number of processes/threads. */
  pidsMax?: number;
}

export interface PodSandboxConfig {
  uid: string;
  name: string;
  namespace: string;
  attempt?: number;
  /** Directory for the containers' log files (kubelet: /var/log/pods/<ns>_<name>_<uid>). */
  logDirectory: string;
  hostname?: string;
  /** Pod-level limits applied to the pod's cgroup (all containers together). */
  resources?: ResourceLimits;
  /** Give the pod its own network namespace (root only), wired by `RuntimeOptions.network` when set. */
  networkNamespace?: boolean;
  /** hostPort mappings of the pod's containers (handed to the network plugin, CNI's portMappings capability). */
  portMappings?: PortMapping[];
  /** Content of the pod's resolv.conf (written to the sandbox directory; see README for visibility). */
  dnsConfig?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type SandboxState = 'ready' | 'notready';

export interface PodSandboxStatus {
  id: string;
  uid: string;
  name: string;
  namespace: string;
  attempt: number;
  state: SandboxState;
  createdAt: string;
  /** The pod's IP: the host IP without a network namespace, the address the network plugin gave it otherwise
   * ('' in a namespace without a network plugin: loopback only). */
  ip: string;
  /** /run/netns/<name> when the sandbox has its own network namespace. */
  netnsPath?: string;
  /** Per-pod working directory (the default workingDir of its containers). */
  directory: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

export interface ContainerConfig {
  name: string;
  attempt?: number;
  image: string;
  /** Replaces the image's entrypoint. */
  command?: string[];
  /** Replaces the image's cmd; alone (no command) it is the whole argv for the process driver. */
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  workingDir?: string;
  mounts?: Mount[];
  /** Numeric user and group to run as (root only). */
  user?: { uid: number; gid?: number };
  resources?: ResourceLimits;
  tty?: boolean;
  stdin?: boolean;
  /** Where the runtime writes the container's output in the CRI log format. Relative: under the sandbox's logDirectory. */
  logPath: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

/** Reasons as the kubelet reports them in ContainerStateTerminated/Waiting. */
export type ContainerReason = 'Completed' | 'Error' | 'OOMKilled' | 'StartError' | 'ContainerStatusUnknown';

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  image: string;
  state: ContainerState;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  reason?: ContainerReason;
  message?: string;
  pid?: number;
  logPath: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerFilter {
  sandboxId?: string;
  state?: ContainerState;
  /** Every pair must match. */
  labels?: Record<string, string>;
}

export interface ExecResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
}

export interface ExecOptions {
  tty?: boolean;
  stdin?: boolean;
}

/**
 * A live stream into a container (exec or attach). stdout/stderr end when the process (exec) or the
 * attachment (attach) ends; `exit` resolves with the exit code (attach: the container's, once it exits).
 * `close()` detaches (attach) or kills the exec'd process group (exec).
 */
export interface ExecSession {
  stdin: Writable | undefined;
  stdout: Readable;
  stderr: Readable;
  /** Terminal resize; a no-op where the driver has no TTY. */
  resize(cols: number, rows: number): void;
  exit: Promise<number>;
  close(): void;
}

export interface ContainerStats {
  /** Average CPU use since the previous call, in nanocores (1e9 = one core); absent on the first call. */
  cpuUsageNanoCores?: number;
  /** Cumulative CPU time in nanoseconds. */
  cpuUsageCoreNanoSeconds?: number;
  /** Memory in use minus inactive file cache (what the kubelet evicts on). */
  memoryWorkingSetBytes?: number;
  timestamp: string;
}

export interface RuntimeCapabilities {
  cgroups: boolean;
  networkNamespaces: boolean;
  /** Human-readable statements of what this driver on this machine can and cannot do. */
  notes: string[];
}

export interface ContainerRuntime {
  readonly name: RuntimeName;
  version(): Promise<{ runtimeName: string; runtimeVersion: string }>;
  capabilities(): RuntimeCapabilities;

  /** Creates the pod's sandbox and returns its id. */
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** Stops every container of the sandbox (SIGKILL after `timeoutSeconds`, default 10) and releases its network. Idempotent. */
  stopPodSandbox(id: string, timeoutSeconds?: number): Promise<void>;
  /** Removes the sandbox and its containers. Idempotent: an unknown id is not an error. */
  removePodSandbox(id: string): Promise<void>;
  listPodSandboxes(): Promise<PodSandboxStatus[]>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus>;

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  /**
   * Starts a created container. A container that cannot start (no command, binary not found) does not
   * throw: it ends `exited` with reason StartError, exit code 128 and a message, as Kubernetes reports it.
   */
  startContainer(id: string): Promise<void>;
  /** SIGTERM to the container's process group, SIGKILL after `timeoutSeconds`. Resolves once it exited. Idempotent. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** Removes a container (killing it if still running) and its cgroup. Keeps its log file. Idempotent. */
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]>;
  containerStatus(id: string): Promise<ContainerStatus>;

  /** Runs `cmd` in the container's context; on timeout the command is killed and the call rejects. */
  execSync(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult>;
  exec(id: string, cmd: string[], opts?: ExecOptions): Promise<ExecSession>;
  attach(id: string, opts?: ExecOptions): Promise<ExecSession>;
  containerStats(id: string): Promise<ContainerStats>;

  /** Releases the runtime's own resources (watchers, log readers) WITHOUT stopping containers (adopt, don't kill). */
  close(): Promise<void>;
}

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

/** What the network plugin is asked to wire: the sandbox's namespace and its pod. */
export interface PodNetworkRequest {
  sandboxId: string;
  netnsPath: string;
  uid: string;
  name: string;
  namespace: string;
  portMappings?: PortMapping[];
}

/** The result of setting up a pod's network; `state` is kept with the sandbox and handed back on tear-down. */
export interface PodNetworkAttachment {
  ip: string;
  state?: unknown;
}

/**
 * Wires a sandbox's network namespace into the pod network (CRI runtimes call CNI here). Set up when the
 * sandbox is created, torn down when it stops; both must be idempotent (a crash may repeat either).
 */
export interface PodNetworkPlugin {
  readonly name: string;
  setUp(req: PodNetworkRequest): Promise<PodNetworkAttachment>;
  tearDown(req: PodNetworkRequest, attachment: PodNetworkAttachment | undefined): Promise<void>;
}

export interface RuntimeOptions {
  /** Directory for state (sandboxes, containers, FIFOs, exit files); a new runtime over it re-adopts. */
  rootDir: string;
  /** Wires sandboxes with their own network namespace into the pod network (the kubelet's CNI network). */
  network?: PodNetworkPlugin;
  /** The address reported as the pod IP for sandboxes without a network namespace. Default 127.0.0.1. */
  hostIP?: string;
  /** Log rotation done by the writer. Defaults: 10 MiB, 5 files. */
  logMaxSizeBytes?: number;
  logMaxFiles?: number;
  /** Parent cgroup name under each controller's mount (default 'berth'). */
  cgroupParent?: string;
  /** Disable cgroups even when available (tests of the unprivileged path). */
  disableCgroups?: boolean;
  /** Fake driver: exit code per image name, e.g. { 'fake/exit-1': 1 } (images `fake/exit-N` exit N by default). */
  fakeExitCodes?: Record<string, number>;
  /** oci: images live under `<imageDataDir>/images` (default: the parent of rootDir, the kubelet's data dir). */
  imageDataDir?: string;
  /** oci: registries.yaml (k3s format: mirrors, credentials, TLS). */
  registriesFile?: string;
  /** oci: never fall back from registries.yaml mirrors to the registry itself (k3s --disable-default-registry-endpoint). */
  registryMirrorsOnly?: boolean;
  /** oci: the runc binary (default: found in /usr/sbin, /usr/bin, …). */
  runcPath?: string;
  /** oci: `.dockerconfigjson` documents of the pod's imagePullSecrets, asked for before each pull. */
  imagePullCredentials?: (pod: { uid: string; name: string; namespace: string }, image: string) => Promise<string[]>;
}
