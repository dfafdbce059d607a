// The `oci` driver: real containers through runc, root filesystems as overlayfs mounts of image layers
// pulled or imported by the image service (../../images). See README.md.
//
//   kubelet (this) ──spawn detached──▶ sh shim ──▶ runc run --keep (foreground) ──▶ [container] berth init ──▶ argv
//        ▲ O_RDONLY|O_NONBLOCK              stdout/stderr: FIFOs opened O_RDWR (as the process driver)
//        └── rootDir/containers/<id>/std{out,err}.fifo        exit status → rootDir/containers/<id>/exit
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createImageService, defaultPullPolicy, type ImageRecord, type ImageService } from '../../images';
import { RuntimeError, notFound } from '../errors';
import { formatTimestamp, nowNs } from '../log-format';
import type {
  ContainerConfig, ContainerFilter, ContainerRuntime, ContainerStats, ContainerStatus, ExecOptions, ExecResult,
  ExecSession, PodSandboxConfig, PodSandboxStatus, RuntimeCapabilities, RuntimeOptions,
} from '../types';
import { attachSession } from '../process/attach';
import { PtyControl, ptyArgv, ptyEnv, ptyStdio, TerminalSizer } from '../pty';
import { Cgroup, detectCgroups, type CgroupSupport } from '../process/cgroups';
import { closeLive, openLive, type Live } from '../process/live';
import { setUpSandboxNetwork, tearDownSandboxNetwork, type SandboxNetwork } from '../netns';
import { isSameProcessAlive, procStartTime } from '../process/proc';
import { StateStore } from '../process/state-store';
import { findRunc, Runc, runcError } from './runc';
import { mountRootfs, removeRootfs } from './rootfs';
import { RUN_TTY, SHIM } from './scripts';
import { buildSpec, containerArgv, resolveUser } from './spec';

const execFileP = promisify(execFile);

/** Annotation on a ContainerConfig carrying the pod's imagePullPolicy (Always, IfNotPresent, Never). */
export const PULL_POLICY_ANNOTATION = 'berth.io/image-pull-policy';

interface SandboxRecord extends SandboxNetwork {
  id: string;
  config: PodSandboxConfig;
  state: 'ready' | 'notready';
  createdAt: string;
  dir: string;
}

interface ContainerRecord extends Omit<ContainerStatus, 'labels' | 'annotations'> {
  config: ContainerConfig;
  imageId: string;
  imageName: string;
  shimPid?: number;
  shimStart?: string;
  stopRequested?: boolean;
  cgroup?: string;
  stopSignal?: string;
  /** tty: true: the host pty (/dev/pts/N) the container's stdio is on, once known. */
  ttyPath?: string;
}

const now = (): string => formatTimestamp(nowNs());

function hostEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return out;
}

async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  const ac = new AbortController();
  const r = await Promise.race([p.then(() => true), sleep(ms, false, { signal: ac.signal }).catch(() => false)]);
  ac.abort();
  return r;
}

function findBusybox(): string | undefined {
  return ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
}

const SETUP_HINT = 'run `bash scripts/setup-system.sh` (Debian packages runc, busybox-static)';

export class OciRuntime implements ContainerRuntime {
  readonly name = 'oci' as const;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly live = new Map<string, Live>();
  /** The pty of each tty: true container started by this instance, once reported. */
  private readonly ttys = new WeakMap<ContainerRecord, Promise<string | undefined>>();
  private readonly children = new Set<ChildProcess>();
  private closed = false;

  private constructor(
    private readonly opts: RuntimeOptions,
    private readonly store: StateStore,
    private readonly cg: CgroupSupport,
    private readonly runc: Runc,
    private readonly busybox: string,
    /** The image service this runtime pulls through (shared with GC and the CLI's store). */
    readonly images: ImageService,
  ) {}

