import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError, createStore, parseDatastore, startAutoCompaction } from './index';

test('parseDatastore maps the --datastore flag', () => {
  const ok: Array<{ name: string; flag: string; want: unknown }> = [
    { name: 'sqlite', flag: 'sqlite', want: { datastore: 'sqlite', path: join('/d', 'state.db') } },
    { name: 'one etcd', flag: 'etcd://127.0.0.1:2379', want: { datastore: 'etcd', endpoints: ['127.0.0.1:2379'] } },
    { name: 'three etcds', flag: 'etcd://a:1,b.example:2,[::1]:3', want: { datastore: 'etcd', endpoints: ['a:1', 'b.example:2', '[::1]:3'] } },
  ];
  for (const c of ok) assert.deepEqual(parseDatastore(c.flag, '/d'), c.want, c.name);
  const bad = ['', 'mysql', 'etcd://', 'etcd://host', 'etcd://h:0', 'etcd://h:99999', 'etcd://a:1,,b:2', 'http://h:1'];
  for (const flag of bad) {
    assert.throws(() => parseDatastore(flag, '/d'), (e: Error) => /--datastore must be "sqlite" or "etcd:\/\/host:port/.test(e.message),
      `flag ${JSON.stringify(flag)} should be refused with the usage`);
  }
});

test('createStore opens sqlite under a new directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ds-'));
  try {
    const s = await createStore(parseDatastore('sqlite', join(dir, 'sub', 'dir')));
    assert.equal(s.backend, 'sqlite', 'backend');
    assert.equal((await s.create('/registry/x', Buffer.from('1'))).modRevision, 1, 'first revision');
    await s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('createStore with an unreachable etcd fails with "cannot reach etcd at …"', async () => {
  // A port that is bound but never answers gRPC, and a closed one.
  const socks = new Set<Socket>();
  const srv = createServer((sock) => {
    socks.add(sock);
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  const silent = typeof addr === 'object' && addr ? addr.port : 0;
  try {
    for (const endpoint of [`127.0.0.1:${silent}`, '127.0.0.1:1']) {
      await assert.rejects(createStore({ datastore: 'etcd', endpoints: [endpoint] }),
        (e: Error) => e instanceof StoreUnavailableError && e.message.startsWith(`cannot reach etcd at ${endpoint}`),
        `endpoint ${endpoint}`);
    }
  } finally {
    for (const sock of socks) sock.destroy();
    srv.close();
  }
});

test('auto-compaction keeps the time window and the revision floor', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ac-'));
  const s = await createStore({ datastore: 'sqlite', path: join(dir, 'state.db') });
  let now = 1_000_000;
  const ac = startAutoCompaction(s, { intervalMs: 3_600_000, retainMs: 60_000, keepRevisions: 5, now: () => now });
  try {
    const write = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await s.create(`/registry/ac/${now}-${i}`, Buffer.from('v'));
    };
    await write(20); // rev 20 at t=0
    assert.equal(await ac.runOnce(), undefined, 'nothing is old enough at first');
    now += 30_000;
    await write(20); // rev 40 at t=30s
    assert.equal(await ac.runOnce(), undefined, 'samples younger than the window are kept');
    now += 31_000;
    await write(20); // rev 60 at t=61s: the t=0 sample (rev 20) is now older than 60 s
    assert.equal(await ac.runOnce(), 20, 'compacts to the revision seen a window ago');
    assert.equal((await s.revisions()).compacted, 20, 'store compacted revision');
    now += 60_000;
    assert.equal(await ac.runOnce(), 55, 'the revision floor (current 60 − 5) wins over the window sample (60)');
    now += 60_000;
    assert.equal(await ac.runOnce(), undefined, 'nothing new to compact');
  } finally {
    ac.stop();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
