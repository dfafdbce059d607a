// Pod volumes on the node, under <dataDir>/pods/<uid>/volumes/<plugin>/<name> as upstream lays them out:
// emptyDir (disk, or tmpfs for medium Memory when root), hostPath (with its type check), configMap,
// secret, downwardAPI and projected (through the atomic writer, so updates replace files in place).
// Errors are VolumeError (reported as FailedMount events; the containers wait in ContainerCreating).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic, type FileProjection } from './atomic-writer';
import { fieldRefValue, formatMap, resourceFieldValue, type ConfigSource, type EnvContext } from './env';
import { parseQuantity } from './quantity';
import { projectServiceAccountToken, type ServiceAccountTokenSource } from './sa-token';
import { claimVolumeSource, setUpClaimVolume, tearDownClaimVolumes, type ClaimSource } from './pvc-volume';
import type { ConfigMap, DownwardAPIVolumeFile, KeyToPath, Pod, Secret, Volume } from './types';

export class VolumeError extends Error {
  override name = 'VolumeError';
}

export interface VolumeHost {
  podDir(uid: string): string;
  isRoot: boolean;
  /** Pod event (e.g. the skipped serviceAccountToken projection). */
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Bound service-account tokens for projections (default: requested through the config source's API client). */
  tokens?: ServiceAccountTokenSource;
  /** PersistentVolumeClaims and PersistentVolumes (default: read through the config source's API client). */
  claims?: ClaimSource;
}

const DEFAULT_MODE = 0o644;

function pluginDir(volume: Volume): string {
  if (volume.emptyDir) return 'kubernetes.io~empty-dir';
  if (volume.configMap) return 'kubernetes.io~configmap';
  if (volume.secret) return 'kubernetes.io~secret';
  if (volume.downwardAPI) return 'kubernetes.io~downward-api';
  if (volume.projected) return 'kubernetes.io~projected';
  return 'kubernetes.io~other';
}

function isMounted(path: string): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === path);
  } catch {
    return false;
  }
}

function checkHostPath(path: string, type: string | undefined): void {
  const st = (): ReturnType<typeof statSync> | undefined => {
    try {
      return statSync(path);
    } catch {
      return undefined;
    }
  };
  switch (type ?? '') {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!st()) mkdirSync(path, { recursive: true, mode: 0o755 });
      if (!st()?.isDirectory()) throw new VolumeError(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'Directory':
      if (!st()?.isDirectory()) throw new VolumeError(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'FileOrCreate':
      if (!st()) writeFileSync(path, '', { mode: 0o644 });
      if (!st()?.isFile()) throw new VolumeError(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'File':
      if (!st()?.isFile()) throw new VolumeError(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'Socket':
      if (!st()?.isSocket()) throw new VolumeError(`hostPath type check failed: ${path} is not a socket file`);
      return;
    case 'CharDevice':
      if (!st()?.isCharacterDevice()) throw new VolumeError(`hostPath type check failed: ${path} is not a character device`);
      return;
    case 'BlockDevice':
      if (!st()?.isBlockDevice()) throw new VolumeError(`hostPath type check failed: ${path} is not a block device`);
      return;
    default:
      throw new VolumeError(`hostPath type check failed: unknown type ${type}`);
  }
}

function keyed(data: Map<string, Buffer>, items: KeyToPath[] | undefined, mode: number, what: string, optional: boolean | undefined, into: Map<string, FileProjection>): void {
  if (!items?.length) {
    for (const [k, v] of data) into.set(k, { data: v, mode });
    return;
  }
  for (const it of items) {
    const v = data.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      throw new VolumeError(`configmap references non-existent config key: ${it.key}`.replace('configmap', what));
    }
    into.set(it.path, { data: v, mode: it.mode ?? mode });
  }
}

function cmData(cm: ConfigMap): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) m.set(k, Buffer.from(v));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) m.set(k, Buffer.from(v, 'base64'));
  return m;
}

