// Files and openers the sqlite store must refuse with a clear message, leaving the holder unharmed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../errors';
import { SqliteStore } from './sqlite-store';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'berth-bad-'));
}

function openError(path: string): Error {
  try {
    const s = SqliteStore.open({ path });
    void s.close();
  } catch (err) {
    return err as Error;
  }
  throw new Error(`opening ${path} succeeded, want an error`);
}

test('unusable files are refused with a message naming the path and what to do', () => {
  const dir = tempDir();
  try {
    const cases: Array<{ name: string; prepare(path: string): void; want: RegExp }> = [
      { name: 'random bytes', prepare: (p) => writeFileSync(p, Buffer.alloc(8192, 0x5a)), want: /is not a berth database or is corrupt.*move it away to start empty, or restore a backup/ },
      { name: 'text file', prepare: (p) => writeFileSync(p, 'hello, I am not a database\n'.repeat(200)), want: /is not a berth database or is corrupt/ },
      {
        name: 'foreign sqlite database',
        prepare: (p) => {
          const db = new Database(p);
          db.exec('CREATE TABLE songs(title TEXT)');
          db.close();
        },
        want: /is not a berth database or is corrupt/,
      },
      {
        name: 'berth database with a mangled page',
        prepare: (p) => {
          const s = SqliteStore.open({ path: p });
          void s.close();
          const bytes = readFileSync(p);
          bytes.fill(0xff, 100, Math.min(bytes.length, 4096 * 3)); // header page after the 100-byte file header, and more
          writeFileSync(p, bytes);
        },
        want: /is not a berth database or is corrupt/,
      },
      { name: 'missing directory', prepare: () => undefined, want: /cannot open sqlite database .*check that its directory exists/ },
    ];
    for (const [i, c] of cases.entries()) {
      const path = c.name === 'missing directory' ? join(dir, 'nope', 'deeper', 'state.db') : join(dir, `case-${i}.db`);
      c.prepare(path);
      const err = openError(path);
      assert.ok(err instanceof StoreUnavailableError, `${c.name}: got ${err.name}, want StoreUnavailableError`);
      assert.ok(err.message.includes(path), `${c.name}: message ${JSON.stringify(err.message)} should name ${path}`);
      assert.match(err.message, c.want, `${c.name}: message`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second opener (another process, or this one) fails at once; the holder keeps working', async () => {
  const dir = tempDir();
  const path = join(dir, 'state.db');
  const holder = SqliteStore.open({ path });
  try {
    const before = await holder.create('/registry/x', Buffer.from('1'));
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'open-child.ts'), path], { timeout: 30_000 }).toString();
    const res = JSON.parse(out.trim()) as { ok: boolean; name?: string; message?: string };
    assert.equal(res.ok, false, `second process opened ${path}; want it refused`);
    assert.equal(res.name, 'StoreUnavailableError', `second process error name`);
    assert.match(res.message ?? '', /is in use by another process/, 'second process message');
    assert.ok(res.message?.includes(path), `second process message ${JSON.stringify(res.message)} should name ${path}`);
    assert.match(openError(path).message, /is in use by another process/, 'second opener in the same process');
    const after = await holder.update('/registry/x', Buffer.from('2'), before.modRevision);
    assert.equal(after.modRevision, before.modRevision + 1, 'holder writes after the refused openers');
    assert.equal((await holder.range('/registry/x')).kvs[0]?.value.toString(), '2', 'holder reads its write');
  } finally {
    await holder.close();
  }
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'open-child.ts'), path]).toString();
  assert.deepEqual(JSON.parse(out.trim()), { ok: true }, 'after the holder closes, another process can open it');
  rmSync(dir, { recursive: true, force: true });
});
