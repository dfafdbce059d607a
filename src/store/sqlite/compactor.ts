// Compaction of the sqlite log in small chunks, so writers are never blocked for long (kine's weak spot).
//
//   log: ... | walked | (walked, target] scanned ≤ CHUNK rows per transaction, one chunk per macrotask | ...
//
// For each row r scanned (r.rev ≤ target): the row r.prev_rev is superseded at ≤ target → delete it;
// a tombstone r is itself removable → delete it. Rows above the target are never touched, so every read
// at a revision ≥ target and every watch from a revision > target sees a complete history.
// Progress ('compact_walked') is persisted with each chunk; a restart resumes where it stopped.
import type { Statements } from './statements';

const CHUNK = 1000;

interface Waiter {
  rev: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class Compactor {
  private waiters: Waiter[] = [];
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly st: Statements,
    private readonly inTxn: (f: () => void) => void,
    private walked: number,
    private target: number,
  ) {
    if (this.walked < this.target) this.schedule();
  }

  /** Resolves once every row removable at `rev` is gone. The compacted revision must already be persisted. */
  compactTo(rev: number): Promise<void> {
    this.target = Math.max(this.target, rev);
    if (this.walked >= rev) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ rev, resolve, reject });
      this.schedule();
    });
  }

  stop(err: Error): void {
    this.stopped = true;
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.step();
    });
  }

  private step(): void {
    if (this.stopped) return;
    const target = this.target;
    let walked = this.walked;
    try {
      this.inTxn(() => {
        const rows = this.st.compactScan.all(walked, target, CHUNK) as Array<{ rev: number; prev_rev: number | null; deleted: number }>;
        for (const r of rows) {
          if (r.prev_rev !== null) this.st.deleteLogRow.run(r.prev_rev);
          if (r.deleted) this.st.deleteLogRow.run(r.rev);
        }
        const last = rows[rows.length - 1];
        walked = rows.length < CHUNK || !last ? target : last.rev;
        this.st.setMeta.run('compact_walked', walked);
      });
    } catch (err) {
      this.stop(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.walked = walked;
    const done = this.waiters.filter((w) => w.rev <= walked);
    this.waiters = this.waiters.filter((w) => w.rev > walked);
    for (const w of done) w.resolve();
    if (this.walked < this.target) this.schedule();
  }
}