function secretData(s: Secret): Map<string, Buffer> {
  return new Map(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

function downward(items: DownwardAPIVolumeFile[] | undefined, pod: Pod, ctx: EnvContext, mode: number, into: Map<string, FileProjection>): void {
  for (const it of items ?? []) {
    let v = '';
    if (it.fieldRef) {
      const p = it.fieldRef.fieldPath;
      v = p === 'metadata.labels' ? formatMap(pod.metadata.labels) : p === 'metadata.annotations' ? formatMap(pod.metadata.annotations) : fieldRefValue(pod, it.fieldRef, ctx);
    } else if (it.resourceFieldRef) v = resourceFieldValue(pod, undefined, it.resourceFieldRef, ctx.nodeAllocatable);
    into.set(it.path, { data: Buffer.from(v), mode: it.mode ?? mode });
  }
}

async function configMapPayload(src: ConfigSource, ns: string, name: string, items: KeyToPath[] | undefined, optional: boolean | undefined, mode: number, into: Map<string, FileProjection>): Promise<void> {
  const cm = await src.configMap(ns, name);
  if (!cm) {
    if (optional) return;
    throw new VolumeError(`configmap "${name}" not found`);
  }
  keyed(cmData(cm), items, mode, 'configmap', optional, into);
}

async function secretPayload(src: ConfigSource, ns: string, name: string, items: KeyToPath[] | undefined, optional: boolean | undefined, mode: number, into: Map<string, FileProjection>): Promise<void> {
  const s = await src.secret(ns, name);
  if (!s) {
    if (optional) return;
    throw new VolumeError(`secret "${name}" not found`);
  }
  keyed(secretData(s), items, mode, 'secret', optional, into);
}

/**
 * Sets up (or refreshes) every volume of the pod; returns volume name → host path. Idempotent: configMap,
 * secret, downwardAPI and projected contents are rewritten only when they changed.
 */
export async function setUpVolumes(pod: Pod, host: VolumeHost, src: ConfigSource, ctx: EnvContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ns = pod.metadata.namespace;
  for (const v of pod.spec.volumes ?? []) {
    if (v.hostPath) {
      checkHostPath(v.hostPath.path, v.hostPath.type);
      out.set(v.name, v.hostPath.path);
      continue;
    }
    const claim = claimVolumeSource(v);
    if (claim) {
      const r = await setUpClaimVolume(pod, v.name, claim, host, host.claims);
      if ('error' in r) throw new VolumeError(r.error);
      out.set(v.name, r.path);
      continue;
    }
    const dir = join(host.podDir(pod.metadata.uid), 'volumes', pluginDir(v), v.name);
    if (v.emptyDir) {
      mkdirSync(dir, { recursive: true, mode: 0o777 });
      if (v.emptyDir.medium === 'Memory' && host.isRoot && !isMounted(dir)) {
        const size = parseQuantity(v.emptyDir.sizeLimit);
        const opts = size ? ['-o', `size=${Math.ceil(size)}`] : [];
        try {
          execFileSync('mount', ['-t', 'tmpfs', ...opts, 'tmpfs', dir], { stdio: 'pipe' });
        } catch (e) {
          throw new VolumeError(`mount tmpfs for emptyDir ${v.name}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
        }
      }
      out.set(v.name, dir);
      continue;
    }
    const payload = new Map<string, FileProjection>();
    if (v.configMap) {
      await configMapPayload(src, ns, v.configMap.name ?? '', v.configMap.items, v.configMap.optional, v.configMap.defaultMode ?? DEFAULT_MODE, payload);
    } else if (v.secret) {
      await secretPayload(src, ns, v.secret.secretName ?? '', v.secret.items, v.secret.optional, v.secret.defaultMode ?? DEFAULT_MODE, payload);
    } else if (v.downwardAPI) {
      downward(v.downwardAPI.items, pod, ctx, v.downwardAPI.defaultMode ?? DEFAULT_MODE, payload);
    } else if (v.projected) {
      const mode = v.projected.defaultMode ?? DEFAULT_MODE;
      // The sources are fetched concurrently (kube-api-access: the TokenRequest and the kube-root-ca.crt
      // ConfigMap in one round trip's time, not two) and merged in their order, later paths winning as before.
      const parts = await Promise.all((v.projected.sources ?? []).map(async (s) => {
        const part = new Map<string, FileProjection>();
        const [, , token] = await Promise.all([
          s.configMap ? configMapPayload(src, ns, s.configMap.name ?? '', s.configMap.items, s.configMap.optional, mode, part) : undefined,
          s.secret ? secretPayload(src, ns, s.secret.name ?? '', s.secret.items, s.secret.optional, mode, part) : undefined,
          s.serviceAccountToken && host.tokens ? projectServiceAccountToken(pod, s.serviceAccountToken, host.tokens) : undefined,
        ]);
        if (s.downwardAPI) downward(s.downwardAPI.items, pod, ctx, mode, part);
        if (s.serviceAccountToken && token) {
          if ('error' in token) throw new VolumeError(token.error);
          part.set(s.serviceAccountToken.path, { data: token.data, mode });
        } else if (s.serviceAccountToken && !existsSync(join(dir, '..data'))) {
          host.event(pod, 'Warning', 'ServiceAccountTokenSkipped',
            `volume ${v.name}: no API client to request the serviceAccountToken projection (${s.serviceAccountToken.path}); the file is not written`);
        }
        return part;
      }));
      for (const part of parts) for (const [k, f] of part) payload.set(k, f);
    } else {
      throw new VolumeError(`volume ${v.name}: unsupported volume type (supported: emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim)`);
    }
    writeAtomic(dir, payload);
    out.set(v.name, dir);
  }
  return out;
}

/** Unmounts tmpfs emptyDirs and removes the pod's directory. */
export function tearDownVolumes(uid: string, host: VolumeHost): void {
  const podDir = host.podDir(uid);
  tearDownClaimVolumes(podDir); // throws rather than let rmSync below reach into a PersistentVolume
  const ed = join(podDir, 'volumes', 'kubernetes.io~empty-dir');
  if (host.isRoot && existsSync(ed)) {
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const mp = line.split(' ')[1];
      if (mp && mp.startsWith(`${ed}/`)) {
        try {
          execFileSync('umount', [mp], { stdio: 'pipe' });
        } catch {
          // best effort: removal below reports what is left
        }
      }
    }
  }
  rmSync(podDir, { recursive: true, force: true });
}
