// kill -9 during heavy concurrent writing: every acknowledged write survives with its revision, revisions
// are never reused, and the database passes integrity_check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store';

const child = join(import.meta.dirname, 'crash-child.ts');

/** Runs the child until `killAfterAcks` writes are acknowledged plus a random delay, then SIGKILLs it. */
function runAndKill(path: string, prefix: string, killAfterAcks: number): Promise<Array<{ key: string; rev: number }>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, path, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Array<{ key: string; rev: number }> = [];
    let buf = '';
    let stderr = '';
    let killing = false;
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const [tag, key, rev] = l.split(' ');
        if (tag === 'ack' && key && rev) acks.push({ key, rev: Number(rev) });
      }
      if (!killing && acks.length >= killAfterAcks) {
        killing = true;
        setTimeout(() => p.kill('SIGKILL'), Math.floor(Math.random() * 50));
      }
    });
    p.on('exit', (code, signal) => {
      // Lines written before the kill are still in the pipe: 'exit' may precede the last 'data'.
      setTimeout(() => {
        if (signal !== 'SIGKILL') reject(new Error(`child ended with ${code ?? signal} before the kill: ${stderr}`));
        else resolve(acks);
      }, 100);
    });
  });
}

test('acknowledged writes survive kill -9 with their revisions; no revision reuse; integrity ok', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-crash-'));
  const path = join(dir, 'state.db');
  try {
    let allAcks: Array<{ key: string; rev: number }> = [];
    for (let round = 0; round < 3; round++) {
      const acks = await runAndKill(path, `/registry/crash/r${round}/`, 1500 + Math.floor(Math.random() * 3000));
      assert.ok(acks.length >= 1500, `round ${round}: acknowledged writes got ${acks.length}, want ≥ 1500`);
      allAcks = allAcks.concat(acks);
      const store = SqliteStore.open({ path });
      let missing = 0;
      const examples: string[] = [];
      for (const a of allAcks) {
        const kv = (await store.range(a.key, { revision: a.rev })).kvs[0];
        if (kv?.modRevision !== a.rev) {
          missing++;
          if (examples.length < 3) examples.push(`${a.key}@${a.rev} read back as ${kv ? `@${kv.modRevision}` : 'absent'}`);
        }
      }
      assert.equal(missing, 0, `round ${round}: acknowledged writes lost: ${missing} of ${allAcks.length} (${examples.join('; ')})`);
      const maxAcked = Math.max(...allAcks.map((a) => a.rev));
      const fresh = await store.create(`/registry/crash/after-${round}`, Buffer.from('x'));
      assert.ok(fresh.modRevision > maxAcked, `round ${round}: new write got revision ${fresh.modRevision}, want > ${maxAcked}`);
      await store.close();
      const db = new Database(path);
      const check = db.pragma('integrity_check', { simple: true });
      db.close();
      assert.equal(check, 'ok', `round ${round}: integrity_check got ${String(check)}, want ok`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
