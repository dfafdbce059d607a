// Watchers of the sqlite store, in the style of etcd's watchable store:
//
//   watch(from ≤ current) ──▶ unsynced: catch up from the log in chunks (one chunk per macrotask)
//                                  │ nextRev > current revision (checked in the same synchronous step
//                                  ▼ as the last read, so no commit can slip in between)
//   watch(from = 0 / > current) ─▶ synced: receives each committed batch from publish()
//
// Invariants: a watcher gets each revision at most once, in order, with no gap; publish() never waits for
// a consumer (callbacks are plain calls); a watcher whose next revision is compacted away gets CompactedError.
import { CompactedError, StoreUnavailableError } from '../errors';
import type { Watch, WatchEvent, WatchHandlers } from '../types';

/** What the hub needs from the store: revisions and a chunked read of the log. */
export interface LogSource {
  current(): number;
  compacted(): number;
  /** Events with revision in [from, to] whose key is in [key, end) (end undefined = exactly key), in order. */
  readEvents(key: string, end: string | undefined, from: number, to: number): WatchEvent[];
}

const CATCH_UP_REVISIONS = 2000;

class Watcher implements Watch {
  synced = false;
  closed = false;
  constructor(
    private readonly hub: WatchHub,
    readonly key: string,
    readonly end: string | undefined,
    public nextRev: number,
    readonly handlers: WatchHandlers,
  ) {}

  matches(key: string): boolean {
    return this.end === undefined ? key === this.key : key >= this.key && key < this.end;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.remove(this);
  }

  fail(err: Error): void {
    if (this.closed) return;
    this.close();
    try {
      this.handlers.onError(err);
    } catch {
      // handlers must not throw; a throwing one must not break the store
    }
  }

  deliver(events: WatchEvent[]): void {
    if (this.closed || events.length === 0) return;
    try {
      this.handlers.onEvents(events);
    } catch {
      // see fail()
    }
  }
}

export class WatchHub {
  private readonly synced = new Set<Watcher>();
  private readonly unsynced = new Set<Watcher>();
  private catchUpScheduled = false;

  constructor(private readonly source: LogSource) {}

  get size(): number {
    return this.synced.size + this.unsynced.size;
  }

  watch(key: string, end: string | undefined, fromRevision: number, handlers: WatchHandlers): Watch {
    const current = this.source.current();
    const from = fromRevision > 0 ? fromRevision : current + 1;
    const w = new Watcher(this, key, end, from, handlers);
    const compacted = this.source.compacted();
    if (from <= compacted) {
      // Reported asynchronously so the caller holds the handle before any callback runs.
      this.unsynced.add(w);
      setImmediate(() => w.fail(new CompactedError(from, compacted)));
      return w;
    }
    if (from > current) this.synced.add(w);
    else {
      this.unsynced.add(w);
      this.scheduleCatchUp();
    }
    return w;
  }

  remove(w: Watcher): void {
    this.synced.delete(w);
    this.unsynced.delete(w);
  }

  /** Fans out one committed batch (events in revision order) to every synced watcher. */
  publish(events: WatchEvent[]): void {
    if (events.length === 0 || this.synced.size === 0) return;
    for (const w of this.synced) {
      let mine: WatchEvent[] | undefined;
      for (const ev of events) {
        if (ev.kv.modRevision >= w.nextRev && w.matches(ev.kv.key)) (mine ??= []).push(ev);
      }
      const last = events[events.length - 1];
      if (last) w.nextRev = Math.max(w.nextRev, last.kv.modRevision + 1);
      if (mine) w.deliver(mine);
    }
  }

  /** Ends every watch with `err` (store closing or failing). */
  failAll(err: Error = new StoreUnavailableError('store closed')): void {
    for (const w of [...this.synced, ...this.unsynced]) w.fail(err);
  }

  private scheduleCatchUp(): void {
    if (this.catchUpScheduled) return;
    this.catchUpScheduled = true;
    setImmediate(() => {
      this.catchUpScheduled = false;
      this.catchUpStep();
    });
  }

  /** One chunk of log reading for every unsynced watcher; reschedules itself while any remain. */
  private catchUpStep(): void {
    for (const w of [...this.unsynced]) {
      if (w.closed) continue;
      const compacted = this.source.compacted();
      if (w.nextRev <= compacted) {
        w.fail(new CompactedError(w.nextRev, compacted));
        continue;
      }
      const current = this.source.current();
      const to = Math.min(current, w.nextRev + CATCH_UP_REVISIONS - 1);
      let events: WatchEvent[];
      try {
        events = this.source.readEvents(w.key, w.end, w.nextRev, to);
      } catch (err) {
        w.fail(new StoreUnavailableError(`watch catch-up failed: ${err instanceof Error ? err.message : String(err)}`));
        continue;
      }
      w.nextRev = to + 1;
      if (w.nextRev > current) {
        this.unsynced.delete(w);
        this.synced.add(w);
      }
      w.deliver(events);
    }
    if (this.unsynced.size > 0) this.scheduleCatchUp();
  }
}
