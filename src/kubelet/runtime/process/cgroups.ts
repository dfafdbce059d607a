// Per-pod and per-container cgroups for the process driver, cgroup v1 (the layout on our machines:
// hybrid, v1 controllers writable) and cgroup v2 (unified, controllers enabled at the root).
//
//   <mount of memory>/<parent>/<pod-uid>/               pod-level limits
//   <mount of memory>/<parent>/<pod-uid>/<container-id>/ container limits; its processes
//   (same under cpu, cpuacct, pids for v1; one tree for v2)
//
// The container's wrapper shell writes its own pid into every cgroup.procs before it runs the
// container's command, so the command never runs outside its cgroup (no race with a post-spawn write).
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResourceLimits } from '../types';

type V1Controller = 'memory' | 'cpu' | 'cpuacct' | 'pids';
const V1_CONTROLLERS: V1Controller[] = ['memory', 'cpu', 'cpuacct', 'pids'];

export interface CgroupSupport {
  version: 1 | 2 | undefined;
  /** v1: controller → mount point; v2: 'unified' → mount point. */
  mounts: Record<string, string>;
  /** Why cgroups are not used, when version is undefined. */
  reason: string;
}

function parseMounts(): Array<{ mountPoint: string; fsType: string; superOpts: string[] }> {
  const out: Array<{ mountPoint: string; fsType: string; superOpts: string[] }> = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const mountPoint = pre.split(' ')[4] ?? '';
    const [fsType, , superOpts] = post.split(' ');
    out.push({ mountPoint, fsType: fsType ?? '', superOpts: (superOpts ?? '').split(',') });
  }
  return out;
}

