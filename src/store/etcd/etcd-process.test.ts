import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EtcdStore } from './etcd-store';
import { startEtcd } from './etcd-process';

test('keys are stored as given: etcdctl get --prefix /registry/ shows them; stop ends the process', async () => {
  const etcd = await startEtcd();
  try {
    const store = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    await store.create('/registry/pods/default/web-1', Buffer.from('{"kind":"Pod"}'));
    await store.close();
    const out = execFileSync('etcdctl', ['--endpoints', etcd.endpoint, 'get', '--prefix', '/registry/'], {
      env: { ...process.env, ETCDCTL_API: '3' },
    }).toString();
    assert.deepEqual(out.trim().split('\n'), ['/registry/pods/default/web-1', '{"kind":"Pod"}'], `etcdctl output: ${out}`);
  } finally {
    await etcd.stop();
  }
  let alive = true;
  try {
    process.kill(etcd.pid, 0);
  } catch {
    alive = false;
  }
  assert.equal(alive, false, `etcd pid ${etcd.pid} still running after stop()`);
});

test('without etcd on PATH, startEtcd fails with the setup hint', () => {
  const script = `import { startEtcd } from ${JSON.stringify(join(import.meta.dirname, 'etcd-process.ts'))};
startEtcd().then(() => console.log('started'), (e) => console.log(e.message));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, PATH: '/nonexistent' },
    timeout: 30_000,
  });
  const out = r.stdout.toString();
  assert.match(out, /etcd is not installed \(no `etcd` on PATH\): run `bash scripts\/setup-system.sh`/, `got ${out} ${r.stderr.toString()}`);
});
