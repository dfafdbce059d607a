// The server side of one SPDY/3.1 connection, as kubectl's spdystream client expects it: the client opens
// streams (odd ids) with SYN_STREAM; we accept each at once with an empty SYN_REPLY (kubectl waits for it
// before sending data) and hand it to `onStream` as a Node Duplex. PINGs from the client are echoed.
//
//   transport bytes ─▶ FrameParser ─▶ inbound queue ─(inflate header blocks, in order)─▶ handle()
//   SpdyStream.write ─▶ DATA frames ─┐
//   SYN_REPLY (deflate, in order) ───┴▶ outbound queue ─▶ transport.write (waits for 'drain')
//
// Flow control: we send WINDOW_UPDATEs (per stream and, SPDY/3.1, for the session on stream 0) as the
// consumer reads. We enforce the peer's windows on what we send only once the peer shows it does flow
// control (sends a WINDOW_UPDATE or SETTINGS_INITIAL_WINDOW_SIZE): spdystream, kubectl's library, never
// sends WINDOW_UPDATEs and would stall forever after 64 KiB.
import { Duplex } from 'node:stream';
import {
  DEFAULT_WINDOW, FLAG_FIN, FrameParser, RstStatus, SETTINGS_INITIAL_WINDOW_SIZE, SpdyProtocolError,
  decodeHeaderBlock, encodeFrame, encodeHeaderBlock, type SpdyFrame, type SpdyHeaders,
} from './spdy-frames';
import { HeaderCodec } from './spdy-header-codec';
import type { StreamingLog } from './types';

/** Largest DATA frame we send. */
const MAX_DATA_FRAME = 32 * 1024;
/** Acknowledge received data once this much was consumed. */
const ACK_THRESHOLD = DEFAULT_WINDOW / 4;

export interface SpdySessionOptions {
  /** Called for every stream the client opens, after its headers are decoded and the SYN_REPLY queued. */
  onStream: (stream: SpdyStream) => void;
  log?: StreamingLog;
  /** Largest inbound frame payload accepted (default 16 MiB - 1). */
  maxFramePayload?: number;
}

interface OutItem {
  data: Buffer | Promise<Buffer>;
  done?: (err?: Error) => void;
}

export class SpdyStream extends Duplex {
  /** Data the peer may still send us before it needs a WINDOW_UPDATE (tracked, not enforced). */
  sendWindow: number;
  recvUnacked = 0;
  remoteFin = false;
  localFin = false;
  resetReceived = false;

  constructor(private readonly session: SpdySession, readonly id: number, readonly headers: SpdyHeaders, initialWindow: number) {
    super({ allowHalfOpen: true });
    this.sendWindow = initialWindow;
  }

  /** First value of a header (names are lowercase on the wire). */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  /** Aborts the stream with RST_STREAM (default CANCEL). */
  reset(status: number = RstStatus.Cancel): void {
    if (!this.resetReceived && !(this.localFin && this.remoteFin)) this.session.sendReset(this.id, status);
    this.resetReceived = true;
    this.destroy();
  }

  override _read(): void {
    this.session.ack(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.session.writeData(this, chunk).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.localFin = true;
    this.session.sendFin(this).then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.resetReceived && !(this.localFin && this.remoteFin)) {
      this.resetReceived = true;
      this.session.sendReset(this.id, RstStatus.Cancel);
    }
    this.session.forget(this);
    cb(err);
  }
}

export class SpdySession {
  readonly streams = new Map<number, SpdyStream>();
  /** Resolves once the transport closed (either side). */
  readonly closed: Promise<void>;

  private readonly parser: FrameParser;
  private readonly codec = new HeaderCodec();
  private readonly inQueue: SpdyFrame[] = [];
  private draining = false;
  private readonly outQueue: OutItem[] = [];
  private pumping = false;
  private lastStreamId = 0;
  private goneAway = false;
  private isClosed = false;
  private endAfterFlush = false;
  /** Peer's windows for what we send. */
  private initialSendWindow = DEFAULT_WINDOW;
  private sessionSendWindow = DEFAULT_WINDOW;
  private enforceStreamWindows = false;
  private enforceSessionWindow = false;
  private sessionRecvUnacked = 0;
  private windowWaiters: Array<() => void> = [];

