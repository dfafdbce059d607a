// Durability off the event loop: commits run with synchronous=OFF (they only write() into the WAL), and
// this syncer fdatasyncs the WAL on libuv's thread pool. Callbacks registered after a commit run once a
// sync that started after it has finished, so the commit is on disk; one sync covers every commit before it.
//
//   flush N ─ commit (write) ─┐         flush N+1 ─ commit ─┐
//                             ▼                             ▼
//   thread pool:   [ fdatasync covering ≤ N ] ──▶ [ fdatasync covering ≤ N+1 ] ──▶ ...
//                             │ callbacks of ≤ N: resolve writes, publish events, release reads
//
// Why it is safe (power cut included): an acknowledged commit's WAL frames were written before an fdatasync
// that completed; later WAL changes either append, or restart the WAL after a checkpoint, and checkpoints
// run with synchronous=FULL (fsync WAL, copy, fsync database) before the WAL may be reused.
import { closeSync, fdatasync, openSync } from 'node:fs';

export type SyncCallback = (err: Error | null) => void;

export class WalSyncer {
  private fd: number | undefined;
  private queue: SyncCallback[] = [];
  private syncing = false;

  constructor(private readonly walPath: string) {}

  /** Runs `cb` once everything written to the WAL before this call is durable (or the sync failed). */
  afterSync(cb: SyncCallback): void {
    this.queue.push(cb);
    this.kick();
  }

  /** Whether a sync is running or waiting. */
  get busy(): boolean {
    return this.syncing || this.queue.length > 0;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private kick(): void {
    if (this.syncing || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    let fd: number;
    try {
      // Opened lazily: the WAL exists once something was committed. Any fd of the file syncs its data.
      fd = this.fd ??= openSync(this.walPath, 'r');
    } catch (err) {
      for (const cb of batch) cb(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.syncing = true;
    fdatasync(fd, (err) => {
      this.syncing = false;
      for (const cb of batch) cb(err);
      this.kick();
    });
  }
}
