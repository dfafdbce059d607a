// The etcd backend: the Store contract on a real etcd ≥ 3.4 through the etcd3 client's raw RPCs.
// Keys are stored as given (`/registry/...`), so `etcdctl get --prefix /registry/` shows them.
//   create  = txn(create_revision(key) == 0) put
//   update  = txn(mod_revision(key) == expected && version(key) > 0) put(prev_kv) else range(key)
//   delete  = txn([mod_revision(key) == expected] && version(key) > 0) delete(prev_kv) else range(key)
import { Etcd3 } from 'etcd3';
import type { ICompare, IKeyValue, IRangeRequest, IWatchResponse, Watcher } from 'etcd3';
import {
  CompactedError, ConflictError, FutureRevisionError, KeyExistsError, KeyNotFoundError, LeaseNotFoundError,
  MAX_VALUE_BYTES, StoreError, StoreUnavailableError, ValueTooLargeError,
} from '../errors';
import type {
  KeyValue, RangeOptions, RangeResult, Store, Watch, WatchEvent, WatchHandlers, WatchOptions, WriteOptions,
} from '../types';
import { LeaseKeeper } from './lease-keeper';

export interface EtcdStoreOptions {
  /** "host:port" or "http://host:port". */
  endpoints: string[];
  /** How long to wait for the first answer before failing with "cannot reach etcd"; default 4 s. */
  connectTimeoutMs?: number;
}

const EMPTY = Buffer.alloc(0);
const MAX_LEASE_ID = 2 ** 52;
const b = (s: string): Buffer => Buffer.from(s, 'utf8');

