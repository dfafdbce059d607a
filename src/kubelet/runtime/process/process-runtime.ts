// The `process` driver: containers are host processes (like Nomad's raw_exec), each in its own process
// group under a wrapper shell (./wrapper.ts), with its output relayed from FIFOs into a CRI log file.
// See ../README.md for what it isolates and what it cannot.
//
//   kubelet (this) ──spawn detached──▶ sh wrapper (pgid leader, in cgroups) ──▶ [nsenter] [setpriv] command
//        ▲  read end (O_RDONLY|O_NONBLOCK)                │ stdout/stderr = FIFO opened O_RDWR
//        └──────────── rootDir/containers/<id>/std{out,err}.fifo ◀┘
//
// Why FIFOs opened read-write by the container: if the kubelet dies, the container's writes never get
// SIGPIPE (it holds a read end itself); they block once 64 KiB is buffered, and the next kubelet reopens
// the FIFO, drains it and carries on: adopt, don't kill.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { RuntimeError, notFound } from '../errors';
import { nowNs, formatTimestamp } from '../log-format';
import type {
  ContainerConfig, ContainerFilter, ContainerRuntime, ContainerStats, ContainerStatus, ExecOptions, ExecResult,
  ExecSession, PodSandboxConfig, PodSandboxStatus, RuntimeCapabilities, RuntimeOptions,
} from '../types';
import { buildArgv, DEFAULT_PATH, hostTool, resolveExecutable } from './argv';
import { Cgroup, detectCgroups, type CgroupSupport } from './cgroups';
import { execStreamIn, execSyncIn, exitCodeOf, type ExecContext } from './exec';
import { ipAvailable, setUpSandboxNetwork, tearDownSandboxNetwork, type SandboxNetwork } from '../netns';
import { isSameProcessAlive, procStartTime, processGroupUsage } from './proc';
import { StateStore } from './state-store';
import { RUN_WRAPPER } from './wrapper';
import { attachSession } from './attach';
import { PtyControl, ptyArgv, ptyEnv, ptyStdio, TerminalSizer } from '../pty';
import { closeLive, openLive, type Live } from './live';
import { mountPrefix } from './mounts';
import { spawner, SpawnError, type Spawned } from './spawner';

const execFileP = promisify(execFile);

interface SandboxRecord extends SandboxNetwork {
  id: string;
  config: PodSandboxConfig;
  state: 'ready' | 'notready';
  createdAt: string;
  directory: string;
}

interface ContainerRecord extends Omit<ContainerStatus, 'labels' | 'annotations'> {
  config: ContainerConfig;
  pidStart?: string;
  stopRequested?: boolean;
  cgroup?: string;
  exec?: ExecContext;
}

const now = (): string => formatTimestamp(nowNs());

/** The exit status the wrapper wrote, if any. */
function readExitFile(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text !== '' && Number.isInteger(Number(text)) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    /* gone */
  }
}

async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  const ac = new AbortController();
  const r = await Promise.race([p.then(() => true), sleep(ms, false, { signal: ac.signal }).catch(() => false)]);
  ac.abort();
  return r;
}

export class ProcessRuntime implements ContainerRuntime {
  readonly name = 'process' as const;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly live = new Map<string, Live>();
  private closed = false;
  /** Our own children, unref'd on close so the kubelet can exit while they keep running. */
  private readonly children = new Set<ChildProcess>();
  /** Pids of our containers started by the spawner thread and not exited yet (released on close). */
  private readonly offThread = new Set<number>();
  /** The terminal of each tty: true container started by this instance, once its pty reported it. */
  private readonly ttys = new WeakMap<ContainerRecord, Promise<string | undefined>>();

  private constructor(
    private readonly opts: RuntimeOptions,
    private readonly store: StateStore,
    private readonly cg: CgroupSupport,
    private readonly netnsOk: boolean,
  ) {}

