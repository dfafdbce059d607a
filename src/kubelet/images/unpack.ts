// Unpacks one image layer (a tar stream, gzip or not) into its own directory in overlayfs' format, so
// the layers of an image stack as overlay lowerdirs:
//   `.wh.NAME`        → NAME as a 0/0 character device (an overlay whiteout)
//   `.wh..wh..opq`    → the directory gets xattr trusted.overlay.opaque=y
// Node has neither mknod nor setxattr; one `perl` process (perl-base is in every Debian) makes the
// whiteouts and opaque markers with raw syscalls after the files are written.
//
// Safety: entry names are normalised and may not leave the layer directory ('..' or a path through a
// symlink the layer itself created is refused).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, closeSync, linkSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, rmSync, symlinkSync, utimesSync, writeSync,
} from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { TarParser, type TarHeader } from './tar';

const run = promisify(execFile);

export interface UnpackResult {
  /** sha256 of the uncompressed tar: the layer's diffID. */
  diffId: string;
  /** Bytes written to files. */
  size: number;
}

// syscall numbers: setxattr, mknodat
const SYSCALLS: Record<string, [number, number]> = { x64: [188, 259], arm64: [5, 33] };

const WHITEOUT_SCRIPT = `
my ($setxattr, $mknodat) = (shift @ARGV, shift @ARGV);
while (@ARGV) {
  my ($kind, $p) = (shift @ARGV, shift @ARGV);
  my $r;
  if ($kind eq 'w') { $r = syscall($mknodat, -100, $p, 0020000, 0); }
  else { my ($n, $v) = ('trusted.overlay.opaque', 'y'); $r = syscall($setxattr, $p, $n, $v, 1, 0); }
  if ($r != 0) { print STDERR "$kind $p: $!\\n"; exit 1; }
}`;

/** Relative, normalised entry path, or undefined when it would escape the root. */
export function safeEntryPath(name: string): string | undefined {
  const n = normalize(`/${name}`).replace(/\/+$/, '');
  if (n === '' || n === '/') return '';
  if (n.split('/').includes('..')) return undefined;
  return n.slice(1);
}

/**
 * Extracts `input` (compressed with gzip or not: detected from the magic bytes) into `dir`, which must
 * exist and be empty. Resolves with the diffID computed over the uncompressed stream.
 */
