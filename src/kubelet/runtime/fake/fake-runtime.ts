// The `fake` driver for scale tests (the hollow-node idea from Kubernetes' kubemark): every call
// succeeds at once and nothing runs. A started container is `running` until stopped, except images
// with a configured exit code (opts.fakeExitCodes, or any image named `fake/exit-N`), which exit with
// that code immediately. Each start writes one CRI log line, so log plumbing can be exercised.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { RuntimeError, notFound } from '../errors';
import { formatTimestamp, nowNs } from '../log-format';
import { CriLogWriter } from '../log-writer';
import type {
  ContainerConfig, ContainerFilter, ContainerRuntime, ContainerStats, ContainerStatus, ExecResult, ExecSession,
  PodSandboxConfig, PodSandboxStatus, RuntimeCapabilities, RuntimeOptions,
} from '../types';

interface FakeContainer {
  status: ContainerStatus;
  config: ContainerConfig;
  exited: Promise<void>;
  markExited: () => void;
}

const now = (): string => formatTimestamp(nowNs());

export class FakeRuntime implements ContainerRuntime {
  readonly name = 'fake' as const;
  private readonly sandboxes = new Map<string, PodSandboxStatus & { logDirectory: string }>();
  private readonly containers = new Map<string, FakeContainer>();

  constructor(private readonly opts: Partial<RuntimeOptions> = {}) {}

  version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    return Promise.resolve({ runtimeName: 'berth-fake', runtimeVersion: '0.1.0' });
  }

  capabilities(): RuntimeCapabilities {
    return { cgroups: false, networkNamespaces: false, notes: ['fake runtime: nothing runs; for scale tests only'] };
  }

  private exitCodeFor(image: string): number | undefined {
    const configured = this.opts.fakeExitCodes?.[image];
    if (configured !== undefined) return configured;
    const m = /^fake\/exit-(\d+)(?::.*)?$/.exec(image);
    return m ? Number(m[1]) : undefined;
  }

  runPodSandbox(config: PodSandboxConfig): Promise<string> {
    if (!config.uid) return Promise.reject(new RuntimeError('InvalidArgument', 'sandbox config: uid is required'));
    const id = randomBytes(16).toString('hex');
    this.sandboxes.set(id, {
      id, uid: config.uid, name: config.name, namespace: config.namespace, attempt: config.attempt ?? 0, state: 'ready',
      createdAt: now(), ip: this.opts.hostIP ?? '127.0.0.1', directory: '/nonexistent', logDirectory: config.logDirectory,
      labels: { ...config.labels }, annotations: { ...config.annotations },
    });
    return Promise.resolve(id);
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of this.containers.values()) if (c.status.sandboxId === id) await this.stopContainer(c.status.id);
    sb.state = 'notready';
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.stopPodSandbox(id);
    for (const c of [...this.containers.values()]) if (c.status.sandboxId === id) this.containers.delete(c.status.id);
    this.sandboxes.delete(id);
  }

  listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return Promise.resolve([...this.sandboxes.values()].map(({ logDirectory: _l, ...s }) => ({ ...s })));
  }

  podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const sb = this.sandboxes.get(id);
    if (!sb) return Promise.reject(notFound('sandbox', id));
    const { logDirectory: _l, ...s } = sb;
    return Promise.resolve({ ...s });
  }

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) return Promise.reject(notFound('sandbox', sandboxId));
    if (sb.state !== 'ready') return Promise.reject(new RuntimeError('FailedPrecondition', `sandbox ${sandboxId} is not ready`));
    const id = randomBytes(16).toString('hex');
    let markExited!: () => void;
    const exited = new Promise<void>((r) => (markExited = r));
    this.containers.set(id, {
      config, exited, markExited,
      status: {
        id, sandboxId, name: config.name, attempt: config.attempt ?? 0, image: config.image, state: 'created', createdAt: now(),
        logPath: isAbsolute(config.logPath) ? config.logPath : join(sb.logDirectory, config.logPath),
        labels: { ...config.labels }, annotations: { ...config.annotations },
      },
    });
    return Promise.resolve(id);
  }

  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw notFound('container', id);
    return c;
  }

  private exit(c: FakeContainer, code: number): void {
    Object.assign(c.status, { state: 'exited', finishedAt: now(), exitCode: code, reason: code === 0 ? 'Completed' : 'Error' });
    delete c.status.pid;
    c.markExited();
  }

  async startContainer(id: string): Promise<void> {
    await Promise.resolve();
    const c = this.must(id);
    if (c.status.state !== 'created') throw new RuntimeError('FailedPrecondition', `container ${id} is ${c.status.state}, not created`);
    mkdirSync(dirname(c.status.logPath), { recursive: true });
    const w = new CriLogWriter(c.status.logPath, { maxSizeBytes: this.opts.logMaxSizeBytes, maxFiles: this.opts.logMaxFiles });
    w.write('stdout', Buffer.from(`fake container ${c.config.name} started\n`));
    w.close();
    Object.assign(c.status, { state: 'running', startedAt: now(), pid: 0 });
    const code = this.exitCodeFor(c.config.image);
    if (code !== undefined) this.exit(c, code);
  }

  async stopContainer(id: string): Promise<void> {
    await Promise.resolve();
    const c = this.must(id);
    if (c.status.state === 'running') this.exit(c, 0);
  }

  async removeContainer(id: string): Promise<void> {
    await Promise.resolve();
    this.containers.delete(id);
  }

  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]> {
    return Promise.resolve([...this.containers.values()].map((c) => c.status).filter((s) =>
      (!filter?.sandboxId || s.sandboxId === filter.sandboxId) && (!filter?.state || s.state === filter.state) &&
      Object.entries(filter?.labels ?? {}).every(([k, v]) => s.labels[k] === v)).map((s) => ({ ...s })));
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    await Promise.resolve();
    return { ...this.must(id).status };
  }

  private mustRun(id: string): FakeContainer {
    const c = this.must(id);
    if (c.status.state !== 'running') throw new RuntimeError('FailedPrecondition', `container ${id} is not running`);
    return c;
  }

  async execSync(id: string): Promise<ExecResult> {
    await Promise.resolve();
    this.mustRun(id);
    return { exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  }

  private session(exit: Promise<number>): ExecSession {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    void exit.then(() => {
      stdout.end();
      stderr.end();
    });
    return { stdin: undefined, stdout, stderr, resize: () => undefined, exit, close: () => { stdout.end(); stderr.end(); } };
  }

  async exec(id: string): Promise<ExecSession> {
    await Promise.resolve();
    this.mustRun(id);
    return this.session(Promise.resolve(0));
  }

  async attach(id: string): Promise<ExecSession> {
    await Promise.resolve();
    const c = this.mustRun(id);
    return this.session(c.exited.then(() => c.status.exitCode ?? 0));
  }

  async containerStats(id: string): Promise<ContainerStats> {
    await Promise.resolve();
    this.mustRun(id);
    return { cpuUsageCoreNanoSeconds: 0, cpuUsageNanoCores: 0, memoryWorkingSetBytes: 0, timestamp: now() };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