  /** Opens the driver over opts.rootDir, re-adopting containers a previous instance left running. */
  static async open(opts: RuntimeOptions): Promise<OciRuntime> {
    if (process.getuid?.() !== 0) throw new RuntimeError('Unavailable', 'the oci runtime needs root (runc, overlayfs mounts, cgroups)');
    const bin = findRunc(opts.runcPath);
    if (!bin) throw new RuntimeError('Unavailable', `runc not found: ${SETUP_HINT}`);
    const busybox = findBusybox();
    if (!busybox) throw new RuntimeError('Unavailable', `a static busybox (the containers' init) is missing: ${SETUP_HINT}`);
    const cg = detectCgroups();
    if (cg.version === undefined) throw new RuntimeError('Unavailable', `the oci runtime needs cgroups: ${cg.reason}`);
    const images = createImageService({
      dataDir: opts.imageDataDir ?? dirname(opts.rootDir),
      ...(opts.registriesFile ? { registriesFile: opts.registriesFile } : {}),
      ...(opts.registryMirrorsOnly ? { disableDefaultEndpoint: true } : {}),
    });
    mkdirSync(join(opts.rootDir, 'runc'), { recursive: true });
    const rt = new OciRuntime(opts, new StateStore(opts.rootDir), cg, new Runc(bin, join(opts.rootDir, 'runc')), busybox, images);
    await rt.adopt();
    return rt;
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    return { runtimeName: 'runc', runtimeVersion: await this.runc.version() };
  }

  capabilities(): RuntimeCapabilities {
    return {
      cgroups: true,
      networkNamespaces: true,
      notes: [
        `runc ${this.runc.bin}: pid, ipc, uts and mount namespaces per container; overlayfs root filesystems from OCI images`,
        `cgroup v${this.cg.version}: cpu, memory and pids limits enforced; OOM kills reported`,
        'network: the pod\'s namespace when the sandbox asks for one, else the host network',
        'PID 1 of every container is berth\'s init (the host\'s static busybox): signals are forwarded, exit codes kept',
        'tty: true and exec -t run on a host pty made by util-linux script (not runc --tty: see README), no seccomp or AppArmor profiles, no user namespaces',
      ],
    };
  }

