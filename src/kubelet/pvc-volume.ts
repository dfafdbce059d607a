// persistentVolumeClaim volumes: claim → bound PersistentVolume → its hostPath or local path on this node
// (upstream's kubelet resolves the claim in the volume manager's desired-state populator, then mounts the PV).
// The path is handed to the runtime as a hostPath volume is; `readOnly: true` on the claim source is
// enforced with a read-only bind mount under the pod's volume directory when the kubelet is root.
// Expected misses (claim missing, unbound, terminating; volume missing or bound elsewhere; unsupported
// source) are returned as messages: the caller reports them as FailedMount and the pod waits in
// ContainerCreating, retrying on its next sync, as upstream.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isNotFound, Resources, realClock, type Client, type Clock, type KubeObject, type ObjectMeta } from '../client';
import type { Pod, Volume } from './types';

export interface ClaimObject extends KubeObject {
  metadata: ObjectMeta;
  spec?: { volumeName?: string };
  status?: { phase?: string };
}

export interface VolumeObject extends KubeObject {
  metadata: ObjectMeta;
  spec?: {
    claimRef?: { namespace?: string; name?: string; uid?: string } | null;
    hostPath?: { path: string; type?: string };
    local?: { path: string };
    [k: string]: unknown;
  };
}

/** Where the kubelet reads claims and volumes from. */
export interface ClaimSource {
  claim(namespace: string, name: string): Promise<ClaimObject | undefined>;
  volume(name: string): Promise<VolumeObject | undefined>;
}

/** Claims and volumes by GET, cached for `ttlMs` (default 2 s) so a pod sync costs no request when nothing changed. */
export function createApiClaimSource(client: Client, opts: { clock?: Clock; ttlMs?: number } = {}): ClaimSource {
  const clock = opts.clock ?? realClock;
  const ttl = opts.ttlMs ?? 2000;
  const cache = new Map<string, { at: number; value: KubeObject | undefined }>();
  const get = async <T extends KubeObject>(key: string, fetch: () => Promise<T>): Promise<T | undefined> => {
    const hit = cache.get(key);
    if (hit && clock.now() - hit.at < ttl) return hit.value as T | undefined;
    try {
      const value = await fetch();
      cache.set(key, { at: clock.now(), value });
      return value;
    } catch (e) {
      if (isNotFound(e)) {
        cache.set(key, { at: clock.now(), value: undefined });
        return undefined;
      }
      if (hit) return hit.value as T | undefined; // API unreachable: keep using what we saw
      throw e;
    }
  };
  return {
    claim: (ns, name) => get(`pvc/${ns}/${name}`, () => client.resource<ClaimObject>(Resources.persistentvolumeclaims).get(ns, name)),
    volume: (name) => get(`pv/${name}`, () => client.resource<VolumeObject>(Resources.persistentvolumes).get(undefined, name)),
  };
}

export interface ClaimVolumeSource { claimName: string; readOnly: boolean }

/** The volume's persistentVolumeClaim source, if it is one. */
export function claimVolumeSource(v: Volume): ClaimVolumeSource | undefined {
  const src = v['persistentVolumeClaim'] as { claimName?: unknown; readOnly?: unknown } | undefined;
  if (!src || typeof src !== 'object') return undefined;
  return { claimName: typeof src.claimName === 'string' ? src.claimName : '', readOnly: src.readOnly === true };
}

export type ClaimPathResult = { path: string } | { error: string };

