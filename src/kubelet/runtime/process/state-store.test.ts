import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from './state-store';

interface Rec {
  id: string;
  n: number;
}

const cases: Array<{ name: string; run(s: StateStore): void; want: Rec[] }> = [
  {
    name: 'saves in one turn coalesce into the newest value',
    run: (s) => {
      const rec = { id: 'a', n: 1 };
      s.saveLater('containers', 'a', rec);
      rec.n = 2;
      s.saveLater('containers', 'a', { ...rec, n: 3 });
    },
    want: [{ id: 'a', n: 3 }],
  },
  {
    name: 'a remove after saves leaves nothing behind',
    run: (s) => {
      s.saveLater('containers', 'a', { id: 'a', n: 1 });
      s.saveLater('containers', 'b', { id: 'b', n: 1 });
      s.removeLater('containers', 'a');
    },
    want: [{ id: 'b', n: 1 }],
  },
  {
    name: 'a value mutated after its save is written as it is when written',
    run: (s) => {
      const rec = { id: 'c', n: 1 };
      s.saveLater('containers', 'c', rec);
      rec.n = 7;
    },
    want: [{ id: 'c', n: 7 }],
  },
];

for (const c of cases) {
  test(`state store write-behind: ${c.name}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-store-'));
    try {
      const s = new StateStore(dir, (e) => assert.fail(`write failed: ${e.message}`));
      c.run(s);
      await s.flush();
      const got = s.loadAll<Rec>('containers').sort((a, b) => a.id.localeCompare(b.id));
      assert.deepEqual(got, c.want, `got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('state store write-behind: a save after a flush lands, and the temp file does not stay', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'state-store-'));
  try {
    const s = new StateStore(dir);
    s.saveLater('sandboxes', 'x', { id: 'x', n: 1 });
    await s.flush();
    s.saveLater('sandboxes', 'x', { id: 'x', n: 2 });
    await s.flush();
    const got = JSON.parse(readFileSync(join(dir, 'sandboxes', 'x', 'state.json'), 'utf8')) as Rec;
    assert.equal(got.n, 2, `got n=${got.n}, want 2`);
    assert.equal(existsSync(join(dir, 'sandboxes', 'x', 'state.json.tmp')), false, 'state.json.tmp left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