  /** Opens the runtime over opts.rootDir, re-adopting the containers a previous instance left running. */
  static async open(opts: RuntimeOptions): Promise<ProcessRuntime> {
    const cg: CgroupSupport = opts.disableCgroups ? { version: undefined, mounts: {}, reason: 'disabled by option' } : detectCgroups();
    const netnsOk = process.getuid?.() === 0 && (await ipAvailable());
    const rt = new ProcessRuntime(opts, new StateStore(opts.rootDir), cg, netnsOk);
    await rt.adopt();
    return rt;
  }

  version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    return Promise.resolve({ runtimeName: 'berth-process', runtimeVersion: '0.1.0' });
  }

  capabilities(): RuntimeCapabilities {
    const notes: string[] = [];
    notes.push(this.cg.version ? `cgroup v${this.cg.version}: cpu, memory and pids limits enforced; OOM kills reported` : `no cgroups (${this.cg.reason}): resource limits are NOT enforced`);
    notes.push(!this.netnsOk ? 'no network namespaces (needs root and iproute2): pods use the host network'
      : this.opts.network ? `per-pod network namespaces wired by ${this.opts.network.name}` : 'per-pod network namespaces available (loopback only: no network plugin)');
    notes.push(process.getuid?.() === 0 ? 'mounts are bind-mounted in a private mount namespace where the container path exists; see README' : 'not root: mounts are not bind-mounted; the container sees host paths (BERTH_MOUNTS lists them)');
    notes.push('no image filesystem: commands run from the host filesystem; images are not pulled; tty: true and exec -t run on a pty made by util-linux script');
    return { cgroups: this.cg.version !== undefined, networkNamespaces: this.netnsOk, notes };
  }

  // ── sandboxes ──────────────────────────────────────────────────────────────────────────────

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    if (!config.uid) throw new RuntimeError('InvalidArgument', 'sandbox config: uid is required');
    if (config.networkNamespace && !this.netnsOk) {
      throw new RuntimeError('FailedPrecondition', 'a pod network namespace needs root and iproute2; this runtime has neither (see capabilities)');
    }
    const id = randomBytes(16).toString('hex');
    const dir = this.store.sandboxDir(id);
    const rec: SandboxRecord = { id, config, state: 'ready', createdAt: now(), directory: join(dir, 'root') };
    await Promise.all([mkdir(rec.directory, { recursive: true }), mkdir(config.logDirectory, { recursive: true })]);
    if (config.dnsConfig !== undefined) await writeFile(join(dir, 'resolv.conf'), config.dnsConfig);
    if (this.cg.version) await new Cgroup(this.cg, this.podCgroup(config.uid)).create(config.resources);
    if (config.networkNamespace) Object.assign(rec, await setUpSandboxNetwork(id, config, this.opts.network));
    this.sandboxes.set(id, rec);
    this.store.saveLater('sandboxes', id, rec);
    return id;
  }

  async stopPodSandbox(id: string, timeoutSeconds = 10): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await Promise.all([...this.containers.values()].filter((c) => c.sandboxId === id).map((c) => this.stopContainer(c.id, timeoutSeconds)));
    await tearDownSandboxNetwork(id, sb.config, sb, this.opts.network);
    delete sb.attachment;
    sb.state = 'notready';
    this.store.saveLater('sandboxes', id, sb);
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id, 0);
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) await this.removeContainer(c.id);
    if (this.cg.version) await new Cgroup(this.cg, this.podCgroup(sb.config.uid)).destroy();
    this.sandboxes.delete(id);
    this.store.removeLater('sandboxes', id);
  }

  listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return Promise.resolve([...this.sandboxes.values()].map((s) => this.sandboxStatus(s)));
  }

  podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const sb = this.sandboxes.get(id);
    if (!sb) return Promise.reject(notFound('sandbox', id));
    return Promise.resolve(this.sandboxStatus(sb));
  }

  private sandboxStatus(s: SandboxRecord): PodSandboxStatus {
    return {
      id: s.id, uid: s.config.uid, name: s.config.name, namespace: s.config.namespace, attempt: s.config.attempt ?? 0,
      state: s.state, createdAt: s.createdAt, ip: s.netnsPath ? (s.podIP ?? '') : (this.opts.hostIP ?? '127.0.0.1'),
      ...(s.netnsPath ? { netnsPath: s.netnsPath } : {}), directory: s.directory,
      labels: { ...s.config.labels }, annotations: { ...s.config.annotations },
    };
  }

  private podCgroup(uid: string): string {
    return join(this.opts.cgroupParent ?? 'berth', uid);
  }

  // ── containers ─────────────────────────────────────────────────────────────────────────────

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) return Promise.reject(notFound('sandbox', sandboxId));
    if (sb.state !== 'ready') return Promise.reject(new RuntimeError('FailedPrecondition', `sandbox ${sandboxId} is not ready`));
    if (!config.name) return Promise.reject(new RuntimeError('InvalidArgument', 'container config: name is required'));
    const id = randomBytes(16).toString('hex');
    const logPath = isAbsolute(config.logPath) ? config.logPath : join(sb.config.logDirectory, config.logPath);
    const rec: ContainerRecord = {
      id, sandboxId, name: config.name, attempt: config.attempt ?? 0, image: config.image, state: 'created',
      createdAt: now(), logPath, config,
    };
    this.containers.set(id, rec);
    this.store.saveLater('containers', id, rec);
    return Promise.resolve(id);
  }

  async startContainer(id: string): Promise<void> {
    const rec = this.mustContainer(id);
    if (rec.state !== 'created') throw new RuntimeError('FailedPrecondition', `container ${id} is ${rec.state}, not created`);
    const sb = this.sandboxes.get(rec.sandboxId);
    if (!sb) throw notFound('sandbox', rec.sandboxId);
    const cfg = rec.config;
    const argv = buildArgv(cfg.command, cfg.args);
    if (!argv.ok) return this.startError(rec, argv.message);
    const uid = cfg.user?.uid ?? process.getuid?.() ?? 0;
    const env: Record<string, string> = { PATH: DEFAULT_PATH, HOSTNAME: sb.config.hostname ?? sb.config.name, HOME: uid === 0 ? '/root' : '/' };
    for (const e of cfg.env ?? []) env[e.name] = e.value;
    if (cfg.mounts?.length) env.BERTH_MOUNTS = cfg.mounts.map((m) => `${m.containerPath}=${m.hostPath}${m.readOnly ? ':ro' : ''}`).join(';');
    const cwd = cfg.workingDir || sb.directory;
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) return this.startError(rec, `working directory "${cwd}": no such directory`);
    const exe = resolveExecutable(argv.argv[0] ?? '', env.PATH, cwd);
    if (!exe.ok) return this.startError(rec, exe.message);

    const prefix: string[] = [];
    if (sb.netnsPath) prefix.push(hostTool('nsenter'), `--net=${sb.netnsPath}`, '--');
    const mp = mountPrefix(cfg.mounts ?? [], sb.config.dnsConfig !== undefined ? join(dirname(sb.directory), 'resolv.conf') : undefined);
    if (mp.error) return this.startError(rec, mp.error);
    prefix.push(...mp.prefix);
    if (cfg.user && cfg.user.uid !== process.getuid?.()) {
      if (process.getuid?.() !== 0) return this.startError(rec, `running as user ${cfg.user.uid} needs a root kubelet`);
      prefix.push(hostTool('setpriv'), `--reuid=${cfg.user.uid}`, `--regid=${cfg.user.gid ?? cfg.user.uid}`, '--clear-groups', '--');
    }
    let procs: string[] = [];
    if (this.cg.version) {
      const cgroup = new Cgroup(this.cg, join(this.podCgroup(sb.config.uid), id));
      try {
        await cgroup.create(cfg.resources);
      } catch (err) {
        return this.startError(rec, `cannot set up the container's cgroup: ${(err as Error).message}`);
      }
      rec.cgroup = cgroup.relPath;
      procs = cgroup.procsFiles();
    }
    rec.exec = { env, cwd, prefix, procs };

    const dir = this.store.containerDir(id);
    // off the event loop: the container's directory (its state file is written behind), the log file
    // (created here so the log writer's synchronous open finds it)
    await Promise.all([mkdir(dir, { recursive: true }), mkdir(dirname(rec.logPath), { recursive: true })]);
    await appendFile(rec.logPath, '', { mode: 0o640 });
    const fifos = [join(dir, 'stdout.fifo'), join(dir, 'stderr.fifo')];
    const wrapperArgs = ['-c', RUN_WRAPPER, 'berth-run', join(dir, 'exit'), procs.join(':'), ...prefix, exe.path, ...argv.argv.slice(1)];
    if (!cfg.stdin && !cfg.tty) return this.startOffThread(rec, [fifos[0]!, fifos[1]!], wrapperArgs, cwd, env);
    // tty: the command runs on a pty under the wrapper (../pty.ts); the relay's stdout is the terminal
    if (cfg.tty) wrapperArgs.splice(5, wrapperArgs.length - 5, ...ptyArgv(wrapperArgs.slice(5), false));
    for (const f of fifos) rmSync(f, { force: true });
    await execFileP('mkfifo', ['-m', '600', ...fifos]);
    const live = this.openLive(rec, fifos);
    const rw = fifos.map((f) => openSync(f, constants.O_RDWR));
    const child = spawn('/bin/sh', wrapperArgs, {
      cwd, env: cfg.tty ? ptyEnv(env) : env, detached: true,
      stdio: cfg.tty ? ptyStdio(rw[0], rw[1]) : [cfg.stdin ? 'pipe' : 'ignore', rw[0], rw[1]],
    });
    for (const fd of rw) closeSync(fd);
    if (child.pid === undefined) {
      const err = await new Promise<Error>((resolve) => child.once('error', resolve));
      this.dropLive(id);
      return this.startError(rec, `cannot start the wrapper shell: ${err.message}`);
    }
    child.on('error', () => undefined);
    if (child.stdin && cfg.stdin) live.stdin = child.stdin;
    if (cfg.tty) {
      child.stdin?.on('error', () => undefined);
      this.ttys.set(rec, new PtyControl(child, false).ready.then((h) => {
        if (h && rec.exec) rec.exec.tty = h.tty;
        this.store.saveLater('containers', id, rec);
        return h?.tty;
      }));
    }
    rec.pid = child.pid;
    rec.pidStart = procStartTime(child.pid);
    rec.state = 'running';
    rec.startedAt = now();
    this.store.saveLater('containers', id, rec);
    this.children.add(child);
    child.on('exit', (code, signal) => {
      this.children.delete(child);
      if (!this.closed) void this.finish(rec, live, exitCodeOf(code, signal));
    });
  }

  /** The common case (no stdin, no TTY): fork/exec from the spawner thread, off the event loop (./spawner.ts). */
  private async startOffThread(rec: ContainerRecord, fifos: [string, string], args: string[], cwd: string, env: Record<string, string>): Promise<void> {
    let s: Spawned;
    try {
      s = await spawner().start({ fifos, file: '/bin/sh', args, cwd, env });
    } catch (e) {
      if (e instanceof SpawnError) return this.startError(rec, e.message);
      throw e;
    }
    const live = this.openLive(rec, s.readFds);
    rec.pid = s.pid;
    rec.pidStart = procStartTime(s.pid);
    rec.state = 'running';
    rec.startedAt = now();
    this.store.saveLater('containers', rec.id, rec);
    this.offThread.add(s.pid);
    void s.exit.then((r) => {
      this.offThread.delete(s.pid);
      if (this.closed) return;
      if (!r.lost) return this.finish(rec, live, exitCodeOf(r.code, r.signal));
      // the spawner thread died: learn the exit as an adopted container's, from the pid and the exit file
      live.poll = setInterval(() => {
        if (this.closed || isSameProcessAlive(s.pid, rec.pidStart)) return;
        clearInterval(live.poll);
        live.poll = undefined;
        return this.finish(rec, live, readExitFile(join(this.store.containerDir(rec.id), 'exit')));
      }, 200);
      live.poll.unref();
    });
  }

  /** Opens the log writer and the FIFO readers (paths, or read ends opened already). */
  private openLive(rec: ContainerRecord, fifos: Array<string | number>): Live {
    const live = openLive(rec.logPath, fifos, { maxSizeBytes: this.opts.logMaxSizeBytes, maxFiles: this.opts.logMaxFiles });
    this.live.set(rec.id, live);
    return live;
  }

  private dropLive(id: string): void {
    const live = this.live.get(id);
    if (live) closeLive(live);
    this.live.delete(id);
  }

  /** Records a container's exit once its output has drained (bounded: a background child may hold it). */
  private async finish(rec: ContainerRecord, live: Live, exitCode: number | undefined): Promise<void> {
    await within(live.outputsEnded, 1000);
    if (this.closed || rec.state !== 'running') return;
    const cg = rec.cgroup ? new Cgroup(this.cg, rec.cgroup) : undefined;
    rec.state = 'exited';
    rec.finishedAt = now();
    if (cg && cg.oomKills() > 0) {
      rec.exitCode = 137;
      rec.reason = 'OOMKilled';
    } else if (exitCode === undefined) {
      rec.exitCode = 137;
      rec.reason = 'ContainerStatusUnknown';
      rec.message = 'the container exited while the kubelet was not watching and left no exit status';
    } else {
      rec.exitCode = exitCode;
      rec.reason = exitCode === 0 ? 'Completed' : 'Error';
    }
    this.store.saveLater('containers', rec.id, rec);
    live.markExited();
    live.listeners.clear();
  }

  private startError(rec: ContainerRecord, message: string): void {
    rec.state = 'exited';
    rec.exitCode = 128;
    rec.reason = 'StartError';
    rec.message = message;
    rec.startedAt = rec.finishedAt = now();
    this.store.saveLater('containers', rec.id, rec);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const rec = this.mustContainer(id);
    const live = this.live.get(id);
    if (rec.state !== 'running' || !live) return;
    rec.stopRequested = true;
    this.store.saveLater('containers', id, rec);
    signalGroup(rec.pid, 'SIGTERM');
    if (timeoutSeconds > 0 && (await within(live.exited, timeoutSeconds * 1000))) return;
    signalGroup(rec.pid, 'SIGKILL');
    if (rec.cgroup) for (const pid of new Cgroup(this.cg, rec.cgroup).pids()) signalGroup(-pid, 'SIGKILL');
    if (!(await within(live.exited, 10_000))) throw new RuntimeError('Unavailable', `container ${id} did not exit after SIGKILL`);
  }

  async removeContainer(id: string): Promise<void> {
    const rec = this.containers.get(id);
    if (!rec) return;
    if (rec.state === 'running') await this.stopContainer(id, 0);
    this.dropLive(id);
    if (rec.cgroup) await new Cgroup(this.cg, rec.cgroup).destroy();
    this.containers.delete(id);
    this.store.removeLater('containers', id);
  }

  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]> {
    const out = [...this.containers.values()].filter((c) =>
      (!filter?.sandboxId || c.sandboxId === filter.sandboxId) &&
      (!filter?.state || c.state === filter.state) &&
      Object.entries(filter?.labels ?? {}).every(([k, v]) => c.config.labels?.[k] === v));
    return Promise.resolve(out.map((c) => this.status(c)));
  }

  containerStatus(id: string): Promise<ContainerStatus> {
    const rec = this.containers.get(id);
    return rec ? Promise.resolve(this.status(rec)) : Promise.reject(notFound('container', id));
  }

  private status(c: ContainerRecord): ContainerStatus {
    const { config, pidStart: _p, stopRequested: _s, cgroup: _c, exec: _e, ...st } = c;
    return { ...st, labels: { ...config.labels }, annotations: { ...config.annotations } };
  }

  private mustContainer(id: string): ContainerRecord {
    const rec = this.containers.get(id);
    if (!rec) throw notFound('container', id);
    return rec;
  }

  private running(id: string): { rec: ContainerRecord; live: Live; ctx: ExecContext } {
    const rec = this.mustContainer(id);
    const live = this.live.get(id);
    if (rec.state !== 'running' || !live || !rec.exec) throw new RuntimeError('FailedPrecondition', `container ${id} is not running`);
    return { rec, live, ctx: rec.exec };
  }

  // ── exec, attach, stats ────────────────────────────────────────────────────────────────────

  async execSync(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    return execSyncIn(this.running(id).ctx, cmd, timeoutMs);
  }

  async exec(id: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecSession> {
    await Promise.resolve();
    return execStreamIn(this.running(id).ctx, cmd, opts.stdin ?? false, opts.tty ?? false);
  }

  async attach(id: string, opts: ExecOptions = {}): Promise<ExecSession> {
    await Promise.resolve();
    const { rec, live, ctx } = this.running(id);
    const tty = ctx.tty ?? (await this.ttys.get(rec));
    const sizer = opts.tty && tty ? new TerminalSizer(() => tty) : undefined;
    return attachSession(live, opts.stdin ? live.stdin : undefined, () => rec.exitCode ?? 137, sizer && ((c, r) => sizer.apply(c, r)));
  }

  async containerStats(id: string): Promise<ContainerStats> {
    await Promise.resolve();
    const { rec, live } = this.running(id);
    let cpuNs: number | undefined;
    let mem: number | undefined;
    if (rec.cgroup) {
      const cg = new Cgroup(this.cg, rec.cgroup);
      cpuNs = cg.cpuUsageNs();
      mem = cg.memoryWorkingSetBytes();
    } else if (rec.pid) {
      const u = processGroupUsage(rec.pid);
      cpuNs = u.cpuNs;
      mem = u.rssBytes;
    }
    const at = nowNs();
    const stats: ContainerStats = { timestamp: formatTimestamp(at) };
    if (cpuNs !== undefined) {
      stats.cpuUsageCoreNanoSeconds = cpuNs;
      if (live.lastCpu && at > live.lastCpu.atNs) {
        stats.cpuUsageNanoCores = Math.max(0, Math.round(((cpuNs - live.lastCpu.cpuNs) * 1e9) / Number(at - live.lastCpu.atNs)));
      }
      live.lastCpu = { cpuNs, atNs: at };
    }
    if (mem !== undefined) stats.memoryWorkingSetBytes = mem;
    return stats;
  }

  // ── adoption ──────────────────────────────────────────────────────────────────────────────

  private async adopt(): Promise<void> {
    for (const sb of this.store.loadAll<SandboxRecord>('sandboxes')) this.sandboxes.set(sb.id, sb);
    for (const rec of this.store.loadAll<ContainerRecord>('containers')) {
      this.containers.set(rec.id, rec);
      if (rec.state !== 'running') continue;
      const dir = this.store.containerDir(rec.id);
      const alive = rec.pid !== undefined && isSameProcessAlive(rec.pid, rec.pidStart);
      // A dead container's FIFOs lost their contents with their last opener, and a FIFO that never sees a
      // writer never reports EOF: do not open them.
      const live = this.openLive(rec, alive ? [join(dir, 'stdout.fifo'), join(dir, 'stderr.fifo')] : []);
      const onGone = (): Promise<void> => {
        if (live.poll) clearInterval(live.poll);
        live.poll = undefined;
        let code: number | undefined;
        try {
          code = Number(readFileSync(join(dir, 'exit'), 'utf8').trim());
        } catch {
          code = rec.stopRequested ? 137 : undefined;
        }
        return this.finish(rec, live, code);
      };
      if (!alive) {
        // Settled before open() returns, so the kubelet's first look is accurate.
        await onGone();
        this.dropLive(rec.id);
        continue;
      }
      live.poll = setInterval(() => {
        if (!this.closed && !isSameProcessAlive(rec.pid ?? 0, rec.pidStart)) void onGone();
      }, 200);
      live.poll.unref();
    }
  }

  /** Stops watching (timers, FIFO readers, log files). Containers keep running; a new instance adopts them. */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.live.keys()]) this.dropLive(id);
    for (const c of this.children) {
      c.stdin?.destroy();
      c.unref();
    }
    spawner().release(this.offThread);
    await this.store.flush();
  }
}
