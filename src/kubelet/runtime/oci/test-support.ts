// Test support for the oci driver and the image service: a busybox image built from Debian's
// busybox-static with umoci (no registry on the internet needed), archives through skopeo, and a
// Debian `docker-registry` on a loopback port. Missing tools fail with the setup command (never skip).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import http from 'node:http';

const run = promisify(execFile);

const TOOLS: Record<string, string> = { umoci: 'umoci', skopeo: 'skopeo', 'docker-registry': 'docker-registry', runc: 'runc', busybox: 'busybox-static' };

/** Throws naming the setup script when a needed tool is missing. */
export async function requireTools(names: string[]): Promise<void> {
  const missing: string[] = [];
  for (const n of names) {
    try {
      await run('sh', ['-c', `command -v ${n}`]);
    } catch {
      missing.push(`${n} (Debian ${TOOLS[n] ?? n})`);
    }
  }
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: run \`bash scripts/setup-system.sh\``);
}

const APPLETS = ['sh', 'sleep', 'cat', 'echo', 'true', 'false', 'pwd', 'id', 'head', 'tail', 'ls', 'touch', 'printf', 'env', 'ps', 'kill', 'wc', 'mkdir', 'rm', 'tty', 'stty'];

/**
 * Builds an OCI layout `<dir>/layout` holding busybox at tag `tag` (one layer: /bin/busybox plus applet
 * links, /etc/passwd), with an optional CMD; returns the layout path.
 */
export async function buildBusyboxLayout(dir: string, tag: string, opts: { cmd?: string[]; extraLayer?: (rootfs: string) => void } = {}): Promise<string> {
  const layout = join(dir, 'layout');
  const bundle = join(dir, `bundle-${tag}`);
  if (!existsSync(layout)) await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:${tag}`]);
  await run('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  const rootfs = join(bundle, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  await run('umoci', ['repack', '--image', `${layout}:${tag}`, bundle]);
  if (opts.extraLayer) {
    opts.extraLayer(rootfs);
    await run('umoci', ['repack', '--image', `${layout}:${tag}`, bundle]);
  }
  if (opts.cmd) await run('umoci', ['config', '--image', `${layout}:${tag}`, ...opts.cmd.flatMap((c) => ['--config.cmd', c])]);
  return layout;
}

export async function ociArchive(layout: string, tag: string, dest: string, name: string): Promise<string> {
  await run('skopeo', ['copy', `oci:${layout}:${tag}`, `oci-archive:${dest}:${name}`]);
  return dest;
}

export async function dockerArchive(layout: string, tag: string, dest: string, name: string): Promise<string> {
  await run('skopeo', ['copy', `oci:${layout}:${tag}`, `docker-archive:${dest}:${name}`]);
  return dest;
}

export async function pushToRegistry(layout: string, tag: string, port: number, repoTag: string): Promise<void> {
  await run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://127.0.0.1:${port}/${repoTag}`]);
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

export interface TestRegistry {
  port: number;
  stop(): Promise<void>;
}

/** Starts Debian's docker-registry (distribution v2) on 127.0.0.1:<free port>, storage under dir. */
export async function startRegistry(dir: string, extraConfig = ''): Promise<TestRegistry> {
  const port = await freePort();
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const cfg = join(dir, 'registry.yml');
  writeFileSync(cfg, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\nhttp:\n  addr: 127.0.0.1:${port}\n${extraConfig}`);
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const up = async (): Promise<boolean> => new Promise((resolve) => {
    const req = http.get(`http://127.0.0.1:${port}/v2/`, (res) => {
      res.resume();
      resolve(res.statusCode === 200 || res.statusCode === 401);
    });
    req.on('error', () => resolve(false));
  });
  for (let i = 0; i < 200 && !(await up()); i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    await sleep(25);
  }
  return {
    port,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      if (child.pid) process.kill(child.pid, 'SIGTERM');
      await gone;
    },
  };
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
