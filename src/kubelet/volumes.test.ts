import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from './atomic-writer';
import type { ConfigSource } from './env';
import type { ConfigMap, Pod, Secret } from './types';
import { setUpVolumes, VolumeError, type VolumeHost } from './volumes';

const b = (s: string) => Buffer.from(s);

test('atomic writer: ..data symlink, in-place update, no-op when unchanged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-'));
  try {
    assert.equal(writeAtomic(dir, new Map([['a', { data: b('1'), mode: 0o644 }], ['sub/b', { data: b('2'), mode: 0o600 }]])), true);
    assert.ok(lstatSync(join(dir, '..data')).isSymbolicLink(), '..data is a symlink');
    assert.equal(readlinkSync(join(dir, 'a')), join('..data', 'a'));
    assert.equal(readFileSync(join(dir, 'sub', 'b'), 'utf8'), '2');
    assert.equal(statSync(join(dir, 'sub', 'b')).mode & 0o777, 0o600, 'mode');
    const first = readlinkSync(join(dir, '..data'));
    assert.equal(writeAtomic(dir, new Map([['a', { data: b('1'), mode: 0o644 }], ['sub/b', { data: b('2'), mode: 0o600 }]])), false, 'unchanged payload is a no-op');
    assert.equal(writeAtomic(dir, new Map([['a', { data: b('changed'), mode: 0o644 }]])), true);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'changed');
    assert.notEqual(readlinkSync(join(dir, '..data')), first, '..data points at a new directory');
    assert.equal(existsSync(join(dir, first)), false, 'the old payload is removed');
    assert.equal(existsSync(join(dir, 'sub')), false, 'a key that went away is removed');
    assert.throws(() => writeAtomic(dir, new Map([['../x', { data: b(''), mode: 0o644 }]])), /invalid path/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function fakeSource(cms: Record<string, ConfigMap>, secrets: Record<string, Secret>): ConfigSource {
  return {
    configMap: (_ns, n) => Promise.resolve(cms[n]),
    secret: (_ns, n) => Promise.resolve(secrets[n]),
    services: () => [],
  };
}

test('setUpVolumes: configMap, secret, downwardAPI, projected, emptyDir, hostPath', async () => {
  const root = mkdtempSync(join(tmpdir(), 'vol-'));
  const events: string[] = [];
  const host: VolumeHost = { podDir: (uid) => join(root, uid), isRoot: false, event: (_p, _t, r) => events.push(r) };
  const src = fakeSource(
    { cfg: { data: { 'app.conf': 'x=1', other: 'y' } } },
    { sec: { data: { password: Buffer.from('hunter2').toString('base64') } } },
  );
  const pod: Pod = {
    metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'web', tier: 'a"b' } },
    spec: {
      containers: [],
      volumes: [
        { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf' }] } },
        { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o400 } },
        { name: 'opt', configMap: { name: 'missing', optional: true } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
        { name: 'proj', projected: { sources: [{ configMap: { name: 'cfg' } }, { serviceAccountToken: { path: 'token' } }] } },
        { name: 'scratch', emptyDir: {} },
        { name: 'host', hostPath: { path: join(root, 'made'), type: 'DirectoryOrCreate' } },
      ],
    },
  };
  const ctx = { pod, hostIP: '127.0.0.1', nodeAllocatable: { cpu: 2, memory: 1e9 } };
  try {
    const got = await setUpVolumes(pod, host, src, ctx);
    const read = (v: string, f: string) => readFileSync(join(got.get(v)!, f), 'utf8');
    assert.equal(read('cfg', 'conf/app.conf'), 'x=1');
    assert.equal(existsSync(join(got.get('cfg')!, 'other')), false, 'items select keys');
    assert.equal(read('sec', 'password'), 'hunter2');
    assert.equal(statSync(join(got.get('sec')!, 'password')).mode & 0o777, 0o400, 'defaultMode');
    assert.deepEqual(readdirSync(got.get('opt')!).filter((f) => !f.startsWith('..')), [], 'optional missing configMap: empty volume');
    assert.equal(read('info', 'labels'), 'app="web"\ntier="a\\"b"');
    assert.equal(read('info', 'name'), 'p');
    assert.equal(read('proj', 'other'), 'y');
    assert.ok(events.includes('ServiceAccountTokenSkipped'), `events: got ${events}`);
    assert.ok(statSync(got.get('scratch')!).isDirectory(), 'emptyDir');
    assert.ok(statSync(join(root, 'made')).isDirectory(), 'DirectoryOrCreate made the directory');
    const bad: Pod = { ...pod, spec: { containers: [], volumes: [{ name: 'x', configMap: { name: 'nope' } }] } };
    await assert.rejects(setUpVolumes(bad, host, src, ctx), (e: unknown) => e instanceof VolumeError && /configmap "nope" not found/.test(e.message));
    const file: Pod = { ...pod, spec: { containers: [], volumes: [{ name: 'x', hostPath: { path: root, type: 'File' } }] } };
    await assert.rejects(setUpVolumes(file, host, src, ctx), /is not a file/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
