// Concurrency cases of the store contract suite (see contract.ts).
import assert from 'node:assert/strict';
import { ConflictError } from './errors';
import { prefixEnd } from './types';
import type { KeyValue, Store } from './types';
import { Recorder, buf } from './contract-helpers';

interface Case {
  name: string;
  run(store: Store, p: string): Promise<void>;
}

/** One read–modify–CAS loop: increments the counter in `key`; returns the revision it replaced and its own. */
async function increment(s: Store, key: string): Promise<{ n: number; saw: number; wrote: number }> {
  let cur: KeyValue | undefined = (await s.range(key)).kvs[0];
  for (;;) {
    if (!cur) throw new Error(`${key} vanished`);
    const n = (JSON.parse(cur.value.toString()) as { n: number }).n + 1;
    try {
      const w = await s.update(key, buf(JSON.stringify({ n })), cur.modRevision);
      return { n, saw: cur.modRevision, wrote: w.modRevision };
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      cur = err.current;
    }
  }
}

export const concurrencyCases: Case[] = [
  {
    name: '100 concurrent read-modify-CAS loops on one key lose nothing and each winner saw its predecessor',
    async run(s, p) {
      const key = `${p}counter`;
      const first = await s.create(key, buf(JSON.stringify({ n: 0 })));
      const wins = await Promise.all(Array.from({ length: 100 }, () => increment(s, key)));
      const final = (await s.range(key)).kvs[0];
      assert.equal(final && (JSON.parse(final.value.toString()) as { n: number }).n, 100, 'final counter');
      const byN = [...wins].sort((a, b) => a.n - b.n);
      assert.deepEqual(byN.map((w) => w.n), Array.from({ length: 100 }, (_, i) => i + 1), 'every count 1..100 won exactly once');
      let prevRev = first.modRevision;
      for (const w of byN) {
        assert.equal(w.saw, prevRev, `winner of n=${w.n} replaced rev ${w.saw}, want its predecessor's ${prevRev}`);
        prevRev = w.wrote;
      }
      assert.equal(final?.version, 101, `version: got ${final?.version}, want 101`);
    },
  },
  {
    name: '50 watchers (some catching up from the log) see identical sequences while several writers run',
    async run(s, p) {
      const from = (await s.revisions()).current + 1;
      const end = prefixEnd(p);
      const watchers: Recorder[] = [];
      for (let i = 0; i < 25; i++) watchers.push(new Recorder(s, p, { end, fromRevision: from }));
      const writer = async (w: number): Promise<number> => {
        let last = 0;
        for (let i = 0; i < 40; i++) {
          const key = `${p}w${w}-${i % 7}`;
          const cur = (await s.range(key)).kvs[0];
          if (!cur) last = (await s.create(key, buf(`${w}:${i}`))).modRevision;
          else if (i % 5 === 0) last = (await s.delete(key, cur.modRevision)).revision;
          else last = (await s.update(key, buf(`${w}:${i}`), cur.modRevision)).modRevision;
        }
        return last;
      };
      const writers = Array.from({ length: 5 }, (_, w) => writer(w));
      // Late joiners start from the same revision while writes go on: they catch up from the log, then go live.
      await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 25; i++) watchers.push(new Recorder(s, p, { end, fromRevision: from }));
      await Promise.all(writers);
      const current = (await s.revisions()).current;
      await Promise.all(watchers.map((w) => w.waitForRevision(current, 20_000)));
      const want = watchers[0]?.summary ?? [];
      assert.equal(want.length, 200, `events seen: got ${want.length}, want 200 (5 writers x 40 writes)`);
      const revs = watchers[0]?.events.map((e) => e.kv.modRevision) ?? [];
      assert.deepEqual(revs, Array.from({ length: 200 }, (_, i) => from + i), 'revisions are consecutive, in order, no gap or duplicate');
      watchers.forEach((w, i) => assert.deepEqual(w.summary, want, `watcher ${i} differs from watcher 0`));
      for (const w of watchers) w.close();
    },
  },
];
