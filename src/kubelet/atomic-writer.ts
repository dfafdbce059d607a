// Writes a volume's files the way upstream's AtomicWriter does (pkg/volume/util/atomic_writer.go), so a
// reader never sees a half-updated set:
//
//   dir/..2025_01_01_00_00_00.123456/   the payload (timestamped, immutable once written)
//   dir/..data -> ..2025_01_01_…        swapped atomically by rename(2) of a temporary symlink
//   dir/<key>  -> ..data/<key>           one user-visible symlink per top-level path
//
// A write whose payload equals what ..data holds does nothing.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';

export interface FileProjection {
  data: Buffer;
  mode: number;
}

const DATA = '..data';

function validPath(p: string): boolean {
  const n = normalize(p);
  return p !== '' && !p.startsWith('/') && !n.startsWith('..') && !n.split(sep).includes('..') && !p.startsWith('..');
}

function unchanged(dir: string, payload: Map<string, FileProjection>): boolean {
  const dataDir = join(dir, DATA);
  if (!existsSync(dataDir)) return false;
  const existing = listFiles(dataDir, '');
  if (existing.length !== payload.size) return false;
  for (const [p, f] of payload) {
    const file = join(dataDir, p);
    if (!existsSync(file)) return false;
    if (!readFileSync(file).equals(f.data)) return false;
    if ((lstatSync(file).mode & 0o777) !== (f.mode & 0o777)) return false;
  }
  return true;
}

function listFiles(root: string, rel: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(root, r));
    else out.push(r);
  }
  return out;
}

/** Makes `dir` hold exactly `payload` (paths relative, no `..`). Returns true when something changed. */
export function writeAtomic(dir: string, payload: Map<string, FileProjection>, now: Date = new Date()): boolean {
  for (const p of payload.keys()) if (!validPath(p)) throw new Error(`invalid path in volume payload: ${JSON.stringify(p)}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (unchanged(dir, payload)) return false;
  const stamp = now.toISOString().replace(/[-:T]/g, '_').replace(/\..*/, '');
  const tsName = `..${stamp}.${process.hrtime.bigint() % 1_000_000_000n}`;
  const tsDir = join(dir, tsName);
  mkdirSync(tsDir, { mode: 0o755 });
  for (const [p, f] of payload) {
    const file = join(tsDir, p);
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    writeFileSync(file, f.data);
    chmodSync(file, f.mode & 0o7777);
  }
  let old: string | undefined;
  try {
    old = readlinkSync(join(dir, DATA));
  } catch {
    old = undefined;
  }
  const tmp = join(dir, '..data_tmp');
  rmSync(tmp, { force: true });
  symlinkSync(tsName, tmp);
  renameSync(tmp, join(dir, DATA));
  const wanted = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
  for (const top of wanted) {
    const link = join(dir, top);
    let ok = false;
    try {
      ok = lstatSync(link).isSymbolicLink() && readlinkSync(link) === join(DATA, top);
    } catch {
      ok = false;
    }
    if (!ok) {
      rmSync(link, { recursive: true, force: true });
      symlinkSync(join(DATA, top), link);
    }
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..')) continue;
    if (!wanted.has(e)) rmSync(join(dir, e), { recursive: true, force: true });
  }
  if (old && old !== tsName && old.startsWith('..')) rmSync(join(dir, old), { recursive: true, force: true });
  return true;
}
