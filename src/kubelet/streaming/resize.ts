// Terminal size messages: JSON objects {"Width":w,"Height":h}. Over SPDY they arrive as a byte stream of
// concatenated objects (Go's json.Encoder), over WebSocket one per message; this decoder takes either.
export interface TerminalSize {
  width: number;
  height: number;
}

export class ResizeDecoder {
  private buf = '';

  push(chunk: Buffer | string): TerminalSize[] {
    this.buf += chunk.toString();
    const out: TerminalSize[] = [];
    for (;;) {
      const start = this.buf.indexOf('{');
      if (start < 0) {
        this.buf = '';
        return out;
      }
      const end = this.buf.indexOf('}', start);
      if (end < 0) {
        this.buf = this.buf.slice(start);
        if (this.buf.length > 4096) this.buf = ''; // garbage; drop it
        return out;
      }
      const text = this.buf.slice(start, end + 1);
      this.buf = this.buf.slice(end + 1);
      try {
        const v = JSON.parse(text) as { Width?: unknown; Height?: unknown };
        if (typeof v.Width === 'number' && typeof v.Height === 'number') out.push({ width: v.Width, height: v.Height });
      } catch {
        // not a size object; skip it
      }
    }
  }
}

/** Delivers sizes to one subscriber, keeping those that arrive before it subscribes (the session starts late). */
export class ResizeRelay {
  private queued: TerminalSize[] = [];
  private cb: ((s: TerminalSize) => void) | undefined;

  push(size: TerminalSize): void {
    if (this.cb) this.cb(size);
    else if (this.queued.push(size) > 16) this.queued.shift();
  }

  subscribe = (cb: (s: TerminalSize) => void): void => {
    this.cb = cb;
    for (const s of this.queued.splice(0)) cb(s);
  };
}