function toKv(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'), value: kv.value ?? EMPTY, createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision), version: Number(kv.version), lease: Number(kv.lease ?? 0),
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class EtcdStore implements Store {
  readonly backend = 'etcd';
  private readonly keeper: LeaseKeeper;
  private knownCompacted = 0;
  private closed = false;

  private constructor(private readonly client: Etcd3, private readonly where: string) {
    this.keeper = new LeaseKeeper(client);
  }

  /** Connects and checks that etcd answers; rejects with "cannot reach etcd at …" within connectTimeoutMs. */
  static async connect(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const hosts = opts.endpoints.map((e) => (/^https?:\/\//.test(e) ? e : `http://${e}`));
    const where = opts.endpoints.join(',');
    const client = new Etcd3({
      hosts,
      dialTimeout: opts.connectTimeoutMs ?? 4000,
      // gRPC's default 4 MiB receive limit breaks LISTs of a few thousand objects (as kube-apiserver, lift it).
      grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 15_000 }),
    });
    const timeout = opts.connectTimeoutMs ?? 4000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.maintenance.status({ deadline: Date.now() + timeout }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout);
        }),
      ]);
    } catch (err) {
      client.close();
      throw new StoreUnavailableError(`cannot reach etcd at ${where}: ${message(err)}`);
    } finally {
      clearTimeout(timer);
    }
    return new EtcdStore(client, where);
  }

  async range(key: string, opts: RangeOptions = {}): Promise<RangeResult> {
    const req: IRangeRequest = { key: b(key) };
    if (opts.end !== undefined) req.range_end = b(opts.end);
    if (opts.revision) req.revision = opts.revision;
    if (opts.limit) req.limit = opts.limit;
    if (opts.keysOnly) req.keys_only = true;
    if (opts.countOnly) req.count_only = true;
    const res = await this.call(() => this.client.kv.range(req), opts.revision ?? 0).catch(async (err: unknown) => {
      if (err instanceof FutureRevisionError) throw new FutureRevisionError(err.requested, await this.currentRevision());
      throw err;
    });
    const kvs = (res.kvs ?? []).map(toKv);
    if (opts.keysOnly) for (const kv of kvs) kv.value = EMPTY;
    return { kvs, count: Number(res.count), more: Boolean(res.more), revision: Number(res.header.revision) };
  }

  async create(key: string, value: Buffer, opts: WriteOptions = {}): Promise<KeyValue> {
    this.checkSize(key, value);
    const lease = opts.lease ?? 0;
    const res = await this.call(() => this.client.kv.txn({
      compare: [{ key: b(key), target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: b(key), value, lease } }],
    }), 0, lease);
    if (!res.succeeded) throw new KeyExistsError(key);
    const rev = Number(res.header.revision);
    return { key, value, createRevision: rev, modRevision: rev, version: 1, lease };
  }

  async update(key: string, value: Buffer, expectedModRevision: number, opts: WriteOptions = {}): Promise<KeyValue> {
    this.checkSize(key, value);
    const lease = opts.lease ?? 0;
    const res = await this.call(() => this.client.kv.txn({
      compare: [
        { key: b(key), target: 'Mod', result: 'Equal', mod_revision: expectedModRevision },
        { key: b(key), target: 'Version', result: 'Greater', version: 0 },
      ],
      success: [{ request_put: { key: b(key), value, lease, prev_kv: true } }],
      failure: [{ request_range: { key: b(key) } }],
    }), 0, lease);
    if (!res.succeeded) this.failedCas(key, res.responses[0]?.response_range.kvs?.[0]);
    const prev = res.responses[0]?.response_put.prev_kv;
    const rev = Number(res.header.revision);
    return {
      key, value, createRevision: prev ? Number(prev.create_revision) : rev, modRevision: rev,
      version: prev ? Number(prev.version) + 1 : 1, lease,
    };
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    const compare: ICompare[] = [{ key: b(key), target: 'Version', result: 'Greater', version: 0 }];
    if (expectedModRevision !== undefined) {
      compare.push({ key: b(key), target: 'Mod', result: 'Equal', mod_revision: expectedModRevision });
    }
    const res = await this.call(() => this.client.kv.txn({
      compare,
      success: [{ request_delete_range: { key: b(key), prev_kv: true } }],
      failure: [{ request_range: { key: b(key) } }],
    }));
    if (!res.succeeded) this.failedCas(key, res.responses[0]?.response_range.kvs?.[0]);
    const prev = res.responses[0]?.response_delete_range.prev_kvs?.[0];
    if (!prev) throw new KeyNotFoundError(key);
    return { prev: toKv(prev), revision: Number(res.header.revision) };
  }

  watch(key: string, opts: WatchOptions, handlers: WatchHandlers): Watch {
    let builder = this.client.watch().withPreviousKV();
    builder = opts.end === undefined ? builder.key(b(key)) : builder.inRange({ start: b(key), end: b(opts.end) });
    if (opts.fromRevision) builder = builder.startRevision(String(opts.fromRevision));
    const watcher: Watcher = builder.watcher();
    let nextRev = opts.fromRevision ?? 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      watcher.removeAllListeners();
      watcher.on('error', () => undefined);
      watcher.cancel().catch(() => undefined);
    };
    watcher.on('data', (res: IWatchResponse) => {
      if (done || !res.events || res.events.length === 0) return;
      const events: WatchEvent[] = res.events.map((e) => {
        const prevKv = e.prev_kv ? toKv(e.prev_kv) : undefined;
        const kv = e.type === 'Delete'
          ? { key: e.kv.key.toString('utf8'), value: EMPTY, createRevision: 0, modRevision: Number(e.kv.mod_revision), version: 0, lease: 0 }
          : toKv(e.kv);
        const type = e.type === 'Delete' ? 'delete' as const : 'put' as const;
        return prevKv ? { type, kv, prevKv } : { type, kv };
      });
      nextRev = (events[events.length - 1]?.kv.modRevision ?? nextRev) + 1;
      try {
        handlers.onEvents(events);
      } catch {
        // handlers must not throw
      }
    });
    // etcd3 resumes a watch after a reconnect from (last response header revision + 1), which skips the
    // rest of a catch-up still in flight; resume from the revision after the last event delivered instead.
    watcher.on('disconnected', () => {
      if (nextRev > 0) (watcher.request as { start_revision?: string | number }).start_revision = String(nextRev);
    });
    watcher.on('error', (err: Error) => {
      if (done) return;
      finish();
      // etcd cancels a watch whose start is compacted without a reason string: ask with a range.
      void this.explainWatchError(key, nextRev, err).then((e) => handlers.onError(e));
    });
    return { close: finish };
  }

  async grantLease(ttlSeconds: number): Promise<number> {
    const id = 1 + Math.floor(Math.random() * MAX_LEASE_ID);
    await this.call(() => this.client.leaseClient.leaseGrant({ TTL: Math.ceil(ttlSeconds), ID: id }));
    return id;
  }

  keepAliveLease(id: number): Promise<void> {
    return this.keeper.keepAlive(id);
  }

  async revokeLease(id: number): Promise<void> {
    await this.call(() => this.client.leaseClient.leaseRevoke({ ID: id }), 0, id);
  }

  async compact(revision: number): Promise<void> {
    await this.call(() => this.client.kv.compact({ revision, physical: false }), revision);
    this.knownCompacted = Math.max(this.knownCompacted, revision);
  }

  /**
   * etcd does not report its compacted revision; it is found as the lowest revision a range can be served at
   * (a binary search of count-only ranges, ~20 cheap calls).
   */
  async revisions(): Promise<{ current: number; compacted: number }> {
    const current = await this.currentRevision();
    const servable = async (rev: number): Promise<boolean> => {
      try {
        await this.client.kv.range({ key: b('\0'), revision: rev, count_only: true });
        return true;
      } catch (err) {
        if (/compacted/.test(message(err))) return false;
        throw this.translate(err, rev);
      }
    };
    let lo = Math.max(1, this.knownCompacted);
    let hi = Math.max(1, current);
    if (lo > hi || !(await servable(hi))) return { current, compacted: current };
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await servable(mid)) hi = mid;
      else lo = mid + 1;
    }
    // The smallest servable revision is the compacted one (etcd serves reads at exactly it); 1 = never compacted.
    const compacted = lo <= 1 ? 0 : lo;
    this.knownCompacted = Math.max(this.knownCompacted, compacted);
    return { current, compacted };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.keeper.close();
    this.client.close();
    await Promise.resolve();
  }

  private async currentRevision(): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: b('\0'), count_only: true }));
    return Number(res.header.revision);
  }

  private async explainWatchError(key: string, nextRev: number, err: Error): Promise<Error> {
    if (nextRev > 0) {
      try {
        await this.client.kv.range({ key: b(key), revision: nextRev, count_only: true });
      } catch (e) {
        if (/compacted/.test(message(e))) return new CompactedError(nextRev, this.knownCompacted);
      }
    }
    return new StoreUnavailableError(`etcd watch on ${key} at ${this.where} failed: ${err.message}`);
  }

  private failedCas(key: string, current: IKeyValue | undefined): never {
    if (!current) throw new KeyNotFoundError(key);
    throw new ConflictError(key, toKv(current));
  }

  private checkSize(key: string, value: Buffer): void {
    if (value.length > MAX_VALUE_BYTES) throw new ValueTooLargeError(key, value.length, MAX_VALUE_BYTES);
  }

  private async call<T>(f: () => Promise<T>, revision = 0, lease = 0): Promise<T> {
    if (this.closed) throw new StoreUnavailableError(`etcd store for ${this.where} is closed`);
    try {
      return await f();
    } catch (err) {
      throw this.translate(err, revision, lease);
    }
  }

  private translate(err: unknown, revision: number, lease = 0): Error {
    const msg = message(err);
    if (/required revision has been compacted/.test(msg)) return new CompactedError(revision, this.knownCompacted);
    if (/future revision/.test(msg)) return new FutureRevisionError(revision, 0);
    if (/requested lease not found/.test(msg)) return new LeaseNotFoundError(lease);
    if (err instanceof StoreError) return err;
    return new StoreUnavailableError(`etcd at ${this.where}: ${msg}`);
  }
}
