// The content-addressed image store under <dataDir>/images:
//
//   blobs/sha256/<hex>        manifests, configs, (compressed) layers, verified by digest
//   layers/<diffhex>/         each layer unpacked once, in overlayfs format (see unpack.ts)
//   index.json                images by id (config digest) and the references naming them
//
// Invariants: a blob file exists only with content matching its name (written to a temp file, checked,
// renamed); a layer directory exists only when fully unpacked with the expected diffID (unpacked into
// layers/.tmp-*, renamed); index.json is replaced atomically and re-read on every operation, so the
// `berth images` CLI and a running kubelet see each other's changes.
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { unpackLayer } from './unpack';

export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  stopSignal?: string;
}

export interface ImageRecord {
  /** The image id: its config's digest (what Kubernetes shows as imageID without a repo digest). */
  id: string;
  /** Normalised `registry/repo:tag` names. */
  repoTags: string[];
  /** `registry/repo@sha256:…` (the manifest digest), for pulled images. */
  repoDigests: string[];
  /** diffIDs, bottom layer first. */
  layers: string[];
  /** Every blob the image needs: config then compressed layers (the manifest digest is in repoDigests). */
  blobs: string[];
  /** Bytes on disk: unpacked layers plus blobs. */
  size: number;
  config: ImageConfig;
  createdAt: string;
  lastUsed: string;
}

interface Index {
  images: Record<string, ImageRecord>;
}

const hex = (digest: string): string => digest.replace(/^sha256:/, '');

export function parseImageConfig(buf: Buffer): { config: ImageConfig; diffIds: string[]; os?: string; architecture?: string } {
  const doc = JSON.parse(buf.toString('utf8')) as {
    config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null; WorkingDir?: string; User?: string; StopSignal?: string };
    rootfs?: { diff_ids?: string[] };
    os?: string;
    architecture?: string;
  };
  const c = doc.config ?? {};
  const config: ImageConfig = {};
  if (c.Entrypoint?.length) config.entrypoint = c.Entrypoint;
  if (c.Cmd?.length) config.cmd = c.Cmd;
  if (c.Env?.length) config.env = c.Env;
  if (c.WorkingDir) config.workingDir = c.WorkingDir;
  if (c.User) config.user = c.User;
  if (c.StopSignal) config.stopSignal = c.StopSignal;
  return { config, diffIds: doc.rootfs?.diff_ids ?? [], os: doc.os, architecture: doc.architecture };
}

function duBytes(path: string): number {
  let total = 0;
  const walk = (p: string): void => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const full = join(p, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) total += statSync(full).size;
    }
  };
  walk(path);
  return total;
}

