// A small streaming tar reader (ustar, GNU long names 'L'/'K', PAX 'x'/'g' headers, base-256 sizes):
// feed it chunks with write(); it calls the handler synchronously for each entry's header, its data
// and its end. No tar library is installed, and layer extraction needs nothing more.
//
//   [512 header][data padded to 512]…[512 zeros][512 zeros]
export type TarType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

export interface TarHeader {
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

export interface TarHandler {
  entry(h: TarHeader): void;
  data(chunk: Buffer): void;
  end(): void;
}

function str(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z < 0 ? s : s.subarray(0, z)).toString('utf8');
}

function num(b: Buffer, off: number, len: number): number {
  const first = b[off] ?? 0;
  if (first & 0x80) {
    // base-256 (GNU): big-endian, high bit is the marker
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + (b[off + i] ?? 0);
    return v;
  }
  const s = str(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function typeOf(flag: string): TarType {
  switch (flag) {
    case '0': case '\0': case '': case '7': return 'file';
    case '1': return 'hardlink';
    case '2': return 'symlink';
    case '3': return 'char';
    case '4': return 'block';
    case '5': return 'dir';
    case '6': return 'fifo';
    default: return 'other';
  }
}

function parsePax(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < b.length) {
    const sp = b.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(b.subarray(i, sp).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = b.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

export class TarParseError extends Error {}

/** Parses a tar stream; throws TarParseError on a corrupt header (bad checksum). */
export class TarParser {
  private buf: Buffer[] = [];
  private bufLen = 0;
  /** Bytes of the current entry's data still to deliver, then padding to skip. */
  private remaining = 0;
  private padding = 0;
  /** Collecting a meta entry (PAX / long name) instead of delivering it. */
  private meta: { kind: string; parts: Buffer[] } | undefined;
  private pax: Record<string, string> = {};
  private globalPax: Record<string, string> = {};
  private longName: string | undefined;
  private longLink: string | undefined;
  private inEntry = false;
  done = false;

  constructor(private readonly h: TarHandler) {}

  write(chunk: Buffer): void {
    let c = chunk;
    while (c.length > 0 && !this.done) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, c.length);
        const piece = c.subarray(0, n);
        if (this.meta) this.meta.parts.push(Buffer.from(piece));
        else this.h.data(piece);
        this.remaining -= n;
        c = c.subarray(n);
        if (this.remaining === 0) this.finishEntry();
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, c.length);
        this.padding -= n;
        c = c.subarray(n);
        continue;
      }
      // Need a whole 512-byte header.
      const need = 512 - this.bufLen;
      const take = c.subarray(0, need);
      this.buf.push(take);
      this.bufLen += take.length;
      c = c.subarray(take.length);
      if (this.bufLen < 512) return;
      const header = Buffer.concat(this.buf, 512);
      this.buf = [];
      this.bufLen = 0;
      this.header(header);
    }
  }

  private header(b: Buffer): void {
    if (b.every((x) => x === 0)) {
      this.done = true; // end-of-archive marker (the second zero block is not needed)
      return;
    }
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (b[i] ?? 0);
    if (sum !== num(b, 148, 8)) throw new TarParseError('tar: header checksum mismatch (corrupt or not a tar)');
    const flag = String.fromCharCode(b[156] ?? 0);
    const size = num(b, 124, 12);
    this.remaining = size;
    this.padding = (512 - (size % 512)) % 512;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      this.meta = { kind: flag, parts: [] };
      if (size === 0) this.finishEntry();
      return;
    }
    const prefix = b.subarray(257, 262).toString('latin1') === 'ustar' ? str(b, 345, 155) : '';
    const pax = { ...this.globalPax, ...this.pax };
    const name = pax.path ?? this.longName ?? (prefix ? `${prefix}/${str(b, 0, 100)}` : str(b, 0, 100));
    const hdr: TarHeader = {
      name,
      type: typeOf(flag),
      mode: num(b, 100, 8),
      uid: pax.uid !== undefined ? Number(pax.uid) : num(b, 108, 8),
      gid: pax.gid !== undefined ? Number(pax.gid) : num(b, 116, 8),
      size: pax.size !== undefined ? Number(pax.size) : size,
      mtime: pax.mtime !== undefined ? Number(pax.mtime) : num(b, 136, 12),
      linkname: pax.linkpath ?? this.longLink ?? str(b, 157, 100),
      devmajor: num(b, 329, 8),
      devminor: num(b, 337, 8),
    };
    if (pax.size !== undefined) {
      this.remaining = hdr.size;
      this.padding = (512 - (hdr.size % 512)) % 512;
    }
    // Only regular files carry data; hardlinks/symlinks/dirs may state a size that is not content.
    if (hdr.type !== 'file' && hdr.type !== 'other') this.remaining = 0, this.padding = 0;
    this.pax = {};
    this.longName = undefined;
    this.longLink = undefined;
    this.inEntry = true;
    this.h.entry(hdr);
    if (this.remaining === 0) this.finishEntry();
  }

  private finishEntry(): void {
    if (this.meta) {
      const body = Buffer.concat(this.meta.parts);
      const kind = this.meta.kind;
      this.meta = undefined;
      if (kind === 'x') this.pax = parsePax(body);
      else if (kind === 'g') this.globalPax = { ...this.globalPax, ...parsePax(body) };
      else if (kind === 'L') this.longName = str(body, 0, body.length);
      else this.longLink = str(body, 0, body.length);
      return;
    }
    if (this.inEntry) {
      this.inEntry = false;
      this.h.end();
    }
  }
}

/** Builds one tar entry (header + padded data); used by tests and to write archives. */
export function tarEntry(h: Partial<TarHeader> & { name: string }, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(512);
  const flags: Record<TarType, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6', other: 'V' };
  const type = h.type ?? 'file';
  const oct = (v: number, len: number): string => v.toString(8).padStart(len - 1, '0');
  b.write(h.name, 0, 100, 'utf8');
  b.write(oct(h.mode ?? (type === 'dir' ? 0o755 : 0o644), 8), 100, 'latin1');
  b.write(oct(h.uid ?? 0, 8), 108, 'latin1');
  b.write(oct(h.gid ?? 0, 8), 116, 'latin1');
  b.write(oct(type === 'file' ? data.length : 0, 12), 124, 'latin1');
  b.write(oct(h.mtime ?? 0, 12), 136, 'latin1');
  b.write(flags[type], 156, 'latin1');
  b.write(h.linkname ?? '', 157, 100, 'utf8');
  b.write('ustar\u000000', 257, 'latin1');
  b.write('        ', 148, 'latin1');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([b, type === 'file' ? data : Buffer.alloc(0), type === 'file' ? pad : Buffer.alloc(0)]);
}
