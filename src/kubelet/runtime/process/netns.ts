// Per-pod network namespaces through iproute2 (`ip netns`), root only. Loopback is brought up; other
// interfaces are CNI's job (later).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function netnsName(podUid: string): string {
  return `berth-${podUid.replace(/[^a-zA-Z0-9]/g, '').slice(0, 12)}`;
}

export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

export async function ipAvailable(): Promise<boolean> {
  try {
    await run('ip', ['-V']);
    return true;
  } catch {
    return false;
  }
}

/** Creates the namespace (reusing one left by a crashed run) with loopback up. */
export async function createNetns(name: string): Promise<string> {
  if (!existsSync(netnsPath(name))) await run('ip', ['netns', 'add', name]);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return netnsPath(name);
}

/** Deletes the namespace; an absent one is not an error. */
export async function deleteNetns(name: string): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  await run('ip', ['netns', 'delete', name]);
}
