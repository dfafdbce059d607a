// The embedded store: etcd v3 semantics on one sqlite file (better-sqlite3, synchronous).
//
//   create/update/delete/grant/revoke/compact ──▶ queue ──(setImmediate)──▶ flush: ONE transaction for the
//   whole queue (each op does its own checks and takes the next revision, in order), COMMIT into the WAL
//   ──▶ fdatasync of the WAL on the thread pool (wal-syncer.ts; the event loop keeps serving meanwhile,
//   and later batches commit while it runs) ──▶ settle the batch's promises ──▶ publish its events.
//
//   revisions:  durableRev ≤ rev (committed). Watchers and revisions() see only durable revisions; a read
//   is computed on committed state and released once that state is durable, so nobody observes a write
//   that a power cut could still take back. Compaction runs in small chunks between flushes (compactor.ts).
import type { Database as DB } from 'better-sqlite3';
import {
  CompactedError, ConflictError, FutureRevisionError, KeyExistsError, KeyNotFoundError, LeaseNotFoundError,
  MAX_VALUE_BYTES, StoreError, StoreUnavailableError, ValueTooLargeError,
} from '../errors';
import type {
  KeyValue, RangeOptions, RangeResult, Store, Watch, WatchEvent, WatchHandlers, WatchOptions, WriteOptions,
} from '../types';
import { Compactor } from './compactor';
import { openDatabase } from './open';
import { prepareStatements, rawToKeyValue, readEvents, toKeyValue } from './statements';
import type { LogRow, RawLogRow, Statements } from './statements';
import { WalSyncer } from './wal-syncer';
import { WatchHub } from './watch-hub';

export interface SqliteStoreOptions {
  /** The database file; created if absent. */
  path: string;
  /** Clock for lease expiry (ms). */
  now?: () => number;
  /** How often expired leases are looked for (ms); default 250. */
  leaseCheckIntervalMs?: number;
}

type Op =
  | { kind: 'create'; key: string; value: Buffer; lease: number }
  | { kind: 'update'; key: string; value: Buffer; expected: number; lease: number }
  | { kind: 'delete'; key: string; expected: number | undefined }
  | { kind: 'grant'; ttl: number }
  | { kind: 'revoke'; id: number }
  | { kind: 'compact'; rev: number };

interface Pending {
  op: Op;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** Per-flush scratch: the revision counter and what to do once the transaction has committed. */
interface FlushContext {
  rev: number;
  compacted: number;
  events: WatchEvent[];
  after: Array<() => void>;
}

interface LeaseState {
  ttl: number;
  expiresAt: number;
  expiring: boolean;
}

const EMPTY = Buffer.alloc(0);
const MAX_LEASE_ID = 2 ** 52;
/** WAL bytes (estimated) between checkpoints. */
const CHECKPOINT_BYTES = 4 * 1024 * 1024;

export class SqliteStore implements Store {
  readonly backend = 'sqlite';
  private readonly st: Statements;
  private readonly hub: WatchHub;
  private readonly compactor: Compactor;
  private readonly inTxn: (f: () => void) => void;
  private readonly now: () => number;
  private readonly leases = new Map<number, LeaseState>();
  private readonly leaseTimer: NodeJS.Timeout;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private readonly syncer: WalSyncer;
  private rev: number;
  private durableRev: number;
  private compactedRev: number;
  private walBytes = 0;
  private closing = false;
  private closed = false;
  private failure: StoreUnavailableError | undefined;

