// The OCI runtime spec (config.json) for one container: Kubernetes' argv rules over the image config,
// environment merged with the image's, user, mounts (proc/dev/sys, the pod's volumes as binds,
// /etc/resolv.conf, /etc/hosts, /etc/hostname, the berth init), namespaces (network joined from the
// pod's netns, or the host's), and linux.resources. Pure: table-tested in spec.test.ts.
import type { ImageConfig } from '../../images';
import type { ContainerConfig, ResourceLimits } from '../types';
import { INIT, INIT_PATH } from './scripts';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Docker's (and containerd's CRI) default capability set. */
const CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

export type ArgvResult = { ok: true; argv: string[] } | { ok: false; message: string };

/**
 * Kubernetes' rules: command replaces ENTRYPOINT (and drops CMD); args replace CMD; neither → the
 * image's ENTRYPOINT + CMD.
 */
export function containerArgv(image: ImageConfig, command: string[] | undefined, args: string[] | undefined, imageName: string): ArgvResult {
  let argv: string[];
  if (command?.length) argv = [...command, ...(args ?? [])];
  else if (args?.length) argv = [...(image.entrypoint ?? []), ...args];
  else argv = [...(image.entrypoint ?? []), ...(image.cmd ?? [])];
  if (argv.length === 0 || !argv[0]) return { ok: false, message: `container has no command: image "${imageName}" has no ENTRYPOINT or CMD; set command or args` };
  return { ok: true, argv };
}

/** Image env, then the container's (same name: the container wins); PATH and HOSTNAME/HOME defaults. */
export function mergeEnv(image: string[] | undefined, container: Array<{ name: string; value: string }> | undefined, defaults: Record<string, string>): string[] {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(defaults)) out.set(k, v);
  for (const kv of image ?? []) {
    const eq = kv.indexOf('=');
    if (eq > 0) out.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  for (const e of container ?? []) out.set(e.name, e.value);
  return [...out].map(([k, v]) => `${k}=${v}`);
}

export interface SpecInput {
  containerId: string;
  config: ContainerConfig;
  image: ImageConfig;
  imageName: string;
  /** argv already resolved by containerArgv. */
  argv: string[];
  user: { uid: number; gid: number; additionalGids?: number[] };
  hostname: string;
  /** /run/netns/<name>, or undefined for the host network. */
  netnsPath?: string;
  /** Host files bind-mounted at /etc/resolv.conf, /etc/hosts, /etc/hostname. */
  etc: { resolvConf?: string; hosts?: string; hostname?: string };
  /** Host dir mounted at /.berth (start-error file) and the static busybox for the init. */
  berthDir: string;
  busybox: string;
  cgroupsPath: string;
  rootfs: string;
}

interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

function resources(r: ResourceLimits | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { devices: [{ allow: false, access: 'rwm' }] };
  if (!r) return out;
  if (r.memoryBytes !== undefined) out.memory = { limit: r.memoryBytes, swap: r.memoryBytes };
  const cpu: Record<string, number> = {};
  if (r.cpuMillis !== undefined) {
    cpu.period = 100_000;
    cpu.quota = Math.max(1000, Math.round(r.cpuMillis * 100));
  }
  if (r.cpuShares !== undefined) cpu.shares = Math.min(262144, Math.max(2, r.cpuShares));
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (r.pidsMax !== undefined) out.pids = { limit: r.pidsMax };
  return out;
}

/** The config.json object for runc. */
export function buildSpec(i: SpecInput): Record<string, unknown> {
  const c = i.config;
  const env = mergeEnv(i.image.env, c.env, {
    PATH: DEFAULT_PATH,
    HOSTNAME: i.hostname,
    HOME: i.user.uid === 0 ? '/root' : '/',
    ...(c.tty ? { TERM: 'xterm' } : {}),
  });
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    { destination: '/.berth', type: 'bind', source: i.berthDir, options: ['rbind', 'rprivate'] },
    { destination: INIT_PATH, type: 'bind', source: i.busybox, options: ['bind', 'ro', 'rprivate'] },
  ];
  const etc: Array<[string, string | undefined]> = [['/etc/resolv.conf', i.etc.resolvConf], ['/etc/hosts', i.etc.hosts], ['/etc/hostname', i.etc.hostname]];
  for (const [dest, src] of etc) if (src) mounts.push({ destination: dest, type: 'bind', source: src, options: ['rbind', 'rprivate'] });
  for (const m of c.mounts ?? []) {
    mounts.push({ destination: m.containerPath, type: 'bind', source: m.hostPath, options: ['rbind', 'rprivate', ...(m.readOnly ? ['ro'] : [])] });
  }
  const namespaces: Array<{ type: string; path?: string }> = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (i.netnsPath) namespaces.push({ type: 'network', path: i.netnsPath });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: i.user.uid, gid: i.user.gid, ...(i.user.additionalGids?.length ? { additionalGids: i.user.additionalGids } : {}) },
      args: [INIT_PATH, 'sh', '-c', INIT, 'berth-init', ...i.argv],
      env,
      cwd: c.workingDir || i.image.workingDir || '/',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      noNewPrivileges: false,
    },
    root: { path: i.rootfs, readonly: false },
    hostname: i.hostname,
    mounts,
    linux: {
      cgroupsPath: i.cgroupsPath,
      resources: resources(c.resources),
      namespaces,
      maskedPaths: ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'],
      readonlyPaths: ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/**
 * Resolves an image's USER ("uid", "uid:gid", "name", "name:group") against the image's
 * /etc/passwd and /etc/group text. Unknown names are an error the kubelet shows.
 */
export function resolveUser(user: string | undefined, passwd: string | undefined, group: string | undefined): { uid: number; gid: number } | { error: string } {
  if (!user) return { uid: 0, gid: 0 };
  const [u = '', g] = user.split(':');
  const lookup = (text: string | undefined, name: string, idField: number, gidField?: number): number[] | undefined => {
    for (const line of (text ?? '').split('\n')) {
      const f = line.split(':');
      if (f[0] === name) return [Number(f[idField]), gidField !== undefined ? Number(f[gidField]) : NaN];
    }
    return undefined;
  };
  let uid: number;
  let gid: number;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    gid = 0;
    for (const line of (passwd ?? '').split('\n')) {
      const f = line.split(':');
      if (f[2] === u) gid = Number(f[3]);
    }
  } else {
    const found = lookup(passwd, u, 2, 3);
    if (!found) return { error: `unable to find user ${u}: no matching entries in passwd file` };
    uid = found[0] ?? 0;
    gid = found[1] ?? 0;
  }
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const found = lookup(group, g, 2);
      if (!found) return { error: `unable to find group ${g}: no matching entries in group file` };
      gid = found[0] ?? 0;
    }
  }
  return { uid, gid };
}
