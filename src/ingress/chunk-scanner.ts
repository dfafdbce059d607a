// Finds where a chunked HTTP/1.1 body ends (RFC 9112 §7.1), across reads of any size, without copying:
//
//   SIZE (hex, ;ext) CRLF ─► DATA (size bytes) CRLF ─► SIZE … ─► 0 CRLF ─► trailer lines ─► CRLF = end
//
// Data ranges are reported to the caller (who de-chunks) or ignored (who forwards the bytes as framed).

export interface ChunkScanner {
  /**
   * Advances over `b` (the bytes following the previous call's). Returns the offset just past the body's
   * last byte when the body ends inside `b`, else -1. `onData(start, end)` gets the chunk data ranges.
   */
  scan(b: Buffer, onData?: (start: number, end: number) => void): number;
  /** Set when the framing is malformed; the scanner then stops. */
  readonly error: string | undefined;
}

const enum S { Size, Ext, SizeLf, Data, DataCr, DataLf, TrailerStart, TrailerLine, EndLf, Done }

const CR = 13, LF = 10;
/** Chunk sizes beyond this are refused (2^48: far past anything a proxy forwards, still an exact double). */
const MAX_CHUNK = 2 ** 48;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function createChunkScanner(): ChunkScanner {
  let state = S.Size;
  let size = 0;
  let digits = 0;
  let left = 0;
  let error: string | undefined;

  const fail = (msg: string): number => {
    error = msg;
    state = S.Done;
    return -1;
  };

  return {
    get error() { return error; },
    scan(b, onData) {
      let i = 0;
      while (i < b.length) {
        switch (state) {
          case S.Size: {
            const c = b[i]!;
            const v = hexValue(c);
            if (v >= 0) {
              size = size * 16 + v;
              if (++digits > 12 || size > MAX_CHUNK) return fail('chunk size too large');
            } else if (digits === 0) return fail('bad chunk size');
            else if (c === CR) state = S.SizeLf;
            else if (c === 59 /* ; */ || c === 32 || c === 9) state = S.Ext;
            else return fail('bad chunk size');
            i++;
            break;
          }
          case S.Ext:
            if (b[i] === CR) state = S.SizeLf;
            i++;
            break;
          case S.SizeLf:
            if (b[i] !== LF) return fail('bad chunk size line');
            i++;
            if (size === 0) state = S.TrailerStart;
            else { left = size; state = S.Data; }
            size = 0;
            digits = 0;
            break;
          case S.Data: {
            const n = Math.min(left, b.length - i);
            onData?.(i, i + n);
            i += n;
            left -= n;
            if (left === 0) state = S.DataCr;
            break;
          }
          case S.DataCr:
            if (b[i] !== CR) return fail('missing CRLF after chunk data');
            state = S.DataLf;
            i++;
            break;
          case S.DataLf:
            if (b[i] !== LF) return fail('missing CRLF after chunk data');
            state = S.Size;
            i++;
            break;
          case S.TrailerStart:
            state = b[i] === CR ? S.EndLf : S.TrailerLine;
            i++;
            break;
          case S.TrailerLine:
            if (b[i] === LF) state = S.TrailerStart;
            i++;
            break;
          case S.EndLf:
            if (b[i] !== LF) return fail('bad end of chunked body');
            state = S.Done;
            return i + 1;
          case S.Done:
            return -1;
        }
      }
      return -1;
    },
  };
}