  private constructor(readonly path: string, private readonly db: DB, opts: SqliteStoreOptions) {
    this.st = prepareStatements(db);
    this.now = opts.now ?? Date.now;
    const txn = db.transaction((f: () => void) => f());
    this.inTxn = (f) => txn(f);
    const meta = (name: string): number => (this.st.getMeta.get(name) as { value: number } | undefined)?.value ?? 0;
    this.compactedRev = meta('compacted');
    const maxRev = (this.st.maxRev.get() as { rev: number | null }).rev ?? 0;
    // Compaction may have removed the newest rows (tombstones), never rows above the compacted revision.
    this.rev = Math.max(maxRev, this.compactedRev);
    this.durableRev = this.rev;
    // Commits only write into the WAL; WalSyncer makes them durable before anyone is told (see above).
    // Automatic checkpoints are off: checkpoint() runs them with synchronous=FULL.
    db.pragma('synchronous = OFF');
    db.pragma('wal_autocheckpoint = 0');
    this.syncer = new WalSyncer(`${opts.path}-wal`);
    // Like etcd after a restart, every lease gets its full TTL again.
    const t = this.now();
    for (const l of this.st.allLeases.all() as Array<{ id: number; ttl: number }>) {
      this.leases.set(l.id, { ttl: l.ttl, expiresAt: t + l.ttl * 1000, expiring: false });
    }
    this.hub = new WatchHub({
      current: () => this.durableRev,
      compacted: () => this.compactedRev,
      readEvents: (key, end, from, to) => readEvents(this.st, key, end, from, to),
    });
    this.compactor = new Compactor(this.st, (f) => {
      this.inTxn(f);
      this.walBytes += 64 * 1024;
    }, meta('compact_walked'), this.compactedRev);
    this.leaseTimer = setInterval(() => this.expireLeases(), opts.leaseCheckIntervalMs ?? 250);
    this.leaseTimer.unref();
  }

  /** Opens the store; fails at once with a message naming the path when the file is locked or unreadable. */
  static open(opts: SqliteStoreOptions): SqliteStore {
    return new SqliteStore(opts.path, openDatabase(opts.path), opts);
  }

  range(key: string, opts: RangeOptions = {}): Promise<RangeResult> {
    let res: RangeResult;
    try {
      res = this.rangeSync(key, opts);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new StoreError(String(err)));
    }
    if (res.revision <= this.durableRev) return Promise.resolve(res);
    // Served from committed state that is not on disk yet: release it once it is.
    return new Promise((resolve, reject) => this.syncer.afterSync((err) => (err ? reject(this.syncFailed(err)) : resolve(res))));
  }

  create(key: string, value: Buffer, opts: WriteOptions = {}): Promise<KeyValue> {
    return this.enqueueWrite(key, value, { kind: 'create', key, value, lease: opts.lease ?? 0 });
  }

  update(key: string, value: Buffer, expectedModRevision: number, opts: WriteOptions = {}): Promise<KeyValue> {
    return this.enqueueWrite(key, value, { kind: 'update', key, value, expected: expectedModRevision, lease: opts.lease ?? 0 });
  }

  delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    return this.enqueue({ kind: 'delete', key, expected: expectedModRevision });
  }

  watch(key: string, opts: WatchOptions, handlers: WatchHandlers): Watch {
    if (this.closed) {
      const w = { close: () => undefined };
      setImmediate(() => handlers.onError(this.closedError()));
      return w;
    }
    return this.hub.watch(key, opts.end, opts.fromRevision ?? 0, handlers);
  }

  grantLease(ttlSeconds: number): Promise<number> {
    if (!(ttlSeconds > 0)) return Promise.reject(new StoreError(`lease TTL must be positive, got ${ttlSeconds}`));
    return this.enqueue({ kind: 'grant', ttl: Math.ceil(ttlSeconds) });
  }

  keepAliveLease(id: number): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    const l = this.leases.get(id);
    if (!l || l.expiring) return Promise.reject(new LeaseNotFoundError(id));
    l.expiresAt = this.now() + l.ttl * 1000;
    return Promise.resolve();
  }

  revokeLease(id: number): Promise<void> {
    return this.enqueue({ kind: 'revoke', id });
  }

  async compact(revision: number): Promise<void> {
    await this.enqueue({ kind: 'compact', rev: revision });
    await this.compactor.compactTo(revision);
  }

  revisions(): Promise<{ current: number; compacted: number }> {
    return Promise.resolve({ current: this.durableRev, compacted: this.compactedRev });
  }

  /** Commits what is queued, ends every watch with StoreUnavailableError, releases the file lock. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.flush();
    while (this.syncer.busy) await new Promise<void>((r) => this.syncer.afterSync(() => r()));
    this.closed = true;
    clearInterval(this.leaseTimer);
    this.compactor.stop(this.closedError());
    this.hub.failAll(this.closedError());
    this.syncer.close();
    // The checkpoint at close must fsync the database before the WAL is removed.
    this.db.pragma('synchronous = FULL');
    this.db.close();
  }

  /** Number of open watches (for metrics and tests). */
  get watcherCount(): number {
    return this.hub.size;
  }

  private closedError(): StoreUnavailableError {
    return new StoreUnavailableError(`sqlite store ${this.path} is closed`);
  }

  private syncFailed(err: Error): StoreUnavailableError {
    this.failure ??= new StoreUnavailableError(`sqlite store ${this.path}: fsync of the WAL failed (${err.message}); restart to recover`);
    return this.failure;
  }

  /** A full checkpoint with fsyncs, so the WAL can be reused; blocks the loop briefly every CHECKPOINT_BYTES. */
  private checkpoint(): void {
    if (this.walBytes < CHECKPOINT_BYTES || this.closed) return;
    this.walBytes = 0;
    this.db.pragma('synchronous = FULL');
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } finally {
      this.db.pragma('synchronous = OFF');
    }
  }

  private rangeSync(key: string, opts: RangeOptions): RangeResult {
    if (this.closed) throw this.closedError();
    const current = this.rev;
    const at = opts.revision ?? 0;
    if (at > 0 && at > current) throw new FutureRevisionError(at, current);
    if (at > 0 && at < this.compactedRev) throw new CompactedError(at, this.compactedRev);
    const historic = at > 0 && at < current;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    let kvs: KeyValue[];
    let count: number;
    if (opts.end === undefined) {
      const r = (historic ? this.st.getKeyAt.get(key, at) : this.st.getKey.get(key)) as LogRow | undefined;
      kvs = r ? [toKeyValue(r)] : [];
      count = kvs.length;
    } else if (historic) {
      let rows = this.st.rangeAt.all(key, opts.end, at) as RawLogRow[];
      count = rows.length;
      if (limit && rows.length > limit) rows = rows.slice(0, limit);
      kvs = opts.countOnly ? [] : rows.map(rawToKeyValue);
    } else if (opts.countOnly) {
      kvs = [];
      count = (this.st.countLatest.get(key, opts.end) as { n: number }).n;
    } else {
      const stmt = opts.keysOnly ? this.st.rangeLatestKeys : this.st.rangeLatest;
      kvs = (stmt.all(key, opts.end, limit || -1) as RawLogRow[]).map(rawToKeyValue);
      count = limit && kvs.length === limit ? (this.st.countLatest.get(key, opts.end) as { n: number }).n : kvs.length;
    }
    if (opts.countOnly) kvs = [];
    if (opts.keysOnly) for (const kv of kvs) kv.value = EMPTY;
    return { kvs, count, more: kvs.length < count && !opts.countOnly, revision: current };
  }

  private enqueueWrite(key: string, value: Buffer, op: Op): Promise<KeyValue> {
    if (value.length > MAX_VALUE_BYTES) return Promise.reject(new ValueTooLargeError(key, value.length, MAX_VALUE_BYTES));
    return this.enqueue(op);
  }

  private enqueue<T>(op: Op): Promise<T> {
    if (this.closing) return Promise.reject(this.closedError());
    if (this.failure) return Promise.reject(this.failure);
    if ('key' in op && op.key === '') return Promise.reject(new StoreError('key must not be empty'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Group commit: every queued op in one transaction and one fsync, then promises, then watch fan-out. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    if (batch.length === 0 || this.closed) return;
    if (this.failure) {
      for (const p of batch) p.reject(this.failure);
      this.queue = [];
      return;
    }
    this.queue = [];
    const ctx: FlushContext = { rev: this.rev, compacted: this.compactedRev, events: [], after: [] };
    const results: Array<{ ok: true; value: unknown } | { ok: false; err: Error }> = [];
    try {
      this.inTxn(() => {
        for (const p of batch) {
          try {
            results.push({ ok: true, value: this.apply(p.op, ctx) });
          } catch (err) {
            // Expected outcomes (conflict, exists, …) fail only their op; anything else aborts the batch.
            if (err instanceof StoreError) results.push({ ok: false, err });
            else throw err;
          }
        }
      });
    } catch (err) {
      const e = new StoreUnavailableError(`sqlite write to ${this.path} failed: ${err instanceof Error ? err.message : String(err)}`);
      for (const p of batch) p.reject(e);
      return;
    }
    this.rev = ctx.rev;
    for (const f of ctx.after) f();
    for (const p of batch) this.walBytes += 'value' in p.op ? p.op.value.length + 200 : 200;
    const rev = ctx.rev;
    this.syncer.afterSync((err) => {
      if (err) {
        const e = this.syncFailed(err);
        for (const p of batch) p.reject(e);
        return;
      }
      this.durableRev = Math.max(this.durableRev, rev);
      batch.forEach((p, i) => {
        const r = results[i];
        if (r?.ok) p.resolve(r.value);
        else p.reject(r ? r.err : new StoreError('internal: missing result'));
      });
      this.hub.publish(ctx.events);
      this.checkpoint();
    });
  }

  private apply(op: Op, ctx: FlushContext): unknown {
    switch (op.kind) {
      case 'create': {
        if (this.st.getKey.get(op.key)) throw new KeyExistsError(op.key);
        this.checkLease(op.lease);
        const rev = ++ctx.rev;
        this.st.insertLog.run(rev, op.key, rev, 1, op.lease, op.value, null, 0);
        this.st.upsertKv.run(op.key, rev);
        const kv: KeyValue = { key: op.key, value: op.value, createRevision: rev, modRevision: rev, version: 1, lease: op.lease };
        ctx.events.push({ type: 'put', kv });
        return kv;
      }
      case 'update': {
        const cur = this.st.getKey.get(op.key) as LogRow | undefined;
        if (!cur) throw new KeyNotFoundError(op.key);
        if (cur.rev !== op.expected) throw new ConflictError(op.key, toKeyValue(cur));
        this.checkLease(op.lease);
        const rev = ++ctx.rev;
        this.st.insertLog.run(rev, op.key, cur.create_rev, cur.version + 1, op.lease, op.value, cur.rev, 0);
        this.st.upsertKv.run(op.key, rev);
        const kv: KeyValue = { key: op.key, value: op.value, createRevision: cur.create_rev, modRevision: rev, version: cur.version + 1, lease: op.lease };
        ctx.events.push({ type: 'put', kv, prevKv: toKeyValue(cur) });
        return kv;
      }
      case 'delete':
        return this.applyDelete(op.key, op.expected, ctx);
      case 'grant': {
        let id = 0;
        do id = 1 + Math.floor(Math.random() * MAX_LEASE_ID);
        while (this.st.insertLease.run(id, op.ttl).changes === 0);
        ctx.after.push(() => this.leases.set(id, { ttl: op.ttl, expiresAt: this.now() + op.ttl * 1000, expiring: false }));
        return id;
      }
      case 'revoke': {
        if (!this.st.leaseExists.get(op.id)) throw new LeaseNotFoundError(op.id);
        for (const { key } of this.st.keysOfLease.all(op.id) as Array<{ key: string }>) this.applyDelete(key, undefined, ctx);
        this.st.deleteLease.run(op.id);
        ctx.after.push(() => this.leases.delete(op.id));
        return undefined;
      }
      case 'compact': {
        if (op.rev > ctx.rev) throw new FutureRevisionError(op.rev, ctx.rev);
        if (op.rev <= ctx.compacted) throw new CompactedError(op.rev, ctx.compacted);
        ctx.compacted = op.rev;
        this.st.setMeta.run('compacted', op.rev);
        ctx.after.push(() => {
          this.compactedRev = Math.max(this.compactedRev, op.rev);
        });
        return undefined;
      }
    }
  }

  private applyDelete(key: string, expected: number | undefined, ctx: FlushContext): { prev: KeyValue; revision: number } {
    const cur = this.st.getKey.get(key) as LogRow | undefined;
    if (!cur) throw new KeyNotFoundError(key);
    const prev = toKeyValue(cur);
    if (expected !== undefined && cur.rev !== expected) throw new ConflictError(key, prev);
    const rev = ++ctx.rev;
    this.st.insertLog.run(rev, key, 0, 0, 0, null, cur.rev, 1);
    this.st.deleteKv.run(key);
    ctx.events.push({ type: 'delete', kv: { key, value: EMPTY, createRevision: 0, modRevision: rev, version: 0, lease: 0 }, prevKv: prev });
    return { prev, revision: rev };
  }

  private checkLease(lease: number): void {
    if (lease !== 0 && !this.st.leaseExists.get(lease)) throw new LeaseNotFoundError(lease);
  }

  /** Expired leases are revoked through the write queue, so their keys' deletes are ordinary revisions. */
  private expireLeases(): void {
    if (this.closed) return;
    const t = this.now();
    for (const [id, l] of this.leases) {
      if (l.expiring || l.expiresAt > t) continue;
      l.expiring = true;
      this.enqueue({ kind: 'revoke', id }).catch(() => {
        // already revoked by a client: nothing to do
      });
    }
  }
}