export async function unpackLayer(input: Readable, dir: string): Promise<UnpackResult> {
  const hash = createHash('sha256');
  const ops: string[] = [];
  const dirTimes: Array<[string, number]> = [];
  const safeDirs = new Set<string>(['']);
  let size = 0;
  let fd: number | undefined;
  let cur: TarHeader | undefined;
  let curPath = '';

  const ensureParent = (rel: string): void => {
    const parent = dirname(rel) === '.' ? '' : dirname(rel);
    if (safeDirs.has(parent)) return;
    let acc = '';
    for (const part of parent.split('/')) {
      acc = acc ? `${acc}/${part}` : part;
      if (safeDirs.has(acc)) continue;
      const abs = join(dir, acc);
      let st;
      try {
        st = lstatSync(abs);
      } catch {
        mkdirSync(abs, { mode: 0o755 });
        safeDirs.add(acc);
        continue;
      }
      if (!st.isDirectory()) throw new Error(`layer entry path "${rel}" goes through a non-directory "${acc}"`);
      safeDirs.add(acc);
    }
  };

  const parser = new TarParser({
    entry(h) {
      cur = h;
      const rel = safeEntryPath(h.name);
      if (rel === undefined) throw new Error(`layer entry "${h.name}" escapes the layer root`);
      curPath = rel;
      if (rel === '') return;
      ensureParent(rel);
      const abs = join(dir, rel);
      const base = rel.slice(rel.lastIndexOf('/') + 1);
      if (base === '.wh..wh..opq') {
        ops.push('o', join(dir, dirname(rel) === '.' ? '' : dirname(rel)) || dir);
        cur = undefined;
        return;
      }
      if (base.startsWith('.wh.')) {
        const target = join(dirname(abs), base.slice(4));
        rmSync(target, { recursive: true, force: true });
        ops.push('w', target);
        cur = undefined;
        return;
      }
      let existing;
      try {
        existing = lstatSync(abs);
      } catch {
        existing = undefined;
      }
      if (existing && !(existing.isDirectory() && h.type === 'dir')) rmSync(abs, { recursive: true, force: true });
      switch (h.type) {
        case 'dir':
          if (!existing?.isDirectory()) mkdirSync(abs, { mode: 0o755 });
          safeDirs.add(rel);
          break;
        case 'file':
          fd = openSync(abs, 'w', 0o600);
          break;
        case 'symlink':
          symlinkSync(h.linkname, abs);
          break;
        case 'hardlink': {
          const target = safeEntryPath(h.linkname);
          if (target === undefined || target === '') throw new Error(`layer hardlink "${h.name}" → "${h.linkname}" escapes the layer root`);
          linkSync(join(dir, target), abs);
          cur = undefined; // a hardlink shares the target's metadata
          break;
        }
        default:
          cur = undefined; // device nodes, fifos: not created (containers get /dev from the runtime)
      }
    },
    data(chunk) {
      if (fd !== undefined) {
        writeSync(fd, chunk);
        size += chunk.length;
      }
    },
    end() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      const h = cur;
      if (!h || curPath === '') return;
      const abs = join(dir, curPath);
      lchownSync(abs, h.uid, h.gid);
      if (h.type !== 'symlink') chmodSync(abs, h.mode & 0o7777);
      if (h.type === 'dir') dirTimes.push([abs, h.mtime]);
      else lutimesSync(abs, h.mtime, h.mtime);
    },
  });

  // Hash and parse synchronously; gzip is detected from the first bytes. Any failure (corrupt gzip, a
  // refused entry) fails the pipeline instead of escaping as an unhandled stream error.
  const feed = (c: Buffer): void => {
    hash.update(c);
    parser.write(c);
  };
  let first = true;
  let gunzip: ReturnType<typeof createGunzip> | undefined;
  let failure: Error | undefined;
  let waiting: ((err?: Error | null) => void) | undefined;
  const fail = (err: Error): void => {
    failure ??= err;
    const cb = waiting;
    waiting = undefined;
    cb?.(failure);
  };
  const sniff = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (failure) return cb(failure);
      if (first) {
        first = false;
        if (chunk[0] === 0x1f && chunk[1] === 0x8b) {
          const gz = createGunzip();
          gz.on('data', (d: Buffer) => {
            try {
              feed(d);
            } catch (err) {
              gz.destroy(err as Error);
            }
          });
          gz.on('error', fail);
          gunzip = gz;
        }
      }
      if (!gunzip) {
        try {
          feed(chunk);
          cb();
        } catch (err) {
          cb(err as Error);
        }
        return;
      }
      if (gunzip.write(chunk)) return cb();
      waiting = cb;
      gunzip.once('drain', () => {
        const w = waiting;
        waiting = undefined;
        w?.(failure);
      });
    },
    final(cb) {
      if (!gunzip || failure) return cb(failure);
      waiting = cb;
      gunzip.once('end', () => {
        const w = waiting;
        waiting = undefined;
        w?.(failure);
      });
      gunzip.end();
    },
  });
  try {
    await pipeline(input, sniff);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  // Directory mtimes last: writing their entries changed them.
  for (const [p, t] of dirTimes.reverse()) utimesSync(p, t, t);
  if (ops.length) {
    const nums = SYSCALLS[process.arch];
    if (!nums) throw new Error(`whiteouts in image layers are not supported on ${process.arch}`);
    for (let i = 0; i < ops.length; i += 400) {
      await run('perl', ['-e', WHITEOUT_SCRIPT, String(nums[0]), String(nums[1]), ...ops.slice(i, i + 400)]);
    }
  }
  return { diffId: `sha256:${hash.digest('hex')}`, size };
}
