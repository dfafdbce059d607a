// The Store contract suite: every backend runs it (sqlite.test.ts, etcd.test.ts). Each case gets a fresh
// store from newStore() and its own key prefix, so a backend may share one server between cases.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompactedError, ConflictError, FutureRevisionError, KeyExistsError, KeyNotFoundError, LeaseNotFoundError,
  MAX_VALUE_BYTES, ValueTooLargeError,
} from './errors';
import { prefixEnd } from './types';
import type { Store } from './types';
import { Recorder, buf, rejectsWith, sleep, uniquePrefix, waitUntil } from './contract-helpers';
import type { NewStore } from './contract-helpers';
import { concurrencyCases } from './contract-concurrency';

export type { NewStore } from './contract-helpers';

export interface ContractCase {
  name: string;
  run(store: Store, p: string): Promise<void>;
}

const basicCases: ContractCase[] = [
  {
    name: 'global revision grows by one per successful write, not on failed ones',
    async run(s, p) {
      const r0 = (await s.revisions()).current;
      const a = await s.create(`${p}a`, buf('1'));
      assert.equal(a.modRevision, r0 + 1, `create rev: got ${a.modRevision}, want ${r0 + 1}`);
      await rejectsWith(s.create(`${p}a`, buf('x')), KeyExistsError, 'create of existing key');
      const b = await s.update(`${p}a`, buf('2'), a.modRevision);
      assert.equal(b.modRevision, r0 + 2, `update rev: got ${b.modRevision}, want ${r0 + 2}`);
      await rejectsWith(s.update(`${p}a`, buf('3'), a.modRevision), ConflictError, 'stale update');
      const d = await s.delete(`${p}a`);
      assert.equal(d.revision, r0 + 3, `delete rev: got ${d.revision}, want ${r0 + 3}`);
      assert.equal((await s.revisions()).current, r0 + 3, 'revisions().current after 3 writes');
    },
  },
  {
    name: 'createRevision, modRevision and version follow etcd',
    async run(s, p) {
      const k = `${p}k`;
      const c = await s.create(k, buf('v1'));
      assert.deepEqual([c.createRevision, c.version, c.lease], [c.modRevision, 1, 0], 'after create: [createRev, version, lease]');
      const u = await s.update(k, buf('v2'), c.modRevision);
      assert.deepEqual([u.createRevision, u.version], [c.createRevision, 2], 'after update: [createRev, version]');
      const got = (await s.range(k)).kvs[0];
      assert.deepEqual(got && { ...got, value: got.value.toString() }, { ...u, value: 'v2' }, 'range returns the updated kv');
      const d = await s.delete(k, u.modRevision);
      assert.equal(d.prev.value.toString(), 'v2', 'delete returns the last value');
      const again = await s.create(k, buf('v3'));
      assert.deepEqual([again.createRevision, again.version], [again.modRevision, 1], 'recreated key starts a new incarnation');
    },
  },
  {
    name: 'range of a key and of a prefix with limit, keysOnly, countOnly',
    async run(s, p) {
      for (const n of ['c', 'a', 'e', 'b', 'd']) await s.create(`${p}${n}`, buf(`val-${n}`));
      await s.create(`${p.slice(0, -1)}x`, buf('outside')); // shares the prefix minus its slash
      const end = prefixEnd(p);
      const cases = [
        { name: 'single key', key: `${p}b`, opts: {}, keys: ['b'], count: 1, more: false },
        { name: 'missing key', key: `${p}zz`, opts: {}, keys: [], count: 0, more: false },
        { name: 'whole prefix, sorted', key: p, opts: { end }, keys: ['a', 'b', 'c', 'd', 'e'], count: 5, more: false },
        { name: 'limit 2', key: p, opts: { end, limit: 2 }, keys: ['a', 'b'], count: 5, more: true },
        { name: 'limit 5 exact', key: p, opts: { end, limit: 5 }, keys: ['a', 'b', 'c', 'd', 'e'], count: 5, more: false },
        { name: 'sub-range [b, d)', key: `${p}b`, opts: { end: `${p}d` }, keys: ['b', 'c'], count: 2, more: false },
        { name: 'countOnly', key: p, opts: { end, countOnly: true }, keys: [], count: 5, more: false },
      ];
      for (const c of cases) {
        const r = await s.range(c.key, c.opts);
        const keys = r.kvs.map((kv) => kv.key.slice(p.length));
        assert.deepEqual(keys, c.keys, `${c.name}: keys got ${JSON.stringify(keys)}, want ${JSON.stringify(c.keys)}`);
        assert.equal(r.count, c.count, `${c.name}: count got ${r.count}, want ${c.count}`);
        assert.equal(r.more, c.more, `${c.name}: more got ${r.more}, want ${c.more}`);
        for (const kv of r.kvs) assert.equal(kv.value.toString(), `val-${kv.key.slice(p.length)}`, `${c.name}: value of ${kv.key}`);
      }
      const ko = await s.range(p, { end, keysOnly: true });
      assert.deepEqual(ko.kvs.map((kv) => kv.value.length), [0, 0, 0, 0, 0], 'keysOnly: empty values');
      assert.ok(ko.kvs.every((kv) => kv.modRevision > 0 && kv.version === 1), 'keysOnly keeps revisions and version');
      const cur = (await s.revisions()).current;
      assert.equal(ko.revision, cur, `range revision: got ${ko.revision}, want current ${cur}`);
    },
  },
  {
    name: 'range at an older revision; CompactedError below the compacted one; FutureRevisionError',
    async run(s, p) {
      const a1 = await s.create(`${p}a`, buf('a1'));
      const b1 = await s.create(`${p}b`, buf('b1'));
      const a2 = await s.update(`${p}a`, buf('a2'), a1.modRevision);
      await s.delete(`${p}b`);
      await s.create(`${p}c`, buf('c1'));
      const end = prefixEnd(p);
      const at = async (rev: number): Promise<string[]> =>
        (await s.range(p, { end, revision: rev })).kvs.map((kv) => `${kv.key.slice(p.length)}=${kv.value.toString()}`);
      const cases = [
        { rev: a1.modRevision, want: ['a=a1'] },
        { rev: b1.modRevision, want: ['a=a1', 'b=b1'] },
        { rev: a2.modRevision, want: ['a=a2', 'b=b1'] },
        { rev: a2.modRevision + 1, want: ['a=a2'] },
        { rev: a2.modRevision + 2, want: ['a=a2', 'c=c1'] },
      ];
      for (const c of cases) assert.deepEqual(await at(c.rev), c.want, `prefix at rev ${c.rev}`);
      const single = await s.range(`${p}a`, { revision: a1.modRevision });
      assert.equal(single.kvs[0]?.value.toString(), 'a1', 'single key at old revision');
      const limited = await s.range(p, { end, revision: a2.modRevision, limit: 1 });
      assert.deepEqual([limited.kvs.length, limited.count, limited.more], [1, 2, true], 'limit at old revision: [len, count, more]');
      const cur = (await s.revisions()).current;
      await rejectsWith(s.range(p, { end, revision: cur + 100 }), FutureRevisionError, 'range at future revision');
      await s.compact(a2.modRevision);
      await rejectsWith(s.range(p, { end, revision: b1.modRevision }), CompactedError, 'range below compacted revision');
      assert.deepEqual(await at(a2.modRevision), ['a=a2', 'b=b1'], 'range at exactly the compacted revision');
      assert.deepEqual(await at(a2.modRevision + 1), ['a=a2'], 'range just above the compacted revision');
      assert.deepEqual(await at(cur), ['a=a2', 'c=c1'], 'range at current after compaction');
    },
  },
  {
    name: 'create fails with KeyExistsError when the key exists',
    async run(s, p) {
      await s.create(`${p}x`, buf('1'));
      const err = await rejectsWith(s.create(`${p}x`, buf('2')), KeyExistsError, 'second create');
      assert.equal(err.key, `${p}x`, 'KeyExistsError.key');
      assert.equal((await s.range(`${p}x`)).kvs[0]?.value.toString(), '1', 'value unchanged by failed create');
    },
  },
  {
    name: 'update and delete compare-and-swap on modRevision',
    async run(s, p) {
      const k = `${p}cas`;
      const v1 = await s.create(k, buf('1'));
      const v2 = await s.update(k, buf('2'), v1.modRevision);
      const conflict = await rejectsWith(s.update(k, buf('x'), v1.modRevision), ConflictError, 'update with stale rev');
      assert.equal(conflict.current.modRevision, v2.modRevision, `ConflictError.current.modRevision: got ${conflict.current.modRevision}, want ${v2.modRevision}`);
      assert.equal(conflict.current.value.toString(), '2', 'ConflictError.current.value');
      const dConflict = await rejectsWith(s.delete(k, v1.modRevision), ConflictError, 'delete with stale rev');
      assert.equal(dConflict.current.modRevision, v2.modRevision, 'delete ConflictError.current.modRevision');
      await rejectsWith(s.update(`${p}missing`, buf('x'), 1), KeyNotFoundError, 'update of missing key');
      await rejectsWith(s.delete(`${p}missing`), KeyNotFoundError, 'delete of missing key');
      await rejectsWith(s.delete(`${p}missing`, 5), KeyNotFoundError, 'CAS delete of missing key');
      const d = await s.delete(k, v2.modRevision);
      assert.equal(d.prev.modRevision, v2.modRevision, 'delete prev');
      assert.equal((await s.range(k)).kvs.length, 0, 'key gone after delete');
    },
  },
  {
    name: 'values over MAX_VALUE_BYTES are rejected with ValueTooLargeError; at the limit they pass',
    async run(s, p) {
      const big = Buffer.alloc(MAX_VALUE_BYTES + 1, 0x61);
      const e = await rejectsWith(s.create(`${p}big`, big), ValueTooLargeError, 'create over limit');
      assert.equal(e.size, MAX_VALUE_BYTES + 1, 'ValueTooLargeError.size');
      const small = await s.create(`${p}big`, buf('s'));
      await rejectsWith(s.update(`${p}big`, big, small.modRevision), ValueTooLargeError, 'update over limit');
      assert.equal((await s.range(`${p}big`)).kvs[0]?.value.toString(), 's', 'value unchanged');
      const atLimit = Buffer.alloc(1024 * 1024, 0x62);
      const ok = await s.update(`${p}big`, atLimit, small.modRevision);
      const back = (await s.range(`${p}big`)).kvs[0];
      assert.equal(back?.value.length, atLimit.length, `1 MiB value round-trips: got ${back?.value.length}`);
      assert.equal(back?.modRevision, ok.modRevision, '1 MiB value modRevision');
    },
  },
  {
    name: 'watch a key and a prefix from a revision: in order, with prevKv',
    async run(s, p) {
      const a1 = await s.create(`${p}a`, buf('a1'));
      const from = a1.modRevision;
      const a2 = await s.update(`${p}a`, buf('a2'), a1.modRevision);
      const b1 = await s.create(`${p}b`, buf('b1'));
      const keyW = new Recorder(s, `${p}a`, { fromRevision: from });
      const preW = new Recorder(s, p, { end: prefixEnd(p), fromRevision: from });
      const liveW = new Recorder(s, p, { end: prefixEnd(p) });
      await sleep(50);
      const del = await s.delete(`${p}a`);
      await s.update(`${p}b`, buf('b2'), b1.modRevision);
      await preW.waitForCount(5);
      await keyW.waitForCount(3);
      await liveW.waitForCount(2);
      assert.deepEqual(keyW.summary, [`put ${p}a@${from}`, `put ${p}a@${a2.modRevision}`, `delete ${p}a@${del.revision}`], 'key watcher events');
      assert.deepEqual(preW.summary, [
        `put ${p}a@${from}`, `put ${p}a@${a2.modRevision}`, `put ${p}b@${b1.modRevision}`,
        `delete ${p}a@${del.revision}`, `put ${p}b@${del.revision + 1}`,
      ], 'prefix watcher events');
      assert.deepEqual(liveW.summary, preW.summary.slice(3), 'watcher without fromRevision sees only later events');
      const [e0, e1, , e3, e4] = preW.events;
      assert.equal(e0?.prevKv, undefined, 'create has no prevKv');
      assert.equal(e1?.prevKv?.value.toString(), 'a1', 'update prevKv value');
      assert.equal(e1?.kv.value.toString(), 'a2', 'update value');
      assert.equal(e3?.prevKv?.value.toString(), 'a2', 'delete prevKv value');
      assert.deepEqual([e3?.kv.value.length, e3?.kv.version], [0, 0], 'delete event kv: empty value, version 0');
      assert.equal(e4?.prevKv?.modRevision, b1.modRevision, 'prevKv modRevision');
      for (const w of [keyW, preW, liveW]) w.close();
    },
  },
  {
    name: 'watch from a compacted revision fails with CompactedError; above it works',
    async run(s, p) {
      const a = await s.create(`${p}a`, buf('1'));
      const b = await s.update(`${p}a`, buf('2'), a.modRevision);
      const c = await s.update(`${p}a`, buf('3'), b.modRevision);
      await s.compact(c.modRevision);
      const old = new Recorder(s, p, { end: prefixEnd(p), fromRevision: a.modRevision });
      const err = await old.waitForError();
      assert.ok(err instanceof CompactedError, `got ${err.name}: ${err.message}, want CompactedError`);
      assert.equal(old.events.length, 0, 'no events before the CompactedError');
      const after = await s.update(`${p}a`, buf('4'), c.modRevision);
      const ok = new Recorder(s, p, { end: prefixEnd(p), fromRevision: c.modRevision + 1 });
      await ok.waitForCount(1);
      assert.deepEqual(ok.summary, [`put ${p}a@${after.modRevision}`], 'watch just above compacted revision');
      assert.equal(ok.events[0]?.prevKv?.value.toString(), '3', 'prevKv survives compaction');
      ok.close();
      const revs = await s.revisions();
      assert.ok(revs.compacted >= c.modRevision, `revisions().compacted: got ${revs.compacted}, want ≥ ${c.modRevision}`);
      await rejectsWith(s.compact(revs.current + 10), FutureRevisionError, 'compact to a future revision');
    },
  },
  {
    name: 'leases: keys deleted on expiry as delete events, keepAlive extends, revoke deletes',
    async run(s, p) {
      const expiring = await s.grantLease(1);
      const kept = await s.grantLease(2);
      const revoked = await s.grantLease(30);
      const w = new Recorder(s, p, { end: prefixEnd(p) });
      await sleep(50);
      const e = await s.create(`${p}expiring`, buf('e'), { lease: expiring });
      assert.equal(e.lease, expiring, 'kv.lease of a leased key');
      await s.create(`${p}kept`, buf('k'), { lease: kept });
      await s.create(`${p}revoked1`, buf('r'), { lease: revoked });
      await s.create(`${p}revoked2`, buf('r'), { lease: revoked });
      await s.create(`${p}plain`, buf('p'));
      await rejectsWith(s.create(`${p}nolease`, buf('x'), { lease: 424242 }), LeaseNotFoundError, 'write with unknown lease');
      await s.revokeLease(revoked);
      await waitUntil(() => w.summary.filter((l) => l.startsWith('delete')).length >= 2, 5000, () => `revoke deletes (${w.summary.join(', ')})`);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !w.summary.some((l) => l.startsWith(`delete ${p}expiring@`))) {
        await s.keepAliveLease(kept);
        await sleep(300);
      }
      const has = async (k: string): Promise<boolean> => (await s.range(`${p}${k}`)).count === 1;
      assert.ok(w.summary.some((l) => l.startsWith(`delete ${p}expiring@`)), `expired lease's key deleted by event: ${w.summary.join(', ')}`);
      assert.deepEqual(await Promise.all(['expiring', 'kept', 'revoked1', 'revoked2', 'plain'].map(has)),
        [false, true, false, false, true], 'presence of [expiring, kept, revoked1, revoked2, plain]');
      const del = w.events.find((ev) => ev.type === 'delete' && ev.kv.key === `${p}expiring`);
      assert.equal(del?.prevKv?.value.toString(), 'e', 'expiry delete event carries prevKv');
      await rejectsWith(s.revokeLease(revoked), LeaseNotFoundError, 'revoke of a revoked lease');
      await rejectsWith(s.keepAliveLease(revoked), LeaseNotFoundError, 'keepAlive of a revoked lease');
      await waitUntil(() => w.summary.some((l) => l.startsWith(`delete ${p}kept@`)), 10_000, () => 'kept key to expire without keepAlive');
      w.close();
    },
  },
];

/** Registers the whole contract suite for one backend. */
export function runStoreContract(name: string, newStore: NewStore): void {
  describe(`Store contract: ${name}`, () => {
    for (const c of [...basicCases, ...concurrencyCases]) {
      test(c.name, async () => {
        const { store, cleanup } = await newStore();
        try {
          await c.run(store, uniquePrefix(c.name.split(' ')[0] ?? 'case'));
        } finally {
          await cleanup();
        }
      });
    }
  });
}
