import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runRuntimeContract } from '../contract';
import { isImageError } from '../../images';
import { readLogs } from '../logs';
import type { ContainerStatus } from '../types';
import { OciRuntime, PULL_POLICY_ANNOTATION } from './oci-runtime';
import { isMounted } from './rootfs';
import { buildBusyboxLayout, ociArchive, pushToRegistry, requireTools, startRegistry, type TestRegistry } from './test-support';

const work = mkdtempSync(join(tmpdir(), 'berth-oci-'));
chmodSync(work, 0o755);
const registriesFile = join(work, 'registries.yaml');
let registry: TestRegistry | undefined;
let layout = '';

before(async () => {
  await requireTools(['umoci', 'skopeo', 'docker-registry', 'runc', 'busybox']);
  // 'nocmd': busybox without CMD (the contract's "no command" case); 'sh': CMD ["sh"] like the real busybox.
  layout = await buildBusyboxLayout(work, 'nocmd');
  await buildBusyboxLayout(work, 'sh', { cmd: ['sh'] });
  registry = await startRegistry(join(work, 'registry'));
  for (const name of ['library/busybox:latest', 'fake/sleep:latest', 'fake/exit-0:latest', 'fake/exit-3:latest', 'fake/exit-4:latest']) {
    await pushToRegistry(layout, 'nocmd', registry.port, name);
  }
  await pushToRegistry(layout, 'sh', registry.port, 'library/busybox:1.36');
  writeFileSync(registriesFile, `mirrors:\n  docker.io:\n    endpoint:\n      - "http://127.0.0.1:${registry.port}"\n`);
});

after(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

const open = (rootDir: string, imageDataDir = join(work, 'images-contract')): Promise<OciRuntime> =>
  OciRuntime.open({ rootDir, imageDataDir, registriesFile, registryMirrorsOnly: true });

runRuntimeContract('oci', (rootDir) => open(rootDir), {
  runsProcesses: true, persistent: true, memoryLimits: 'when-root',
  // the host pty's path is not in the container's own devpts (see README)
  ttyLacks: ['ttyName'],
});

async function waitExited(rt: OciRuntime, id: string): Promise<ContainerStatus> {
  for (let i = 0; i < 800; i++) {
    const st = await rt.containerStatus(id);
    if (st.state === 'exited') return st;
    await sleep(25);
  }
  assert.fail(`container ${id} did not exit`);
}

async function fresh(t: { after: (fn: () => Promise<void>) => void }, name: string): Promise<{ rt: OciRuntime; root: string }> {
  const root = join(work, name);
  mkdirSync(root, { recursive: true });
  const rt = await open(join(root, 'state'), join(root, 'data'));
  t.after(async () => {
    for (const s of await rt.listPodSandboxes()) await rt.removePodSandbox(s.id);
    await rt.close();
  });
  return { rt, root };
}

test('oci: busybox:1.36 is pulled through the registries.yaml mirror and runs its CMD', async (t) => {
  const { rt, root } = await fresh(t, 'mirror');
  assert.equal(rt.images.status('busybox:1.36'), undefined, 'not present before the pull');
  const sb = await rt.runPodSandbox({ uid: `mirror-${process.pid}`, name: 'p', namespace: 'd', logDirectory: join(root, 'logs') });
  const cases = [
    { name: 'image CMD (sh, stdin at EOF)', cfg: {}, code: 0, log: '' },
    { name: 'args with the image entrypoint (none)', cfg: { args: ['sh', '-c', 'echo from-$HOSTNAME; cat /etc/hostname'] }, code: 0, log: 'from-p\np\n' },
    { name: 'command replaces the entrypoint', cfg: { command: ['/bin/sh', '-c', 'ls /bin/busybox; exit 9'] }, code: 9, log: '/bin/busybox\n' },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const id = await rt.createContainer(sb, { name: 'c', image: 'busybox:1.36', logPath: `${c.name.length}-${Math.random()}.log`, ...c.cfg });
      await rt.startContainer(id);
      const st = await waitExited(rt, id);
      assert.equal(st.exitCode, c.code, `exit code: got ${st.exitCode} (${st.reason} ${st.message ?? ''}), want ${c.code}`);
      const got = (await readLogs(st.logPath)).toString();
      assert.equal(got, c.log, `log: got ${JSON.stringify(got)}, want ${JSON.stringify(c.log)}`);
    });
  }
  const img = rt.images.status('docker.io/library/busybox:1.36');
  assert.ok(img && img.repoDigests[0]?.startsWith('docker.io/library/busybox@sha256:'), `pulled with a repo digest: got ${JSON.stringify(img?.repoDigests)}`);
});