  // ── sandboxes ──────────────────────────────────────────────────────────────────────────────

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    if (!config.uid) throw new RuntimeError('InvalidArgument', 'sandbox config: uid is required');
    const id = randomBytes(16).toString('hex');
    const dir = this.store.sandboxDir(id);
    const rec: SandboxRecord = { id, config, state: 'ready', createdAt: now(), dir };
    mkdirSync(dir, { recursive: true });
    mkdirSync(config.logDirectory, { recursive: true });
    const hostname = config.hostname ?? config.name;
    let resolv = config.dnsConfig;
    if (resolv === undefined) {
      try {
        resolv = readFileSync('/etc/resolv.conf', 'utf8');
      } catch {
        resolv = '';
      }
    }
    writeFileSync(join(dir, 'resolv.conf'), resolv);
    writeFileSync(join(dir, 'hostname'), `${hostname}\n`);
    await new Cgroup(this.cg, this.podCgroup(config.uid)).create(config.resources);
    if (config.networkNamespace) Object.assign(rec, await setUpSandboxNetwork(id, config, this.opts.network));
    const ip = config.networkNamespace ? (rec.podIP ?? '') : (this.opts.hostIP ?? '127.0.0.1');
    writeFileSync(join(dir, 'hosts'), `# Kubernetes-managed hosts file (berth oci runtime).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${ip ? `${ip}\t${hostname}\n` : ''}`);
    this.sandboxes.set(id, rec);
    this.store.save('sandboxes', id, rec);
    return id;
  }

  async stopPodSandbox(id: string, timeoutSeconds = 10): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await Promise.all([...this.containers.values()].filter((c) => c.sandboxId === id).map((c) => this.stopContainer(c.id, timeoutSeconds)));
    await tearDownSandboxNetwork(id, sb.config, sb, this.opts.network);
    delete sb.attachment;
    sb.state = 'notready';
    this.store.save('sandboxes', id, sb);
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id, 0);
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) await this.removeContainer(c.id);
    await new Cgroup(this.cg, this.podCgroup(sb.config.uid)).destroy();
    removeEmptyCgroups(this.podCgroup(sb.config.uid));
    this.sandboxes.delete(id);
    this.store.remove('sandboxes', id);
  }

  listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return Promise.resolve([...this.sandboxes.values()].map((s) => this.sandboxStatus(s)));
  }

  podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const sb = this.sandboxes.get(id);
    return sb ? Promise.resolve(this.sandboxStatus(sb)) : Promise.reject(notFound('sandbox', id));
  }

  private sandboxStatus(s: SandboxRecord): PodSandboxStatus {
    return {
      id: s.id, uid: s.config.uid, name: s.config.name, namespace: s.config.namespace, attempt: s.config.attempt ?? 0,
      state: s.state, createdAt: s.createdAt, ip: s.netnsPath ? (s.podIP ?? '') : (this.opts.hostIP ?? '127.0.0.1'),
      ...(s.netnsPath ? { netnsPath: s.netnsPath } : {}),
      // Containers start in their image's WORKDIR, else '/': the default working directory of an image without one.
      directory: '/',
      labels: { ...s.config.labels }, annotations: { ...s.config.annotations },
    };
  }

  private podCgroup(uid: string): string {
    return join(this.opts.cgroupParent ?? 'berth', uid);
  }

  // ── containers ─────────────────────────────────────────────────────────────────────────────

  /** Pulls the image per the pull policy (annotation PULL_POLICY_ANNOTATION, else Kubernetes' default) and mounts the rootfs. */
  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw notFound('sandbox', sandboxId);
    if (sb.state !== 'ready') throw new RuntimeError('FailedPrecondition', `sandbox ${sandboxId} is not ready`);
    if (!config.name) throw new RuntimeError('InvalidArgument', 'container config: name is required');
    const policyRaw = config.annotations?.[PULL_POLICY_ANNOTATION];
    const policy = policyRaw === 'Always' || policyRaw === 'IfNotPresent' || policyRaw === 'Never' ? policyRaw : defaultPullPolicy(config.image);
    const secrets = await this.opts.imagePullCredentials?.({ uid: sb.config.uid, name: sb.config.name, namespace: sb.config.namespace }, config.image);
    const img = await this.images.ensure(config.image, policy, secrets?.length ? { auth: { dockerConfigJsons: secrets } } : undefined);
    const id = randomBytes(16).toString('hex');
    const dir = this.store.containerDir(id);
    mkdirSync(dir, { recursive: true });
    await mountRootfs(dir, this.images.layersRoot, this.images.layerDirs(img));
    const logPath = isAbsolute(config.logPath) ? config.logPath : join(sb.config.logDirectory, config.logPath);
    const rec: ContainerRecord = {
      id, sandboxId, name: config.name, attempt: config.attempt ?? 0, image: img.repoTags[0] ?? config.image, state: 'created',
      createdAt: now(), logPath, config, imageId: img.id, imageName: config.image,
      ...(img.config.stopSignal ? { stopSignal: img.config.stopSignal } : {}),
    };
    this.containers.set(id, rec);
    this.store.save('containers', id, rec);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const rec = this.mustContainer(id);
    if (rec.state !== 'created') throw new RuntimeError('FailedPrecondition', `container ${id} is ${rec.state}, not created`);
    const sb = this.sandboxes.get(rec.sandboxId);
    if (!sb) throw notFound('sandbox', rec.sandboxId);
    const img = this.images.status(rec.imageId);
    if (!img) return this.startError(rec, `image ${rec.imageName} (${rec.imageId}) was removed`);
    const cfg = rec.config;
    const argv = containerArgv(img.config, cfg.command, cfg.args, rec.imageName);
    if (!argv.ok) return this.startError(rec, argv.message);
    const dir = this.store.containerDir(id);
    const rootfs = join(dir, 'rootfs');
    const user = this.userFor(cfg, img, rootfs);
    if ('error' in user) return this.startError(rec, user.error);
    const berthDir = join(dir, 'berth');
    mkdirSync(berthDir, { recursive: true });
    rmSync(join(berthDir, 'start-error'), { force: true });
    rec.cgroup = join(this.podCgroup(sb.config.uid), id);
    const spec = buildSpec({
      containerId: id, config: cfg, image: img.config, imageName: rec.imageName, argv: argv.argv, user,
      hostname: sb.config.hostname ?? sb.config.name, ...(sb.netnsPath ? { netnsPath: sb.netnsPath } : {}),
      etc: { resolvConf: join(sb.dir, 'resolv.conf'), hosts: join(sb.dir, 'hosts'), hostname: join(sb.dir, 'hostname') },
      berthDir, busybox: this.busybox, cgroupsPath: `/${rec.cgroup}`, rootfs,
    });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
    mkdirSync(dirname(rec.logPath), { recursive: true });
    const fifos = [join(dir, 'stdout.fifo'), join(dir, 'stderr.fifo')];
    for (const f of [...fifos, join(dir, 'pid'), join(dir, 'exit'), join(dir, 'runc.log')]) rmSync(f, { force: true });
    await execFileP('mkfifo', ['-m', '600', ...fifos]);
    const live = this.openLive(rec, fifos);
    const rw = fifos.map((f) => openSync(f, constants.O_RDWR));
    const runcArgv = this.runc.args('--log', join(dir, 'runc.log'), '--log-format', 'json', 'run', '--keep', '--bundle', dir, '--pid-file', join(dir, 'pid'), id);
    // tty: runc (without --tty) runs on a host pty (../pty.ts) and hands its slave to the container as stdio
    const runcCmd = cfg.tty
      ? ptyArgv(['/bin/sh', '-c', RUN_TTY, 'berth-run-tty', join(berthDir, 'exit-status'), join(dir, 'pid'), this.runc.bin, this.runc.root, join(dir, 'runc.log'), dir, id], false)
      : [this.runc.bin, ...runcArgv];
    const child = spawn('/bin/sh', ['-c', SHIM, 'berth-shim', join(dir, 'exit'), ...runcCmd], {
      cwd: dir, detached: true,
      ...(cfg.tty ? { env: ptyEnv(hostEnv()), stdio: ptyStdio(rw[0], rw[1]) } : { stdio: [cfg.stdin ? 'pipe' : 'ignore', rw[0], rw[1]] }),
    });
    for (const fd of rw) closeSync(fd);
    if (child.pid === undefined) {
      const err = await new Promise<Error>((resolve) => child.once('error', resolve));
      this.dropLive(id);
      return this.startError(rec, `cannot start the shim: ${err.message}`);
    }
    child.on('error', () => undefined);
    if (child.stdin && cfg.stdin) live.stdin = child.stdin;
    if (cfg.tty) {
      child.stdin?.on('error', () => undefined);
      this.ttys.set(rec, new PtyControl(child, false).ready.then((h) => {
        if (h) rec.ttyPath = h.tty;
        return h?.tty;
      }));
    }
    this.children.add(child);
    let exitCode: number | undefined | null;
    const exited = new Promise<void>((resolve) => child.on('exit', (code) => {
      exitCode = code;
      this.children.delete(child);
      resolve();
    }));
    rec.shimPid = child.pid;
    rec.shimStart = procStartTime(child.pid);
    // Running once runc wrote the container's pid; a shim that exits first means runc could not start it.
    const pidFile = join(dir, 'pid');
    while (!existsSync(pidFile) && exitCode === undefined) await Promise.race([sleep(3), exited]);
    if (!existsSync(pidFile)) {
      this.dropLive(id);
      return this.startError(rec, runcError(join(dir, 'runc.log')) ?? `runc run failed with exit code ${exitCode ?? '?'}`);
    }
    rec.pid = Number(readFileSync(pidFile, 'utf8').trim());
    rec.state = 'running';
    rec.startedAt = now();
    this.store.save('containers', id, rec);
    void exited.then(() => {
      if (!this.closed) void this.finish(rec, live, exitCode ?? undefined);
    });
  }

  private userFor(cfg: ContainerConfig, img: ImageRecord, rootfs: string): { uid: number; gid: number } | { error: string } {
    const read = (f: string): string | undefined => {
      try {
        return readFileSync(join(rootfs, 'etc', f), 'utf8');
      } catch {
        return undefined;
      }
    };
    if (cfg.user) {
      if (cfg.user.gid !== undefined) return { uid: cfg.user.uid, gid: cfg.user.gid };
      const r = resolveUser(String(cfg.user.uid), read('passwd'), undefined);
      return 'error' in r ? { uid: cfg.user.uid, gid: 0 } : r;
    }
    return resolveUser(img.config.user, read('passwd'), read('group'));
  }

  private openLive(rec: ContainerRecord, fifos: string[]): Live {
    const live = openLive(rec.logPath, fifos, { maxSizeBytes: this.opts.logMaxSizeBytes, maxFiles: this.opts.logMaxFiles });
    this.live.set(rec.id, live);
    return live;
  }

  private dropLive(id: string): void {
    const live = this.live.get(id);
    if (live) closeLive(live);
    this.live.delete(id);
  }

  /** Records the exit once output drained: StartError from the init, OOMKilled from the cgroup, else the code. */
  private async finish(rec: ContainerRecord, live: Live, exitCode: number | undefined): Promise<void> {
    await within(live.outputsEnded, 1000);
    if (this.closed || rec.state !== 'running') return;
    const dir = this.store.containerDir(rec.id);
    rec.state = 'exited';
    rec.finishedAt = now();
    let startErr: string | undefined;
    try {
      startErr = readFileSync(join(dir, 'berth', 'start-error'), 'utf8');
    } catch {
      startErr = undefined;
    }
    if (startErr !== undefined) {
      rec.exitCode = 128;
      rec.reason = 'StartError';
      rec.message = startErr;
    } else if (rec.cgroup && new Cgroup(this.cg, rec.cgroup).oomKills() > 0) {
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
    this.store.save('containers', rec.id, rec);
    live.markExited();
    live.listeners.clear();
  }

  private startError(rec: ContainerRecord, message: string): void {
    rec.state = 'exited';
    rec.exitCode = 128;
    rec.reason = 'StartError';
    rec.message = message;
    rec.startedAt = rec.finishedAt = now();
    this.store.save('containers', rec.id, rec);
  }

  /** The image's STOPSIGNAL (default SIGTERM) through `runc kill`, SIGKILL after the timeout. */
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const rec = this.mustContainer(id);
    const live = this.live.get(id);
    if (rec.state !== 'running' || !live) return;
    rec.stopRequested = true;
    this.store.save('containers', id, rec);
    const sig = (rec.stopSignal ?? 'SIGTERM').replace(/^SIG/, '');
    if (timeoutSeconds > 0) {
      await this.runc.kill(id, sig);
      if (await within(live.exited, timeoutSeconds * 1000)) return;
    }
    await this.runc.kill(id, 'KILL');
    if (!(await within(live.exited, 10_000))) throw new RuntimeError('Unavailable', `container ${id} did not exit after SIGKILL`);
  }

  async removeContainer(id: string): Promise<void> {
    const rec = this.containers.get(id);
    if (!rec) return;
    if (rec.state === 'running') await this.stopContainer(id, 0);
    this.dropLive(id);
    await this.runc.delete(id);
    const dir = this.store.containerDir(id);
    await removeRootfs(dir);
    if (rec.cgroup) {
      await new Cgroup(this.cg, rec.cgroup).destroy();
      removeEmptyCgroups(rec.cgroup);
    }
    this.containers.delete(id);
    this.store.remove('containers', id);
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
    const { config, shimPid: _p, shimStart: _s, stopRequested: _r, cgroup: _c, imageId: _i, imageName: _n, stopSignal: _g, ttyPath: _t, ...st } = c;
    return { ...st, labels: { ...config.labels }, annotations: { ...config.annotations } };
  }

  /** Image ids used by this runtime's containers (for image GC). */
  imagesInUse(): string[] {
    return [...new Set([...this.containers.values()].map((c) => c.imageId))];
  }

  private mustContainer(id: string): ContainerRecord {
    const rec = this.containers.get(id);
    if (!rec) throw notFound('container', id);
    return rec;
  }

  private running(id: string): { rec: ContainerRecord; live: Live } {
    const rec = this.mustContainer(id);
    const live = this.live.get(id);
    if (rec.state !== 'running' || !live) throw new RuntimeError('FailedPrecondition', `container ${id} is not running`);
    return { rec, live };
  }

  private execPidFile(id: string): string {
    return join(this.store.containerDir(id), `exec-${randomBytes(4).toString('hex')}.pid`);
  }

  // ── exec, attach, stats ────────────────────────────────────────────────────────────────────

  async execSync(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    this.running(id);
    const pidFile = this.execPidFile(id);
    try {
      return await this.runc.execSync(id, cmd, timeoutMs, pidFile);
    } finally {
      rmSync(pidFile, { force: true });
    }
  }

  async exec(id: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecSession> {
    await Promise.resolve();
    this.running(id);
    const pidFile = this.execPidFile(id);
    const s = opts.tty
      ? this.runc.execTty(id, cmd, opts.stdin ?? false, { pidFile, berthDir: join(this.store.containerDir(id), 'berth') })
      : this.runc.execStream(id, cmd, opts.stdin ?? false, pidFile);
    void s.exit.then(() => rmSync(pidFile, { force: true }));
    return s;
  }

  async attach(id: string, opts: ExecOptions = {}): Promise<ExecSession> {
    await Promise.resolve();
    const { rec, live } = this.running(id);
    const tty = rec.ttyPath ?? (await this.ttys.get(rec));
    // runc forwards no SIGWINCH: after each resize the container's init gets one and passes it on
    const sizer = opts.tty && tty ? new TerminalSizer(() => tty) : undefined;
    const resize = sizer && ((c: number, r: number) => sizer.apply(c, r, () => void this.runc.kill(id, 'WINCH')));
    return attachSession(live, opts.stdin ? live.stdin : undefined, () => rec.exitCode ?? 137, resize);
  }

  async containerStats(id: string): Promise<ContainerStats> {
    await Promise.resolve();
    const { rec, live } = this.running(id);
    const cg = new Cgroup(this.cg, rec.cgroup ?? '');
    const cpuNs = cg.cpuUsageNs();
    const mem = cg.memoryWorkingSetBytes();
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
      const alive = rec.shimPid !== undefined && isSameProcessAlive(rec.shimPid, rec.shimStart);
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
        await onGone();
        this.dropLive(rec.id);
        continue;
      }
      live.poll = setInterval(() => {
        if (!this.closed && !isSameProcessAlive(rec.shimPid ?? 0, rec.shimStart)) void onGone();
      }, 200);
      live.poll.unref();
    }
  }

  /** Stops watching; containers keep running under their shims and a new instance adopts them. */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.live.keys()]) this.dropLive(id);
    for (const c of this.children) {
      c.stdin?.destroy();
      c.unref();
    }
    await Promise.resolve();
  }
}

/** Removes `rel` (deepest first) under every v1 hierarchy where runc created it (blkio, devices, freezer, …). */
function removeEmptyCgroups(rel: string): void {
  let mounts: string[];
  try {
    mounts = readdirSync('/sys/fs/cgroup').map((d) => join('/sys/fs/cgroup', d));
  } catch {
    return;
  }
  const rm = (p: string): void => {
    if (!existsSync(p)) return;
    try {
      for (const e of readdirSync(p, { withFileTypes: true })) if (e.isDirectory()) rm(join(p, e.name));
      rmdirSync(p);
    } catch {
      /* busy or not a cgroup dir */
    }
  };
  for (const m of mounts) rm(join(m, rel));
}
