// Store benchmark: the same workloads through the Store interface on the sqlite backend and on a real etcd
// (started on loopback), both durable (sqlite synchronous=FULL in WAL mode; etcd fsyncs its WAL).
//   npm run bench:store
// Prints `store-bench <metric> sqlite=<n> etcd=<n> ratio=<r>` (ratio > 1 means berth's sqlite is better),
// and last `store-bench concurrent_writes_ratio=<r>`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStore } from '../src/store/etcd/etcd-store';
import { startEtcd } from '../src/store/etcd/etcd-process';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';
import { prefixEnd } from '../src/store/types';
import type { Store } from '../src/store/types';

const VALUE = Buffer.alloc(1024, 0x61);

async function timeBoxed(ms: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) await op(n++);
  }));
  return n / ((performance.now() - t0) / 1000);
}

async function load(s: Store, prefix: string, count: number, inFlight: number, value = VALUE): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) {
      const i = next++;
      await s.create(`${prefix}${String(i).padStart(7, '0')}`, value);
    }
  }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function timeRange(s: Store, prefix: string, times: number, limit?: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    const r = await s.range(prefix, { end: prefixEnd(prefix), ...(limit ? { limit } : {}) });
    samples.push(performance.now() - t0);
    if (r.kvs.length === 0) throw new Error(`range of ${prefix} returned nothing`);
  }
  return median(samples);
}

/** Latency from a write's call to its event reaching each of `watchers` prefix watchers. */
async function watchLatency(s: Store, watchers: number, writes: number): Promise<{ p50: number; p99: number }> {
  const prefix = '/registry/bench-watch/';
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  let delivered = 0;
  const handles = Array.from({ length: watchers }, () => s.watch(prefix, { end: prefixEnd(prefix) }, {
    onEvents: (evs) => {
      const t = performance.now();
      for (const e of evs) {
        const t0 = sentAt.get(e.kv.key);
        if (t0 !== undefined) samples.push(t - t0);
        delivered++;
      }
    },
    onError: (err) => {
      throw err;
    },
  }));
  await new Promise((r) => setTimeout(r, 300)); // let remote watchers attach
  for (let i = 0; i < writes; i++) {
    const key = `${prefix}k${i}`;
    sentAt.set(key, performance.now());
    await s.create(key, VALUE);
  }
  const deadline = Date.now() + 10_000;
  while (delivered < watchers * writes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  for (const h of handles) h.close();
  if (delivered < watchers * writes) throw new Error(`watch: delivered ${delivered} of ${watchers * writes} events`);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

interface Figures {
  seq: number;
  concurrent: number;
  range10k: number;
  watchP50: number;
  watchP99: number;
}

async function run(s: Store): Promise<Figures> {
  const seq = await timeBoxed(2000, 1, (i) => s.create(`/registry/bench-seq/${i}`, VALUE));
  const concurrent = await timeBoxed(3000, 100, (i) => s.create(`/registry/bench-conc/${i}`, VALUE));
  await load(s, '/registry/bench-range/', 10_000, 200);
  const range10k = await timeRange(s, '/registry/bench-range/', 7);
  const w = await watchLatency(s, 100, 300);
  return { seq, concurrent, range10k, watchP50: w.p50, watchP99: w.p99 };
}

const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function line(metric: string, sqlite: number, etcd: number, higherIsBetter: boolean): void {
  const ratio = higherIsBetter ? sqlite / etcd : etcd / sqlite;
  process.stdout.write(`store-bench ${metric} sqlite=${fmt(sqlite)} etcd=${fmt(etcd)} ratio=${fmt(ratio)}\n`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  const etcd = await startEtcd();
  try {
    const sqlite = SqliteStore.open({ path: join(dir, 'state.db') });
    const sq = await run(sqlite);
    // The big list: 150,000 keys of 1 KiB in one store (sqlite only; etcd would need minutes to load).
    await load(sqlite, '/registry/bench-big/', 150_000, 1000);
    const big = await timeRange(sqlite, '/registry/bench-big/', 3);
    const bigPage = await timeRange(sqlite, '/registry/bench-big/', 7, 500);
    await sqlite.close();

    const remote = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    const et = await run(remote);
    await remote.close();

    line('sequential_writes_per_s', sq.seq, et.seq, true);
    line('concurrent_writes_per_s_100_in_flight', sq.concurrent, et.concurrent, true);
    line('range_10000_keys_ms', sq.range10k, et.range10k, false);
    line('watch_latency_p50_ms_100_watchers', sq.watchP50, et.watchP50, false);
    line('watch_latency_p99_ms_100_watchers', sq.watchP99, et.watchP99, false);
    process.stdout.write(`store-bench range_150000_keys_ms sqlite=${fmt(big)} etcd=- ratio=-\n`);
    process.stdout.write(`store-bench range_limit500_of_150000_keys_ms sqlite=${fmt(bigPage)} etcd=- ratio=-\n`);
    process.stdout.write(`store-bench concurrent_writes_ratio=${fmt(sq.concurrent / et.concurrent)}\n`);
  } finally {
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