test('oci: imagePullPolicy and image errors', async (t) => {
  const { rt, root } = await fresh(t, 'policy');
  const archive = await ociArchive(layout, 'sh', join(root, 'busybox.tar'), 'example.com/tools/busybox:v1');
  const sb = await rt.runPodSandbox({ uid: `policy-${process.pid}`, name: 'p', namespace: 'd', logDirectory: join(root, 'logs') });
  const cases = [
    { name: 'Never, missing image: ErrImageNeverPull', image: 'example.com/tools/busybox:v1', policy: 'Never', reason: 'ErrImageNeverPull' },
    { name: 'IfNotPresent, unknown repository: ErrImagePull', image: 'busybox-does-not-exist:1', policy: 'IfNotPresent', reason: 'ErrImagePull' },
    { name: 'invalid name: InvalidImageName', image: 'Busy Box', policy: 'IfNotPresent', reason: 'InvalidImageName' },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      await assert.rejects(rt.createContainer(sb, { name: 'c', image: c.image, logPath: 'x.log', annotations: { [PULL_POLICY_ANNOTATION]: c.policy } }),
        (e) => isImageError(e) && e.reason === c.reason, `want ${c.reason}`);
    });
  }
  await rt.images.importArchive(archive);
  const id = await rt.createContainer(sb, { name: 'c', image: 'example.com/tools/busybox:v1', command: ['true'], logPath: 'ok.log', annotations: { [PULL_POLICY_ANNOTATION]: 'Never' } });
  await rt.startContainer(id);
  const st = await waitExited(rt, id);
  assert.deepEqual([st.exitCode, st.reason], [0, 'Completed'], `imported image with Never: got ${st.exitCode}/${st.reason} ${st.message ?? ''}`);
});

test('oci: volumes, resolv.conf, user, pod netns; cleanup unmounts and deletes', async (t) => {
  const { rt, root } = await fresh(t, 'iso');
  const vol = join(root, 'vol');
  mkdirSync(vol);
  chmodSync(vol, 0o777);
  writeFileSync(join(vol, 'data.txt'), 'from-volume\n');
  const sb = await rt.runPodSandbox({ uid: `iso-${process.pid}`, name: 'p', namespace: 'd', logDirectory: join(root, 'logs'), dnsConfig: 'nameserver 10.96.0.10\n', networkNamespace: true });
  const sst = await rt.podSandboxStatus(sb);
  const id = await rt.createContainer(sb, {
    name: 'c', image: 'busybox:1.36', command: ['sleep', '600'], logPath: 'c.log',
    mounts: [{ hostPath: vol, containerPath: '/data', readOnly: true }, { hostPath: vol, containerPath: '/rw' }],
    user: { uid: 65534, gid: 65534 }, annotations: { [PULL_POLICY_ANNOTATION]: 'IfNotPresent' },
  });
  await rt.startContainer(id);
  const cases = [
    { name: 'volume at containerPath', cmd: ['cat', '/data/data.txt'], out: 'from-volume\n' },
    { name: 'read-only volume', cmd: ['sh', '-c', 'touch /data/x 2>/dev/null; echo $?'], out: '1\n' },
    { name: 'writable volume', cmd: ['sh', '-c', 'echo hi > /rw/y && cat /rw/y'], out: 'hi\n' },
    { name: 'pod resolv.conf', cmd: ['cat', '/etc/resolv.conf'], out: 'nameserver 10.96.0.10\n' },
    { name: 'runs as the user', cmd: ['id', '-u'], out: '65534\n' },
    { name: 'own pid namespace (init is pid 1)', cmd: ['head', '-c', '15', '/proc/1/cmdline'], out: '/.berth/busybox' },
    { name: 'pod netns has loopback only', cmd: ['sh', '-c', 'ls /sys/class/net'], out: 'lo\n' },
  ];
  for (const c of cases) {
    const r = await rt.execSync(id, c.cmd, 5000);
    assert.equal(r.stdout.toString(), c.out, `${c.name}: got ${JSON.stringify(r.stdout.toString())} (exit ${r.exitCode}, ${r.stderr.toString()})`);
  }
  const cdir = join(root, 'state', 'containers', id);
  assert.ok(isMounted(join(cdir, 'rootfs')), 'rootfs is an overlay mount while the container exists');
  assert.ok(existsSync(sst.netnsPath ?? '/nonexistent'), 'netns exists');
  await rt.removePodSandbox(sb);
  assert.equal(isMounted(join(cdir, 'rootfs')), false, 'rootfs unmounted after remove');
  assert.equal(existsSync(sst.netnsPath ?? ''), false, 'netns deleted');
  assert.equal(existsSync(`/sys/fs/cgroup/memory/berth/iso-${process.pid}`), false, 'pod cgroup removed');
  assert.ok(readFileSync(join(vol, 'y'), 'utf8') === 'hi\n', 'the write reached the host volume');
});
