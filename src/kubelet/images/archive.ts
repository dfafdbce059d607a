// Imports image archives (what `docker save`, `skopeo copy … oci-archive:` / `docker-archive:` and
// `ctr export` write) into the store:
//   OCI:    oci-layout, index.json (→ manifests or nested indexes), blobs/sha256/<hex>
//   Docker: manifest.json [{Config, RepoTags, Layers}], layer tars (uncompressed or gzip)
// The archive is indexed once (entry name → offset, size; symlinks followed) and entries are read
// by range, so a multi-GB archive is never held in memory.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImageRecord, ImageStore } from './image-store';
import { normalizeReference } from './reference';
import { selectPlatform } from './pull';
import { TarParser, type TarHeader } from './tar';

interface Entry {
  offset: number;
  size: number;
  linkname?: string;
}

/** Reads a tar file's headers into name → data offset/size (data is read through, never kept). */
export function indexTar(path: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 20);
  let chunkPos = 0;
  let dataStart = -1;
  let current: TarHeader | undefined;
  const parser = new TarParser({
    entry(h) {
      current = h;
      dataStart = -1;
    },
    data(chunk) {
      // Data chunks are views of `buf`: their offset in it gives their position in the file.
      if (dataStart < 0) dataStart = chunkPos + (chunk.byteOffset - buf.byteOffset);
    },
    end() {
      if (!current) return;
      const name = posix.normalize(current.name).replace(/^(\.\/)+/, '').replace(/\/$/, '');
      if (current.type === 'file') out.set(name, { offset: Math.max(0, dataStart), size: current.size });
      else if (current.type === 'symlink' || current.type === 'hardlink') out.set(name, { offset: 0, size: 0, linkname: current.linkname });
      current = undefined;
    },
  });
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, chunkPos);
      if (n === 0) break;
      parser.write(buf.subarray(0, n));
      if (parser.done) break;
      chunkPos += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

class Archive {
  constructor(
    readonly path: string,
    readonly entries: Map<string, Entry>,
  ) {}

  resolve(name: string, depth = 0): Entry | undefined {
    const e = this.entries.get(posix.normalize(name).replace(/^(\.\/)+/, ''));
    if (!e?.linkname || depth > 8) return e;
    const target = e.linkname.startsWith('/') ? e.linkname.slice(1) : posix.join(posix.dirname(name), e.linkname);
    return this.resolve(target, depth + 1) ?? this.resolve(e.linkname, depth + 1);
  }

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  stream(name: string) {
    const e = this.resolve(name);
    if (!e) throw new Error(`archive ${this.path}: no entry "${name}"`);
    if (e.size === 0) return Readable.from([]);
    return createReadStream(this.path, { start: e.offset, end: e.offset + e.size - 1 });
  }

  async read(name: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    const e = this.resolve(name);
    if (e?.size === 0) return Buffer.alloc(0);
    for await (const c of this.stream(name) as AsyncIterable<Buffer>) parts.push(c);
    return Buffer.concat(parts);
  }

  /** Copies an entry into the blob store; `want` (a digest) is verified when given. Returns the digest. */
  async copyBlob(store: ImageStore, name: string, want?: string): Promise<string> {
    if (want && store.hasBlob(want)) return want;
    const hash = createHash('sha256');
    const tmp = `${store.blobPath('sha256:import')}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const tap = new Transform({
      transform(c: Buffer, _e, cb) {
        hash.update(c);
        cb(null, c);
      },
    });
    try {
      await pipeline(this.stream(name), tap, createWriteStream(tmp));
      const got = `sha256:${hash.digest('hex')}`;
      if (want && got !== want) throw new Error(`archive entry ${name}: digest mismatch: got ${got}, want ${want}`);
      if (!existsSync(store.blobPath(got))) renameSync(tmp, store.blobPath(got));
      return got;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string };
}

const blobName = (digest: string): string => `blobs/${digest.replace(':', '/')}`;

function nameFromAnnotations(a: Record<string, string> | undefined, baseName: string | undefined): string | undefined {
  const full = a?.['io.containerd.image.name'];
  if (full) return normalizeReference(full);
  const ref = a?.['org.opencontainers.image.ref.name'];
  if (!ref) return baseName ? normalizeReference(baseName) : undefined;
  // A bare tag ("v1") names the image only together with a base name.
  if (!ref.includes(':') && !ref.includes('/')) return baseName ? normalizeReference(`${baseName.replace(/:[^/]*$/, '')}:${ref}`) : normalizeReference(ref);
  return normalizeReference(ref);
}

async function importOci(store: ImageStore, ar: Archive, baseName: string | undefined): Promise<ImageRecord[]> {
  const out: ImageRecord[] = [];
  const visit = async (d: Descriptor, name: string | undefined): Promise<void> => {
    const body = JSON.parse((await ar.read(blobName(d.digest))).toString('utf8')) as { mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
    if (body.manifests) {
      const pick = selectPlatform(body.manifests);
      if (!pick) throw new Error(`no linux manifest for this architecture in index ${d.digest}`);
      return visit(pick, name);
    }
    if (!body.config) throw new Error(`manifest ${d.digest} has no config`);
    for (const b of [d, body.config, ...(body.layers ?? [])]) await ar.copyBlob(store, blobName(b.digest), b.digest);
    out.push(await store.addImage({
      configDigest: body.config.digest,
      layerBlobs: (body.layers ?? []).map((l) => l.digest),
      repoTags: name ? [name] : [],
      repoDigests: [],
    }));
  };
  const index = JSON.parse((await ar.read('index.json')).toString('utf8')) as { manifests?: Descriptor[] };
  for (const d of index.manifests ?? []) await visit(d, nameFromAnnotations(d.annotations, baseName));
  return out;
}

async function importDocker(store: ImageStore, ar: Archive): Promise<ImageRecord[]> {
  const manifest = JSON.parse((await ar.read('manifest.json')).toString('utf8')) as Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>;
  const out: ImageRecord[] = [];
  for (const m of manifest) {
    const configDigest = await ar.copyBlob(store, m.Config);
    const layerBlobs: string[] = [];
    for (const l of m.Layers) layerBlobs.push(await ar.copyBlob(store, l));
    out.push(await store.addImage({ configDigest, layerBlobs, repoTags: (m.RepoTags ?? []).map(normalizeReference), repoDigests: [] }));
  }
  return out;
}

/** Imports every image of an OCI or Docker archive; `baseName` names images the archive leaves unnamed. */
export async function importArchive(store: ImageStore, path: string, baseName?: string): Promise<ImageRecord[]> {
  const ar = new Archive(path, indexTar(path));
  if (ar.has('index.json') && ar.has('oci-layout')) return importOci(store, ar, baseName);
  if (ar.has('manifest.json')) return importDocker(store, ar);
  throw new Error(`${path}: neither an OCI archive (oci-layout, index.json) nor a Docker archive (manifest.json)`);
}
