// The image service: pull (registries.yaml mirrors and credentials, imagePullSecrets), status, list,
// remove, archive import, tags, and garbage collection by disk usage (kubelet's image GC: above the high
// watermark, remove unused images least recently used first until below the low one).
import { readFileSync, statfsSync } from 'node:fs';
import { importArchive } from './archive';
import { ImageError } from './errors';
import { ImageStore, type ImageRecord } from './image-store';
import { pullImage, type PullAuth } from './pull';
import { formatReference, parseReference } from './reference';
import { loadRegistries } from './registries';

export type Logger = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;

export interface ImageServiceOptions {
  /** Images live under `<dataDir>/images`. */
  dataDir: string;
  /** registries.yaml (k3s format); re-read on every pull, absent file = no mirrors. */
  registriesFile?: string;
  /** Never fall back from the mirrors to the registry itself (k3s --disable-default-registry-endpoint). */
  disableDefaultEndpoint?: boolean;
  log?: Logger;
}

export interface GcOptions {
  /** Image ids (or names) used by containers: never removed. */
  inUse?: Iterable<string>;
  /** Defaults 85 and 80, as the kubelet's imageGCHigh/LowThresholdPercent. */
  highThresholdPercent?: number;
  lowThresholdPercent?: number;
  /** Disk usage of the image filesystem; injected by tests. Default: statfs of the data dir. */
  diskUsage?: () => { capacityBytes: number; usedBytes: number };
}

export interface GcResult {
  removed: string[];
  freedBytes: number;
}

export interface ImageService {
  /** Pulls `ref` (always contacts the registry). Rejects with ImageError ErrImagePull / InvalidImageName. */
  pull(ref: string, opts?: { auth?: PullAuth }): Promise<ImageRecord>;
  /** The image a reference (name, name@digest, or id) names, or undefined. */
  status(ref: string): ImageRecord | undefined;
  /**
   * The image for a container under Kubernetes' pull policy: Always pulls, IfNotPresent pulls when
   * missing, Never fails with ErrImageNeverPull when missing.
   */
  ensure(ref: string, policy: 'Always' | 'IfNotPresent' | 'Never', opts?: { auth?: PullAuth }): Promise<ImageRecord>;
  list(): ImageRecord[];
  /** Removes a name (the image goes when its last name does) or, given an id, the image. False if unknown. */
  remove(ref: string): boolean;
  tag(ref: string, name: string): void;
  importArchive(path: string, opts?: { baseName?: string }): Promise<ImageRecord[]>;
  gc(opts?: GcOptions): GcResult;
  /** Layer directories for overlay lowerdir, top layer first. */
  layerDirs(img: ImageRecord): string[];
  readonly layersRoot: string;
}

/** Hex diffIDs of the layers mounted by overlayfs mounts (any process): they must never be deleted. */
export function mountedLayers(layersRoot: string): Set<string> {
  const out = new Set<string>();
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.includes(' - overlay ')) continue;
    const m = /lowerdir=([^,]*)/.exec(line);
    for (const p of (m?.[1] ?? '').split(':')) {
      const name = p.startsWith(layersRoot) ? p.slice(layersRoot.length + 1) : p;
      if (/^[a-f0-9]{64}$/.test(name)) out.add(name);
    }
  }
  return out;
}

/** Normalises a user-typed reference, or returns it unchanged when it is an image id (prefix). */
function key(ref: string): string {
  if (/^(sha256:)?[a-f0-9]{12,64}$/.test(ref)) return ref;
  return formatReference(parseReference(ref));
}

export function createImageService(o: ImageServiceOptions): ImageService {
  const store = new ImageStore(o.dataDir);
  const log = o.log ?? (() => undefined);
  const inflight = new Map<string, Promise<ImageRecord>>();

  const pull = (ref: string, opts?: { auth?: PullAuth }): Promise<ImageRecord> => {
    const parsed = parseReference(ref);
    const k = formatReference(parsed);
    const running = inflight.get(k);
    if (running) return running;
    const p = (async () => {
      log('info', `pulling image ${k}`);
      const cfg = loadRegistries(o.registriesFile);
      const rec = await pullImage(store, cfg, parsed, { ...(opts?.auth ? { auth: opts.auth } : {}), ...(o.disableDefaultEndpoint ? { disableDefaultEndpoint: true } : {}) });
      log('info', `pulled image ${k} (${rec.id})`);
      return rec;
    })().finally(() => inflight.delete(k));
    inflight.set(k, p);
    return p;
  };

  const svc: ImageService = {
    layersRoot: store.layersDir,
    pull,
    status: (ref) => store.find(key(ref)),
    async ensure(ref, policy, opts) {
      const k = key(ref);
      const have = store.find(k);
      if (policy === 'Never' && !have) throw new ImageError('ErrImageNeverPull', `Container image "${ref}" is not present with pull policy of Never`);
      if (have && policy !== 'Always') {
        store.touch(have.id);
        return have;
      }
      return pull(ref, opts);
    },
    list: () => Object.values(store.load().images).sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    remove(ref) {
      const k = key(ref);
      const img = store.find(k);
      if (!img) return false;
      // Docker's rmi: a tag is untagged; the image goes with its last tag, or when named by id/digest.
      if (img.repoTags.includes(k) && img.repoTags.length > 1) {
        const idx = store.load();
        const cur = idx.images[img.id];
        if (cur) cur.repoTags = cur.repoTags.filter((t) => t !== k);
        store.save(idx);
        return true;
      }
      store.deleteImage(img.id);
      store.prune(mountedLayers(store.layersDir));
      return true;
    },
    tag(ref, name) {
      const img = store.find(key(ref));
      if (!img) throw new ImageError('ErrImageNeverPull', `image "${ref}" not found`);
      store.tag(img.id, key(name));
    },
    async importArchive(path, opts) {
      const recs = await importArchive(store, path, opts?.baseName);
      log('info', `imported ${recs.length} image(s) from ${path}: ${recs.flatMap((r) => r.repoTags).join(', ') || recs.map((r) => r.id).join(', ')}`);
      return recs;
    },
    gc(opts = {}) {
      const high = opts.highThresholdPercent ?? 85;
      const low = opts.lowThresholdPercent ?? 80;
      const usage = opts.diskUsage?.() ?? (() => {
        const s = statfsSync(store.root);
        return { capacityBytes: s.blocks * s.bsize, usedBytes: (s.blocks - s.bfree) * s.bsize };
      })();
      const result: GcResult = { removed: [], freedBytes: 0 };
      if (usage.capacityBytes <= 0 || (usage.usedBytes * 100) / usage.capacityBytes < high) return result;
      const toFree = usage.usedBytes - (usage.capacityBytes * low) / 100;
      const busyLayers = mountedLayers(store.layersDir);
      const inUse = new Set<string>();
      for (const r of opts.inUse ?? []) {
        const img = store.find(key(r));
        if (img) inUse.add(img.id);
      }
      const candidates = svc.list()
        .filter((i) => !inUse.has(i.id) && !i.layers.some((l) => busyLayers.has(l.replace(/^sha256:/, ''))))
        .sort((a, b) => a.lastUsed.localeCompare(b.lastUsed));
      for (const img of candidates) {
        if (result.freedBytes >= toFree) break;
        store.deleteImage(img.id);
        result.removed.push(img.id);
        result.freedBytes += img.size;
        log('info', `image GC: removed ${img.repoTags[0] ?? img.id} (${img.size} bytes)`);
      }
      if (result.removed.length) store.prune(busyLayers);
      return result;
    },
    layerDirs: (img) => [...img.layers].reverse().map((l) => store.layerPath(l)),
  };
  return svc;
}