/** Pure resolution of claim + volume objects to the host path (or the reason the pod must wait). */
export function resolveClaimPath(pod: Pod, claimName: string, claim: ClaimObject | undefined, volume: VolumeObject | undefined): ClaimPathResult {
  const ns = pod.metadata.namespace;
  if (!claim) return { error: `persistentvolumeclaim "${claimName}" not found` };
  if (claim.metadata.deletionTimestamp) return { error: `error processing PVC ${ns}/${claimName}: PVC is being deleted` };
  const vn = claim.spec?.volumeName ?? '';
  if (claim.status?.phase !== 'Bound' || !vn) {
    return { error: `PVC ${ns}/${claimName} has non-bound phase ("${claim.status?.phase ?? ''}") or empty pvc.Spec.VolumeName ("${vn}")` };
  }
  if (!volume) return { error: `persistentvolume "${vn}" not found` };
  const ref = volume.spec?.claimRef;
  if (!ref || ref.namespace !== ns || ref.name !== claimName || (ref.uid && ref.uid !== claim.metadata.uid)) {
    return { error: `PV ${vn} is not bound to PVC ${ns}/${claimName}` };
  }
  const path = volume.spec?.hostPath?.path ?? volume.spec?.local?.path;
  if (!path) return { error: `PV ${vn}: unsupported volume source for a PersistentVolume on this node (supported: hostPath, local)` };
  return { path };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function mountedAt(path: string): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === path);
  } catch {
    return false;
  }
}

export const CLAIM_PLUGIN_DIR = 'kubernetes.io~pvc';

export interface ClaimVolumeHost {
  podDir(uid: string): string;
  isRoot: boolean;
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/**
 * Resolves the pod volume `volumeName` (a persistentVolumeClaim source) to a host path the runtime binds.
 * hostPath PVs get their type check (DirectoryOrCreate creates the directory); local PVs must exist.
 */
export async function setUpClaimVolume(pod: Pod, volumeName: string, src: ClaimVolumeSource, host: ClaimVolumeHost, claims: ClaimSource | undefined): Promise<ClaimPathResult> {
  if (!claims) return { error: `volume ${volumeName}: this kubelet cannot read PersistentVolumeClaims (no API client)` };
  const claim = await claims.claim(pod.metadata.namespace, src.claimName);
  const vn = claim?.spec?.volumeName;
  const volume = vn ? await claims.volume(vn) : undefined;
  const r = resolveClaimPath(pod, src.claimName, claim, volume);
  if ('error' in r) return r;
  const type = volume?.spec?.hostPath?.type ?? '';
  if (volume?.spec?.hostPath && type === 'DirectoryOrCreate' && !existsSync(r.path)) mkdirSync(r.path, { recursive: true, mode: 0o777 });
  if ((volume?.spec?.local || type === 'Directory' || type === 'DirectoryOrCreate') && !isDir(r.path)) {
    return { error: `PV ${vn}: path ${r.path} does not exist or is not a directory on this node` };
  }
  if (!src.readOnly) return r;
  if (!host.isRoot) {
    host.event(pod, 'Warning', 'ReadOnlyNotEnforced', `volume ${volumeName}: claim ${src.claimName} is readOnly, but this kubelet is not root and cannot make a read-only bind mount; only volumeMounts[].readOnly applies`);
    return r;
  }
  const target = join(host.podDir(pod.metadata.uid), 'volumes', CLAIM_PLUGIN_DIR, volumeName);
  if (!mountedAt(target)) {
    mkdirSync(target, { recursive: true, mode: 0o750 });
    try {
      execFileSync('mount', ['--bind', r.path, target], { stdio: 'pipe' });
      execFileSync('mount', ['-o', 'remount,bind,ro', target], { stdio: 'pipe' });
    } catch (e) {
      return { error: `volume ${volumeName}: read-only bind mount of ${r.path}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}` };
    }
  }
  return { path: target };
}

/**
 * Unmounts the pod's read-only claim binds. Throws when one stays mounted, so the caller never removes the
 * pod directory through a mount into a PersistentVolume.
 */
export function tearDownClaimVolumes(podDir: string): void {
  const base = join(podDir, 'volumes', CLAIM_PLUGIN_DIR);
  if (!existsSync(base)) return;
  let mounts: string[] = [];
  try {
    mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((mp) => mp.startsWith(`${base}/`));
  } catch {
    return;
  }
  for (const mp of mounts) {
    try {
      execFileSync('umount', [mp], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`unmount ${mp}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
    }
  }
}
