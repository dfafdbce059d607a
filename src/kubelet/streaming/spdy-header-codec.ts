// Header-block compression for one SPDY connection: one zlib stream per direction, preset with the SPDY/3
// dictionary, each block ended with a SYNC_FLUSH so the peer can decode it alone. Both contexts live as
// long as the connection, so every block must pass through here in wire order; calls are serialized.
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary';
import { SpdyProtocolError } from './spdy-frames';

/** Bounds memory a peer can make us inflate for one header block. */
const MAX_HEADER_BLOCK = 256 * 1024;

class SerialZlib {
  private chunks: Buffer[] = [];
  private size = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private failed: Error | undefined;
  private pendingReject: ((err: Error) => void) | undefined;

  constructor(private readonly z: zlib.Deflate | zlib.Inflate, private readonly limit: number) {
    z.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.size += c.length;
    });
    z.on('error', (err: Error) => {
      this.failed = err;
      const reject = this.pendingReject;
      this.pendingReject = undefined;
      reject?.(new SpdyProtocolError(`header block (de)compression failed: ${err.message}`));
    });
  }

  run(input: Buffer): Promise<Buffer> {
    const p = this.tail.then(() => this.once(input));
    this.tail = p.catch(() => undefined);
    return p;
  }

  private once(input: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failed) return reject(new SpdyProtocolError(`header block (de)compression failed earlier: ${this.failed.message}`));
      this.pendingReject = reject;
      this.z.write(input);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.pendingReject = undefined;
        const out = Buffer.concat(this.chunks, this.size);
        this.chunks = [];
        this.size = 0;
        if (this.failed) return reject(new SpdyProtocolError(`header block (de)compression failed: ${this.failed.message}`));
        if (out.length > this.limit) return reject(new SpdyProtocolError(`header block of ${out.length} bytes exceeds ${this.limit}`));
        resolve(out);
      });
    });
  }

  close(): void {
    this.z.close();
  }
}

export class HeaderCodec {
  private readonly deflate = new SerialZlib(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }), Number.MAX_SAFE_INTEGER);
  private readonly inflate = new SerialZlib(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }), MAX_HEADER_BLOCK);

  /** Compresses one uncompressed header block (see encodeHeaderBlock). */
  compress(block: Buffer): Promise<Buffer> {
    return this.deflate.run(block);
  }

  /** Decompresses one header block as received; rejects with SpdyProtocolError on corrupt input. */
  decompress(block: Buffer): Promise<Buffer> {
    return this.inflate.run(block);
  }

  close(): void {
    this.deflate.close();
    this.inflate.close();
  }
}