  constructor(private readonly transport: Duplex, private readonly opts: SpdySessionOptions) {
    this.parser = new FrameParser(opts.maxFramePayload);
    let resolveClosed!: () => void;
    this.closed = new Promise((r) => { resolveClosed = r; });
    transport.on('data', (chunk: Buffer) => {
      if (this.isClosed) return;
      try {
        this.inQueue.push(...this.parser.push(chunk));
      } catch (err) {
        this.protocolError(err);
        return;
      }
      if (!this.draining) void this.drainInbound();
    });
    const onGone = (): void => {
      if (this.isClosed) return;
      this.isClosed = true;
      this.codec.close();
      for (const s of [...this.streams.values()]) {
        s.resetReceived = true;
        s.destroy();
      }
      this.wakeWindowWaiters();
      for (const item of this.outQueue.splice(0)) item.done?.(new Error('spdy connection closed'));
      resolveClosed();
    };
    transport.on('error', (err: Error) => {
      this.opts.log?.('debug', `spdy transport error: ${err.message}`);
      onGone();
    });
    transport.on('close', onGone);
    transport.on('end', () => {
      // The peer half-closed: nothing more can arrive; finish what we write, then close.
      this.endAfterFlush = true;
      if (!this.pumping) this.transport.end();
      onGone();
    });
  }

  /**
   * Sends GOAWAY and lets the client close the connection, as spdystream's Close does (kubectl closes as
   * soon as it has read the error stream). Ending it ourselves at once would race the client's last
   * writes (e.g. a terminal size), which it then reports as errors. After `graceMs` the transport is
   * ended and, a little later, destroyed.
   */
  close(graceMs = 2000): void {
    if (!this.goneAway && !this.isClosed) {
      this.goneAway = true;
      this.enqueue(encodeFrame({ type: 'goaway', lastGoodStreamId: this.lastStreamId, status: 0 }));
    }
    setTimeout(() => {
      this.endAfterFlush = true;
      if (!this.pumping && !this.transport.writableEnded) this.transport.end();
      setTimeout(() => this.transport.destroy(), 1000).unref();
    }, graceMs).unref();
  }

  /** Tears the connection down at once. */
  destroy(): void {
    this.transport.destroy();
  }

  // ---- inbound ----

  private async drainInbound(): Promise<void> {
    this.draining = true;
    try {
      while (this.inQueue.length > 0 && !this.isClosed) {
        const f = this.inQueue.shift() as SpdyFrame;
        if (f.type === 'syn_stream' || f.type === 'syn_reply' || f.type === 'headers') {
          const headers = decodeHeaderBlock(await this.codec.decompress(f.headerBlock));
          if (f.type === 'syn_stream') this.onSynStream(f.streamId, f.flags, headers);
          else if (f.flags & FLAG_FIN) this.onRemoteFin(f.streamId);
        } else {
          this.handle(f);
        }
      }
    } catch (err) {
      this.protocolError(err);
    } finally {
      this.draining = false;
    }
  }