/** Finds usable cgroups: root, and either the four v1 controllers or a v2 tree with memory+cpu+pids. */
export function detectCgroups(): CgroupSupport {
  if (process.getuid?.() !== 0) return { version: undefined, mounts: {}, reason: 'not running as root' };
  let mounts: ReturnType<typeof parseMounts>;
  try {
    mounts = parseMounts();
  } catch (err) {
    return { version: undefined, mounts: {}, reason: `cannot read /proc/self/mountinfo: ${(err as Error).message}` };
  }
  const v1: Record<string, string> = {};
  for (const m of mounts) {
    if (m.fsType !== 'cgroup') continue;
    for (const c of V1_CONTROLLERS) if (m.superOpts.includes(c) && !v1[c]) v1[c] = m.mountPoint;
  }
  if (V1_CONTROLLERS.every((c) => v1[c] && existsSync(join(v1[c], 'cgroup.procs')))) {
    return { version: 1, mounts: v1, reason: '' };
  }
  const v2 = mounts.find((m) => m.fsType === 'cgroup2');
  if (v2) {
    const ctrls = readFileSync(join(v2.mountPoint, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    if (['memory', 'cpu', 'pids'].every((c) => ctrls.includes(c))) return { version: 2, mounts: { unified: v2.mountPoint }, reason: '' };
  }
  return { version: undefined, mounts: {}, reason: 'no cgroup v1 memory/cpu/cpuacct/pids controllers and no cgroup v2 tree with memory, cpu and pids' };
}

async function writeIfPresent(file: string, value: string): Promise<void> {
  if (await access(file).then(() => true, () => false)) await writeFile(file, value);
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function readKeyed(file: string, key: string): number | undefined {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [k, v] = line.split(' ');
      if (k === key) return Number(v);
    }
  } catch {
    /* absent */
  }
  return undefined;
}

const PERIOD_US = 100_000;

/** One cgroup (pod or container) across the controllers. */
export class Cgroup {
  constructor(
    private readonly support: CgroupSupport,
    readonly relPath: string,
  ) {}

  private dir(ctrl: string): string {
    const mount = this.support.version === 2 ? this.support.mounts.unified : this.support.mounts[ctrl];
    return join(mount ?? '/nonexistent', this.relPath);
  }

  private dirs(): string[] {
    return this.support.version === 2 ? [this.dir('unified')] : V1_CONTROLLERS.map((c) => this.dir(c));
  }

  /** The cgroup.procs files a process must write its pid into to join this cgroup. */
  procsFiles(): string[] {
    return this.dirs().map((d) => join(d, 'cgroup.procs'));
  }

  /**
   * Makes the cgroup (in every controller) and writes its limits. Asynchronous on purpose: a mkdir in
   * cgroupfs costs the kernel a fraction of a millisecond, eight of them per pod start, and they must not
   * stall the kubelet's event loop (they run on libuv's thread pool).
   */
  async create(limits: ResourceLimits | undefined): Promise<void> {
    await Promise.all(this.dirs().map((d) => mkdir(d, { recursive: true })));
    if (this.support.version === 2) {
      // Enable the controllers for children on every level from the root down to this one's parent.
      const parts = this.relPath.split('/');
      for (let i = 0; i < parts.length; i++) {
        const p = join(this.support.mounts.unified ?? '', ...parts.slice(0, i), 'cgroup.subtree_control');
        try {
          await writeFile(p, '+memory +cpu +pids');
        } catch {
          /* already enabled, or a leaf */
        }
      }
    }
    if (!limits) return;
    const v2 = this.support.version === 2;
    if (limits.memoryBytes !== undefined) {
      await writeFile(join(this.dir('memory'), v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(limits.memoryBytes));
      if (v2) await writeIfPresent(join(this.dir('memory'), 'memory.swap.max'), '0');
    }
    if (limits.cpuMillis !== undefined) {
      const quota = Math.max(1000, Math.round((limits.cpuMillis * PERIOD_US) / 1000));
      if (v2) await writeFile(join(this.dir('cpu'), 'cpu.max'), `${quota} ${PERIOD_US}`);
      else {
        await writeFile(join(this.dir('cpu'), 'cpu.cfs_period_us'), String(PERIOD_US));
        await writeFile(join(this.dir('cpu'), 'cpu.cfs_quota_us'), String(quota));
      }
    }
    if (limits.cpuShares !== undefined) {
      const shares = Math.min(262144, Math.max(2, limits.cpuShares));
      // v2 weight from v1 shares, the formula Kubernetes uses.
      if (v2) await writeFile(join(this.dir('cpu'), 'cpu.weight'), String(Math.round(1 + ((shares - 2) * 9999) / 262142)));
      else await writeFile(join(this.dir('cpu'), 'cpu.shares'), String(shares));
    }
    if (limits.pidsMax !== undefined) await writeFile(join(this.dir('pids'), 'pids.max'), String(limits.pidsMax));
  }

  /** How many times the kernel's OOM killer killed a process of this cgroup. */
  oomKills(): number {
    if (this.support.version === 2) return readKeyed(join(this.dir('memory'), 'memory.events'), 'oom_kill') ?? 0;
    return readKeyed(join(this.dir('memory'), 'memory.oom_control'), 'oom_kill') ?? 0;
  }

  cpuUsageNs(): number | undefined {
    if (this.support.version === 2) {
      const us = readKeyed(join(this.dir('cpu'), 'cpu.stat'), 'usage_usec');
      return us === undefined ? undefined : us * 1000;
    }
    return readNumber(join(this.dir('cpuacct'), 'cpuacct.usage'));
  }

  /** Usage minus inactive file pages, the kubelet's working set. */
  memoryWorkingSetBytes(): number | undefined {
    const v2 = this.support.version === 2;
    const usage = readNumber(join(this.dir('memory'), v2 ? 'memory.current' : 'memory.usage_in_bytes'));
    if (usage === undefined) return undefined;
    const inactive = readKeyed(join(this.dir('memory'), 'memory.stat'), v2 ? 'inactive_file' : 'total_inactive_file') ?? 0;
    return Math.max(0, usage - inactive);
  }

  pids(): number[] {
    const out = new Set<number>();
    for (const f of this.procsFiles()) {
      try {
        for (const l of readFileSync(f, 'utf8').split('\n')) if (l) out.add(Number(l));
      } catch {
        /* gone */
      }
    }
    return [...out];
  }

  /** SIGKILLs whatever still runs in the cgroup (children included) and removes it, retrying while it drains. */
  async destroy(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      for (const pid of this.pids()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      let busy = false;
      for (const d of this.dirs()) {
        if (!existsSync(d)) continue;
        // Children first (a pod cgroup holds container cgroups).
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) await new Cgroup(this.support, join(this.relPath, e.name)).destroy();
        }
        try {
          rmdirSync(d);
        } catch {
          busy = true;
        }
      }
      if (!busy) return;
      await sleep(20);
    }
    throw new Error(`cannot remove cgroup ${this.relPath}: processes keep running in it`);
  }
}
