import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRuntimeContract } from './contract';
import { ProcessRuntime } from './process/process-runtime';

async function cleanup(rt: ProcessRuntime): Promise<void> {
  for (const s of await rt.listPodSandboxes()) await rt.removePodSandbox(s.id);
  await rt.close();
}

runRuntimeContract('process', (rootDir) => ProcessRuntime.open({ rootDir }), { runsProcesses: true, persistent: true, memoryLimits: 'when-root' });
// The unprivileged path (no limits; stats from /proc) passes the same contract.
runRuntimeContract('process without cgroups', (rootDir) => ProcessRuntime.open({ rootDir, disableCgroups: true }), { runsProcesses: true, persistent: true, memoryLimits: 'never' });

test('process: pod cgroups are created with limits and removed with the sandbox', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('not root');
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'berth-rt-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const rt = await ProcessRuntime.open({ rootDir: root });
  t.after(() => cleanup(rt));
  const uid = `cg-${process.pid}`;
  const sb = await rt.runPodSandbox({ uid, name: 'p', namespace: 'd', logDirectory: join(root, 'logs'), resources: { memoryBytes: 256 << 20 } });
  const id = await rt.createContainer(sb, { name: 'c', image: 'x', command: ['sleep', '600'], logPath: 'c.log', resources: { cpuMillis: 250, pidsMax: 64 } });
  await rt.startContainer(id);
  const pod = `/sys/fs/cgroup/memory/berth/${uid}`;
  const cases = [
    { name: 'pod memory limit', file: `${pod}/memory.limit_in_bytes`, want: String(256 << 20) },
    { name: 'container cpu quota', file: `/sys/fs/cgroup/cpu/berth/${uid}/${id}/cpu.cfs_quota_us`, want: '25000' },
    { name: 'container pids.max', file: `/sys/fs/cgroup/pids/berth/${uid}/${id}/pids.max`, want: '64' },
  ];
  for (const c of cases) {
    const got = readFileSync(c.file, 'utf8').trim();
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
  const pid = (await rt.containerStatus(id)).pid ?? 0;
  // The wrapper joins its cgroups before running the command, a moment after startContainer returns.
  const inCgroup = () => readFileSync(`${pod}/${id}/cgroup.procs`, 'utf8').split('\n').includes(String(pid));
  for (let i = 0; i < 400 && !inCgroup(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(inCgroup(), `container pid ${pid} in its cgroup: got ${readFileSync(`${pod}/${id}/cgroup.procs`, 'utf8')}`);
  await rt.removePodSandbox(sb);
  assert.equal(existsSync(pod), false, 'pod cgroup removed');
});

test('process: a pod network namespace has loopback only and is deleted with the sandbox', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('not root');
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'berth-rt-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const rt = await ProcessRuntime.open({ rootDir: root });
  t.after(() => cleanup(rt));
  const sb = await rt.runPodSandbox({ uid: `ns-${process.pid}`, name: 'p', namespace: 'd', logDirectory: join(root, 'logs'), networkNamespace: true });
  const st = await rt.podSandboxStatus(sb);
  assert.ok(st.netnsPath && existsSync(st.netnsPath), `got netnsPath ${st.netnsPath}`);
  const id = await rt.createContainer(sb, { name: 'c', image: 'x', command: ['sleep', '600'], logPath: 'c.log' });
  await rt.startContainer(id);
  const r = await rt.execSync(id, ['cat', '/proc/net/dev'], 5000);
  const ifaces = r.stdout.toString().split('\n').slice(2).map((l) => l.split(':')[0]?.trim()).filter(Boolean);
  assert.deepEqual(ifaces, ['lo'], `interfaces in the pod netns: got ${ifaces.join(',')}`);
  await rt.removePodSandbox(sb);
  assert.equal(existsSync(st.netnsPath), false, 'netns deleted');
});

test('process: unprivileged mode reports no cgroups', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'berth-rt-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const rt = await ProcessRuntime.open({ rootDir: root, disableCgroups: true });
  t.after(() => rt.close());
  const caps = rt.capabilities();
  assert.equal(caps.cgroups, false, 'cgroups disabled');
  assert.ok(caps.notes.some((n) => /NOT enforced/.test(n)), `notes say limits are not enforced: ${caps.notes.join('; ')}`);
});

test('process: volumes, resolv.conf and user (root)', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('not root: mounts are not bind-mounted and user switching is refused');
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'berth-rt-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const rt = await ProcessRuntime.open({ rootDir: join(root, 'state') });
  t.after(() => cleanup(rt));
  const vol = join(root, 'vol');
  const target = join(root, 'target');
  const { chmodSync, mkdirSync, writeFileSync } = await import('node:fs');
  chmodSync(root, 0o755); // the container's user (nobody) must reach the volume
  mkdirSync(vol);
  mkdirSync(target);
  writeFileSync(join(vol, 'data.txt'), 'from-volume\n');
  chmodSync(vol, 0o777); // writable by anyone: only the read-only bind can refuse the write below
  const sb = await rt.runPodSandbox({ uid: `mnt-${process.pid}`, name: 'p', namespace: 'd', logDirectory: join(root, 'logs'), dnsConfig: 'nameserver 10.96.0.10\n' });
  const id = await rt.createContainer(sb, {
    name: 'c', image: 'x', command: ['sleep', '600'], logPath: 'c.log',
    mounts: [{ hostPath: vol, containerPath: target, readOnly: true }, { hostPath: vol, containerPath: '/no/such/dir' }],
    user: { uid: 65534, gid: 65534 },
  });
  await rt.startContainer(id);
  const cases = [
    { name: 'volume visible at containerPath', cmd: ['cat', join(target, 'data.txt')], code: 0, out: 'from-volume\n' },
    { name: 'read-only volume', cmd: ['sh', '-c', `touch ${target}/x 2>/dev/null; echo $?`], code: 0, out: '1\n' },
    { name: 'pod resolv.conf', cmd: ['cat', '/etc/resolv.conf'], code: 0, out: 'nameserver 10.96.0.10\n' },
    { name: 'runs as the user', cmd: ['id', '-u'], code: 0, out: '65534\n' },
    { name: 'mount map in env', cmd: ['sh', '-c', 'echo "$BERTH_MOUNTS"'], code: 0, out: `${target}=${vol}:ro;/no/such/dir=${vol}\n` },
  ];
  for (const c of cases) {
    const r = await rt.execSync(id, c.cmd, 5000);
    assert.deepEqual([r.exitCode, r.stdout.toString()], [c.code, c.out], `${c.name}: got ${r.exitCode} ${JSON.stringify(r.stdout.toString())} ${r.stderr.toString()}`);
  }
  const { readFileSync: rf } = await import('node:fs');
  assert.notEqual(rf('/etc/resolv.conf', 'utf8'), 'nameserver 10.96.0.10\n', 'the host resolv.conf is untouched');
});