  private handle(f: SpdyFrame): void {
    switch (f.type) {
      case 'data':
        this.onData(f.streamId, f.flags, f.data);
        return;
      case 'rst_stream': {
        const s = this.streams.get(f.streamId);
        if (s) {
          s.resetReceived = true;
          s.destroy();
        }
        return;
      }
      case 'settings':
        for (const e of f.entries) {
          if (e.id !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
          const delta = e.value - this.initialSendWindow;
          this.initialSendWindow = e.value;
          this.enforceStreamWindows = true;
          for (const s of this.streams.values()) s.sendWindow += delta;
          this.wakeWindowWaiters();
        }
        return;
      case 'ping':
        // Odd ids are the client's: echo them. Even ids would answer our own pings; we send none.
        if (f.id % 2 === 1) this.enqueue(encodeFrame(f));
        return;
      case 'goaway':
        this.goneAway = true;
        return;
      case 'window_update':
        if (f.streamId === 0) {
          this.enforceSessionWindow = true;
          this.sessionSendWindow += f.delta;
        } else {
          this.enforceStreamWindows = true;
          const s = this.streams.get(f.streamId);
          if (s) s.sendWindow += f.delta;
        }
        this.wakeWindowWaiters();
        return;
      default:
        return;
    }
  }

  private onSynStream(id: number, flags: number, headers: SpdyHeaders): void {
    if (id % 2 === 0 || id <= this.lastStreamId) {
      this.sendReset(id, RstStatus.ProtocolError);
      return;
    }
    this.lastStreamId = id;
    if (this.goneAway) {
      this.sendReset(id, RstStatus.RefusedStream);
      return;
    }
    const s = new SpdyStream(this, id, headers, this.initialSendWindow);
    this.streams.set(id, s);
    this.enqueue(this.codec.compress(encodeHeaderBlock(new Map())).then((block) =>
      encodeFrame({ type: 'syn_reply', streamId: id, flags: 0, headerBlock: block })));
    if (flags & FLAG_FIN) {
      s.remoteFin = true;
      s.push(null);
    }
    this.opts.onStream(s);
  }

  private onData(id: number, flags: number, data: Buffer): void {
    this.sessionRecvUnacked += data.length;
    if (this.sessionRecvUnacked >= ACK_THRESHOLD) {
      this.enqueue(encodeFrame({ type: 'window_update', streamId: 0, delta: this.sessionRecvUnacked }));
      this.sessionRecvUnacked = 0;
    }
    const s = this.streams.get(id);
    if (!s || s.destroyed) return; // a stream we closed or reset; late frames are expected
    if (s.remoteFin) {
      s.reset(RstStatus.StreamAlreadyClosed);
      return;
    }
    if (data.length > 0) {
      s.recvUnacked += data.length;
      if (s.push(data)) this.ack(s);
    }
    if (flags & FLAG_FIN) this.onRemoteFin(id);
  }

  private onRemoteFin(id: number): void {
    const s = this.streams.get(id);
    if (!s || s.remoteFin) return;
    s.remoteFin = true;
    s.push(null);
    if (s.localFin) this.streams.delete(id);
  }

  /** Sends a WINDOW_UPDATE for what the stream's consumer has taken. */
  ack(s: SpdyStream): void {
    if (s.recvUnacked >= ACK_THRESHOLD && !s.remoteFin && !s.destroyed) {
      this.enqueue(encodeFrame({ type: 'window_update', streamId: s.id, delta: s.recvUnacked }));
      s.recvUnacked = 0;
    }
  }

  private protocolError(err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    this.opts.log?.('warn', `spdy protocol error: ${msg}`);
    if (err instanceof SpdyProtocolError && !this.isClosed && !this.goneAway) {
      this.goneAway = true;
      this.enqueue(encodeFrame({ type: 'goaway', lastGoodStreamId: this.lastStreamId, status: 1 }));
      this.close(0);
    } else {
      this.destroy();
    }
  }

  // ---- outbound ----

  /** Queues DATA frames for the stream's bytes, honouring the peer's windows when it does flow control. */
  async writeData(s: SpdyStream, chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      if (this.isClosed || s.resetReceived) throw new Error(`spdy stream ${s.id} is closed`);
      const avail = this.available(s);
      if (avail <= 0) {
        await new Promise<void>((r) => this.windowWaiters.push(r));
        continue;
      }
      const n = Math.min(chunk.length - off, MAX_DATA_FRAME, avail);
      s.sendWindow -= n;
      this.sessionSendWindow -= n;
      await this.enqueueAndWait(encodeFrame({ type: 'data', streamId: s.id, flags: 0, data: chunk.subarray(off, off + n) }));
      off += n;
    }
  }

  private available(s: SpdyStream): number {
    let avail = Number.MAX_SAFE_INTEGER;
    if (this.enforceStreamWindows) avail = Math.min(avail, s.sendWindow);
    if (this.enforceSessionWindow) avail = Math.min(avail, this.sessionSendWindow);
    return avail;
  }

  async sendFin(s: SpdyStream): Promise<void> {
    if (this.isClosed || s.resetReceived) return;
    await this.enqueueAndWait(encodeFrame({ type: 'data', streamId: s.id, flags: FLAG_FIN, data: Buffer.alloc(0) }));
    if (s.remoteFin) this.streams.delete(s.id);
  }

  sendReset(id: number, status: number): void {
    if (!this.isClosed) this.enqueue(encodeFrame({ type: 'rst_stream', streamId: id, status }));
  }

  forget(s: SpdyStream): void {
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
    this.wakeWindowWaiters();
  }

  private wakeWindowWaiters(): void {
    for (const w of this.windowWaiters.splice(0)) w();
  }

  private enqueue(data: Buffer | Promise<Buffer>): void {
    if (this.isClosed) return;
    this.outQueue.push({ data });
    if (!this.pumping) void this.pump();
  }

  private enqueueAndWait(data: Buffer): Promise<void> {
    if (this.isClosed) return Promise.reject(new Error('spdy connection closed'));
    return new Promise((resolve, reject) => {
      this.outQueue.push({ data, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.pumping) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.outQueue.length > 0 && !this.isClosed) {
        const item = this.outQueue.shift() as OutItem;
        const buf = Buffer.isBuffer(item.data) ? item.data : await item.data;
        if (this.transport.destroyed || this.transport.writableEnded) {
          item.done?.(new Error('spdy connection closed'));
          continue;
        }
        const ok = this.transport.write(buf);
        if (!ok) await waitDrain(this.transport);
        item.done?.();
      }
    } catch (err) {
      this.opts.log?.('warn', `spdy write failed: ${err instanceof Error ? err.message : String(err)}`);
      this.destroy();
    } finally {
      this.pumping = false;
    }
    if (this.endAfterFlush && !this.transport.writableEnded && !this.transport.destroyed) this.transport.end();
  }
}

function waitDrain(d: Duplex): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      d.off('drain', done);
      d.off('close', done);
      resolve();
    };
    d.on('drain', done);
    d.on('close', done);
  });
}
