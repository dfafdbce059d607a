// sqlite-specific behaviour beyond the contract: restart, bounded growth, compaction beside writers,
// multi-chunk watch catch-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Recorder } from '../contract-helpers';
import { prefixEnd } from '../types';
import { SqliteStore } from './sqlite-store';

async function withDir(f: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-sqlite-'));
  try {
    await f(join(dir, 'state.db'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('reopen keeps keys, revisions, the compacted revision and leases', () => withDir(async (path) => {
  let s = SqliteStore.open({ path });
  const a = await s.create('/registry/a', Buffer.from('1'));
  const lease = await s.grantLease(60);
  await s.create('/registry/leased', Buffer.from('l'), { lease });
  const b = await s.update('/registry/a', Buffer.from('2'), a.modRevision);
  await s.delete('/registry/leased');
  await s.create('/registry/leased', Buffer.from('l2'), { lease });
  const last = await s.delete('/registry/a');
  await s.compact(last.revision); // the newest row (a tombstone) is compacted away
  const before = await s.revisions();
  await s.close();

  s = SqliteStore.open({ path });
  try {
    assert.deepEqual(await s.revisions(), before, 'revisions after reopen');
    const kv = (await s.range('/registry/leased')).kvs[0];
    assert.deepEqual([kv?.value.toString(), kv?.lease], ['l2', lease], 'leased key after reopen: [value, lease]');
    const atCompacted = (await s.range('/registry/', { end: '/registry0', revision: before.compacted })).kvs;
    assert.deepEqual(atCompacted.map((x) => x.value.toString()), ['l2'], 'read at the compacted revision after reopen');
    assert.ok(b.modRevision < before.compacted, 'update was compacted');
    await s.keepAliveLease(lease);
    const next = await s.create('/registry/new', Buffer.from('n'));
    assert.equal(next.modRevision, before.current + 1, `first revision after reopen: got ${next.modRevision}, want ${before.current + 1}`);
    await s.revokeLease(lease);
    assert.equal((await s.range('/registry/leased')).count, 0, 'revoke after reopen deletes the leased key');
  } finally {
    await s.close();
  }
}));

test('under churn with compaction the log holds one row per live key and the file stops growing', () => withDir(async (path) => {
  const s = SqliteStore.open({ path });
  try {
    const keys = Array.from({ length: 300 }, (_, i) => `/registry/configmaps/churn/k${i}`);
    const value = Buffer.alloc(2048, 0x63);
    const revs = new Map<string, number>();
    for (const k of keys) revs.set(k, (await s.create(k, value)).modRevision);
    const sizes: number[] = [];
    for (let round = 0; round < 16; round++) {
      for (let pass = 0; pass < 4; pass++) {
        await Promise.all(keys.map(async (k) => revs.set(k, (await s.update(k, value, revs.get(k) ?? 0)).modRevision)));
      }
      // a few deletes and recreates, so tombstones are compacted too
      for (const k of keys.slice(0, 10)) {
        await s.delete(k);
        revs.set(k, (await s.create(k, value)).modRevision);
      }
      await s.compact((await s.revisions()).current);
      // database + WAL: the WAL is reused after each checkpoint, the database reuses freed pages
      sizes.push(statSync(path).size + statSync(`${path}-wal`).size);
    }
    const rows = (s as unknown as { db: { prepare(q: string): { get(): { n: number } } } }).db.prepare('SELECT count(*) AS n FROM log').get().n;
    assert.equal(rows, keys.length, `log rows after compacting to current: got ${rows}, want ${keys.length}`);
    const base = sizes[5] ?? 0;
    const lastSize = sizes[sizes.length - 1] ?? 0;
    assert.ok(lastSize <= base * 1.25 + 65536, `files after 16 rounds ${lastSize} B, after 6 rounds ${base} B: want ≤ 1.25× (sizes ${sizes.join(', ')})`);
  } finally {
    await s.close();
  }
}));

test('writers are served while a large compaction is in progress', () => withDir(async (path) => {
  const s = SqliteStore.open({ path });
  try {
    const k = '/registry/hot';
    let rev = (await s.create(k, Buffer.from('0'))).modRevision;
    for (let i = 0; i < 12_000; i += 500) {
      const batch: Array<Promise<unknown>> = [];
      for (let j = 0; j < 500; j++) batch.push(s.create(`/registry/bulk/${i + j}`, Buffer.from('x')).then((kv) => s.delete(kv.key)));
      await Promise.all(batch);
    }
    const order: string[] = [];
    const compaction = s.compact((await s.revisions()).current).then(() => order.push('compaction done'));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    rev = (await s.update(k, Buffer.from('1'), rev)).modRevision;
    order.push('write done');
    await compaction;
    assert.deepEqual(order, ['write done', 'compaction done'], 'a write issued during compaction completes before it');
    assert.equal((await s.range(k)).kvs[0]?.modRevision, rev, 'the write is readable');
  } finally {
    await s.close();
  }
}));

test('a watch from far back catches up over many chunks and switches to live with no gap or duplicate', () => withDir(async (path) => {
  const s = SqliteStore.open({ path });
  try {
    const p = '/registry/pods/';
    const first = (await s.revisions()).current + 1;
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 7000; i++) writes.push(s.create(`${p}old-${i}`, Buffer.from('o')));
    await Promise.all(writes);
    const w = new Recorder(s, p, { end: prefixEnd(p), fromRevision: first });
    for (let i = 0; i < 300; i++) await s.create(`${p}live-${i}`, Buffer.from('l'));
    const current = (await s.revisions()).current;
    await w.waitForRevision(current, 20_000);
    const revs = w.events.map((e) => e.kv.modRevision);
    const want = Array.from({ length: current - first + 1 }, (_, i) => first + i);
    assert.equal(revs.length, want.length, `events: got ${revs.length}, want ${want.length}`);
    assert.deepEqual(revs, want, 'consecutive revisions from the start');
    w.close();
  } finally {
    await s.close();
  }
}));