export class ImageStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'images');
    mkdirSync(join(this.root, 'blobs', 'sha256'), { recursive: true });
    mkdirSync(join(this.root, 'layers'), { recursive: true });
  }

  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', hex(digest));
  }

  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  get layersDir(): string {
    return join(this.root, 'layers');
  }

  layerPath(diffId: string): string {
    return join(this.layersDir, hex(diffId));
  }

  load(): Index {
    try {
      return JSON.parse(readFileSync(join(this.root, 'index.json'), 'utf8')) as Index;
    } catch {
      return { images: {} };
    }
  }

  save(idx: Index): void {
    const tmp = join(this.root, `index.json.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(idx, null, 1));
    renameSync(tmp, join(this.root, 'index.json'));
  }

  /** Unpacks a stored layer blob unless its directory exists; checks the diffID. */
  async ensureLayer(blobDigest: string, diffId: string): Promise<number> {
    const dest = this.layerPath(diffId);
    if (existsSync(dest)) return duBytes(dest);
    const tmp = join(this.layersDir, `.tmp-${randomBytes(6).toString('hex')}`);
    mkdirSync(tmp);
    try {
      const r = await unpackLayer(createReadStream(this.blobPath(blobDigest)), tmp);
      if (r.diffId !== diffId) throw new Error(`layer ${blobDigest}: diffID mismatch: got ${r.diffId}, want ${diffId}`);
      if (existsSync(dest)) rmSync(tmp, { recursive: true, force: true });
      else renameSync(tmp, dest);
      return r.size;
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Records an image whose blobs are stored: unpacks its layers, then adds it to the index under its
   * names (a name moves from any other image to this one, as a tag does).
   */
  async addImage(o: { configDigest: string; layerBlobs: string[]; repoTags: string[]; repoDigests: string[] }): Promise<ImageRecord> {
    const cfgBuf = readFileSync(this.blobPath(o.configDigest));
    const { config, diffIds } = parseImageConfig(cfgBuf);
    if (diffIds.length !== o.layerBlobs.length) {
      throw new Error(`image config lists ${diffIds.length} layers but the manifest has ${o.layerBlobs.length}`);
    }
    let size = cfgBuf.length;
    for (let i = 0; i < diffIds.length; i++) {
      size += await this.ensureLayer(o.layerBlobs[i] ?? '', diffIds[i] ?? '');
      size += statSync(this.blobPath(o.layerBlobs[i] ?? '')).size;
    }
    const now = new Date().toISOString();
    const idx = this.load();
    const prev = idx.images[o.configDigest];
    const rec: ImageRecord = {
      id: o.configDigest,
      repoTags: [...new Set([...(prev?.repoTags ?? []), ...o.repoTags])],
      repoDigests: [...new Set([...(prev?.repoDigests ?? []), ...o.repoDigests])],
      layers: diffIds,
      size,
      config,
      createdAt: prev?.createdAt ?? now,
      lastUsed: now,
      blobs: [o.configDigest, ...o.layerBlobs],
    };
    for (const other of Object.values(idx.images)) {
      if (other.id === rec.id) continue;
      other.repoTags = other.repoTags.filter((t) => !rec.repoTags.includes(t));
    }
    idx.images[rec.id] = rec;
    this.save(idx);
    return rec;
  }

  /** Adds a name to an existing image (like `ctr images tag`). */
  tag(id: string, name: string): void {
    const idx = this.load();
    const rec = idx.images[id];
    if (!rec) throw new Error(`image ${id} not found`);
    for (const other of Object.values(idx.images)) other.repoTags = other.repoTags.filter((t) => t !== name);
    rec.repoTags.push(name);
    this.save(idx);
  }

  /** Finds an image by a normalised name, a repo digest, or its id (full or a prefix of ≥ 12 hex). */
  find(key: string): ImageRecord | undefined {
    const images = Object.values(this.load().images);
    return images.find((i) => i.repoTags.includes(key) || i.repoDigests.includes(key) || i.id === key) ??
      (/^(sha256:)?[a-f0-9]{12,64}$/.test(key) ? images.find((i) => hex(i.id).startsWith(hex(key))) : undefined);
  }

  touch(id: string): void {
    const idx = this.load();
    const rec = idx.images[id];
    if (!rec) return;
    rec.lastUsed = new Date().toISOString();
    this.save(idx);
  }

  deleteImage(id: string): void {
    const idx = this.load();
    delete idx.images[id];
    this.save(idx);
  }

  /**
   * Removes blobs and layer directories no image references, except layers in `busyLayers` (hex,
   * mounted by a container) and temp dirs of unpacks in flight. Returns the bytes freed.
   */
  prune(busyLayers: Set<string>): number {
    const idx = this.load();
    const blobs = new Set<string>();
    const layers = new Set<string>();
    for (const img of Object.values(idx.images)) {
      for (const b of img.blobs ?? []) blobs.add(hex(b));
      for (const l of img.layers) layers.add(hex(l));
    }
    let freed = 0;
    const blobDir = join(this.root, 'blobs', 'sha256');
    for (const name of readdirSync(blobDir)) {
      if (blobs.has(name) || name.includes('.partial-')) continue;
      freed += statSync(join(blobDir, name)).size;
      rmSync(join(blobDir, name), { force: true });
    }
    for (const name of readdirSync(this.layersDir)) {
      if (layers.has(name) || busyLayers.has(name) || name.startsWith('.tmp-')) continue;
      freed += duBytes(join(this.layersDir, name));
      rmSync(join(this.layersDir, name), { recursive: true, force: true });
    }
    return freed;
  }
}
