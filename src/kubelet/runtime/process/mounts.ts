// Volumes for the process driver. A host process sees the host's filesystem, so a volume is already
// visible at its hostPath. When root, the container additionally runs in a private mount namespace
// (`unshare --mount --propagation private`) where each volume is bind-mounted onto its containerPath
// (read-only when asked) and the pod's resolv.conf onto /etc/resolv.conf, nothing leaking to the host.
// A containerPath that does not exist on the host cannot be bind-mounted without creating it on the
// host, which we refuse to do: such a volume stays at its hostPath (BERTH_MOUNTS in the container's
// environment lists containerPath=hostPath[:ro] for every volume).
import { existsSync, statSync } from 'node:fs';
import type { Mount } from '../types';
import { hostTool } from './argv';

const MOUNT_SCRIPT = [
  'while [ "$1" != "--" ]; do',
  '  mount --bind "$1" "$2" || { echo "berth: cannot bind-mount $1 on $2" >&2; exit 125; }',
  '  if [ "$3" = ro ]; then mount -o remount,bind,ro "$2" || exit 125; fi',
  '  shift 3',
  'done',
  'shift',
  'exec "$@"',
].join('\n');

function sameKind(a: string, b: string): boolean {
  try {
    return statSync(a).isDirectory() === statSync(b).isDirectory();
  } catch {
    return false;
  }
}

/** The command prefix that sets up the container's mounts, or [] when there is nothing to bind (or not root). */
export function mountPrefix(mounts: Mount[], resolvConf: string | undefined): { prefix: string[]; error?: string } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const binds: string[] = [];
  for (const m of mounts) {
    if (!existsSync(m.hostPath)) return { prefix: [], error: `volume hostPath "${m.hostPath}" does not exist` };
    if (m.containerPath === m.hostPath && !m.readOnly) continue;
    if (!existsSync(m.containerPath) || !sameKind(m.hostPath, m.containerPath)) continue;
    binds.push(m.hostPath, m.containerPath, m.readOnly ? 'ro' : 'rw');
  }
  if (resolvConf && existsSync('/etc/resolv.conf')) binds.push(resolvConf, '/etc/resolv.conf', 'ro');
  if (binds.length === 0) return { prefix: [] };
  return { prefix: [hostTool('unshare'), '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', MOUNT_SCRIPT, 'berth-mounts', ...binds, '--'] };
}
