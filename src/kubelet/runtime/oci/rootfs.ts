// A container's root filesystem: an overlayfs mount of the image's layer directories (lowerdir, top
// first) with a per-container upper and work dir. mount(8) runs with its working directory in the
// layer store and names the layers relatively (64 hex each), so ~60 layers fit the one-page limit of
// the mount options; mountinfo then shows the layer names, which is how the image store knows a layer
// is in use.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function isMounted(target: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === target);
  } catch {
    return false;
  }
}

/** Mounts the overlay at `<dir>/rootfs` (upper/work beside it); idempotent. */
export async function mountRootfs(dir: string, layersRoot: string, layerDirs: string[]): Promise<string> {
  const target = join(dir, 'rootfs');
  for (const d of ['rootfs', 'upper', 'work', 'empty']) mkdirSync(join(dir, d), { recursive: true });
  if (isMounted(target)) return target;
  // An image without layers still needs one lowerdir.
  const lower = layerDirs.length ? layerDirs.map((l) => basename(l)).join(':') : join(dir, 'empty');
  await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, target], { cwd: layersRoot });
  return target;
}

/** Unmounts (lazily if busy) and removes the container's filesystem dirs. */
export async function removeRootfs(dir: string): Promise<void> {
  const target = join(dir, 'rootfs');
  if (isMounted(target)) {
    try {
      await run('umount', [target]);
    } catch {
      await run('umount', ['-l', target]);
    }
  }
  if (existsSync(dir)) for (const d of ['rootfs', 'upper', 'work', 'empty']) rmSync(join(dir, d), { recursive: true, force: true });
}
