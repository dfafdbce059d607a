// The contract every ContainerRuntime driver passes (STYLE.md rule 5). process.test.ts, fake.test.ts
// (and later oci) call runRuntimeContract with what the driver can do; a feature a driver claims is
// tested, never skipped silently.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound, RuntimeError } from './errors';
import { readLogs } from './logs';
import type { ContainerConfig, ContainerRuntime, ContainerStatus } from './types';

export interface ContractFeatures {
  /** Commands really run: output, exit codes from commands, signals, env, exec output. */
  runsProcesses: boolean;
  /** A new runtime over the same rootDir re-adopts running containers. */
  persistent: boolean;
  /** Memory limits OOM-kill. 'when-root': required when running as root (fails with a clear message if not possible). */
  memoryLimits: 'when-root' | 'never';
  /**
   * TTY features that a driver lacks (default: all present, tested whenever runsProcesses). 'ttyName': the
   * terminal's path resolves inside the container (`tty` prints /dev/pts/N); 'ttyContainers': tty: true
   * containers run on a terminal. Each one listed is a documented limitation of the driver.
   */
  ttyLacks?: Array<'ttyName' | 'ttyContainers'>;
}

type NewRuntime = (rootDir: string) => Promise<ContainerRuntime>;

const NO_COMMAND = "container has no command: the process runtime cannot read the image's entrypoint; set command";

/** Polls until `cond` holds; fails with `what` after a generous bound (a hang guard, not a timing assertion). */
async function waitUntil(what: string, cond: () => Promise<boolean> | boolean, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function waitExited(rt: ContainerRuntime, id: string): Promise<ContainerStatus> {
  let st: ContainerStatus | undefined;
  await waitUntil(`container ${id} to exit`, async () => (st = await rt.containerStatus(id)).state === 'exited');
  return st as ContainerStatus;
}

interface Harness {
  root: string;
  logDir: string;
  open(): Promise<ContainerRuntime>;
  sandbox(rt: ContainerRuntime, uidSuffix?: string): Promise<string>;
  run(rt: ContainerRuntime, sandboxId: string, cfg: Partial<ContainerConfig>): Promise<string>;
}

let seq = 0;

function harness(t: TestContext, newRuntime: NewRuntime): Harness {
  const root = mkdtempSync(join(tmpdir(), 'berth-rt-'));
  const logDir = join(root, 'logs');
  const opened: ContainerRuntime[] = [];
  t.after(async () => {
    // The last opened instance owns everything (adoption); remove every sandbox, then close all.
    const last = opened[opened.length - 1];
    if (last) for (const s of await last.listPodSandboxes()) await last.removePodSandbox(s.id);
    for (const rt of opened) await rt.close();
    rmSync(root, { recursive: true, force: true });
  });
  return {
    root,
    logDir,
    async open() {
      const rt = await newRuntime(join(root, 'state'));
      opened.push(rt);
      return rt;
    },
    sandbox(rt, uidSuffix = '') {
      seq++;
      return rt.runPodSandbox({ uid: `uid-${process.pid}-${seq}${uidSuffix}`, name: `pod-${seq}`, namespace: 'default', logDirectory: join(logDir, `pod-${seq}`), labels: { app: 'contract' } });
    },
    async run(rt, sandboxId, cfg) {
      const name = cfg.name ?? `c${++seq}`;
      const id = await rt.createContainer(sandboxId, { image: 'busybox', logPath: `${name}/0.log`, ...cfg, name });
      await rt.startContainer(id);
      return id;
    },
  };
}

const SLEEPER: Partial<ContainerConfig> = { image: 'fake/sleep', command: ['sleep', '600'] };

export function runRuntimeContract(name: string, newRuntime: NewRuntime, features: ContractFeatures): void {
  const proc = features.runsProcesses;

  test(`${name}: version and capabilities`, async (t) => {
    const rt = await harness(t, newRuntime).open();
    const v = await rt.version();
    assert.ok(v.runtimeName && v.runtimeVersion, `got ${JSON.stringify(v)}, want a name and a version`);
    const caps = rt.capabilities();
    assert.ok(Array.isArray(caps.notes) && caps.notes.length > 0, 'want capability notes');
  });

  test(`${name}: sandbox lifecycle`, async (t) => {
    const h = harness(t, newRuntime);
    const rt = await h.open();
    const id = await h.sandbox(rt);
    const st = await rt.podSandboxStatus(id);
    assert.equal(st.state, 'ready', `got ${st.state}, want ready`);
    assert.equal(st.labels.app, 'contract', 'labels carried from config');
    assert.ok(st.ip, `got ip ${JSON.stringify(st.ip)}, want the host IP (no netns)`);
    assert.deepEqual((await rt.listPodSandboxes()).map((s) => s.id), [id], 'list shows the sandbox');
    const c = await h.run(rt, id, SLEEPER);
    await rt.stopPodSandbox(id, 5);
    assert.equal((await rt.podSandboxStatus(id)).state, 'notready', 'stopped sandbox is notready');
    assert.equal((await rt.containerStatus(c)).state, 'exited', 'stopping a sandbox stops its containers');
    await assert.rejects(rt.createContainer(id, { name: 'x', image: 'busybox', logPath: 'x.log' }), RuntimeError, 'no containers in a stopped sandbox');
    await rt.removePodSandbox(id);
    await assert.rejects(rt.podSandboxStatus(id), (e) => isNotFound(e), 'removed sandbox is NotFound');
    await assert.rejects(rt.containerStatus(c), (e) => isNotFound(e), 'removing a sandbox removes its containers');
    await rt.removePodSandbox(id); // idempotent
    await rt.stopPodSandbox('no-such-sandbox');
  });

  test(`${name}: container exit codes and reasons`, async (t) => {
    const cases: Array<{ name: string; cfg: Partial<ContainerConfig>; code: number; reason: string; message?: string; onlyProcess?: boolean }> = [
      { name: 'exit 0 is Completed', cfg: { image: 'fake/exit-0', command: ['/bin/sh', '-c', 'exit 0'] }, code: 0, reason: 'Completed' },
      { name: 'exit 3 is Error', cfg: { image: 'fake/exit-3', command: ['/bin/sh', '-c', 'exit 3'] }, code: 3, reason: 'Error' },
      { name: 'args alone are the argv (busybox)', cfg: { image: 'fake/exit-0', args: ['/bin/busybox', 'true'] }, code: 0, reason: 'Completed' },
      { name: 'command plus args', cfg: { image: 'fake/exit-4', command: ['sh', '-c'], args: ['exit 4'] }, code: 4, reason: 'Error' },
      { name: 'no command is a StartError', cfg: { image: 'busybox' }, code: 128, reason: 'StartError', message: NO_COMMAND, onlyProcess: true },
      { name: 'missing binary is a StartError', cfg: { image: 'busybox', command: ['no-such-binary-xyz'] }, code: 128, reason: 'StartError', message: 'exec: "no-such-binary-xyz": executable file not found in $PATH', onlyProcess: true },
    ];
    const h = harness(t, newRuntime);
    const rt = await h.open();
    const sb = await h.sandbox(rt);
    for (const c of cases) {
      if (c.onlyProcess && !proc) continue;
      await t.test(c.name, async () => {
        const id = await rt.createContainer(sb, { name: `c${++seq}`, image: 'busybox', logPath: `c${seq}.log`, labels: { case: 'x' }, ...c.cfg });
        assert.equal((await rt.containerStatus(id)).state, 'created', 'created before start');
        await rt.startContainer(id);
        const st = await waitExited(rt, id);
        assert.equal(st.exitCode, c.code, `exitCode: got ${st.exitCode}, want ${c.code}`);
        assert.equal(st.reason, c.reason, `reason: got ${st.reason}, want ${c.reason}`);
        // The wording of a start error names what the driver can know (the process driver has no image
        // metadata); other drivers must still explain the error, in their own words.
        if (c.message && rt.name === 'process') assert.equal(st.message, c.message, `message: got ${st.message}`);
        else if (c.message) assert.ok(st.message && st.message.length > 10, `a StartError explains itself: got ${st.message}`);
        assert.equal(st.labels.case, 'x', 'labels carried');
        assert.ok(st.finishedAt, 'finishedAt set');
        await rt.removeContainer(id);
        await assert.rejects(rt.containerStatus(id), (e) => isNotFound(e), 'removed container is NotFound');
      });
    }
  });

  test(`${name}: running until stopped; list filters`, async (t) => {
    const h = harness(t, newRuntime);
    const rt = await h.open();
    const sb = await h.sandbox(rt);
    const id = await h.run(rt, sb, { ...SLEEPER, labels: { role: 'sleeper' } });
    const st = await rt.containerStatus(id);
    assert.equal(st.state, 'running', `got ${st.state}, want running`);
    assert.ok(st.startedAt, 'startedAt set');
    const running = await rt.listContainers({ sandboxId: sb, state: 'running', labels: { role: 'sleeper' } });
    assert.deepEqual(running.map((c) => c.id), [id], 'filter by sandbox, state and labels');
    assert.equal((await rt.listContainers({ labels: { role: 'other' } })).length, 0, 'label filter excludes');
    const stats = await rt.containerStats(id);
    assert.ok(stats.timestamp, 'stats carry a timestamp');
    if (proc) assert.ok(stats.cpuUsageCoreNanoSeconds !== undefined && stats.memoryWorkingSetBytes !== undefined, `got ${JSON.stringify(stats)}, want cpu and memory`);
    await rt.stopContainer(id, 10);
    const done = await rt.containerStatus(id);
    assert.equal(done.state, 'exited', 'stopped container has exited');
    await rt.stopContainer(id, 10); // idempotent
    await assert.rejects(rt.execSync(id, ['true'], 1000), RuntimeError, 'exec into an exited container fails');
  });

  if (proc) {
    test(`${name}: stop sends SIGTERM, then SIGKILL after the timeout`, async (t) => {
      const h = harness(t, newRuntime);
      const rt = await h.open();
      const sb = await h.sandbox(rt);
      const cases = [
        { name: 'TERM handled', script: 'trap "echo got-TERM; exit 0" TERM; echo ready; while :; do sleep 0.05; done', timeout: 30, code: 0, log: 'got-TERM' },
        { name: 'TERM ignored → SIGKILL', script: 'trap "" TERM; echo ready; while :; do sleep 0.05; done', timeout: 1, code: 137, log: undefined },
      ];
      for (const c of cases) {
        await t.test(c.name, async () => {
          const id = await h.run(rt, sb, { command: ['/bin/sh', '-c', c.script] });
          const logPath = (await rt.containerStatus(id)).logPath;
          await waitUntil('the trap to be set', async () => (await readLogs(logPath)).toString().includes('ready'));
          await rt.stopContainer(id, c.timeout);
          const st = await rt.containerStatus(id);
          assert.equal(st.exitCode, c.code, `exitCode: got ${st.exitCode}, want ${c.code}`);
          if (c.log) assert.match((await readLogs(logPath)).toString(), new RegExp(c.log), 'the trap ran');
        });
      }
    });

    test(`${name}: logs in CRI format, read back with tail and timestamps`, async (t) => {
      const h = harness(t, newRuntime);
      const rt = await h.open();
      const sb = await h.sandbox(rt);
      const id = await h.run(rt, sb, { command: ['/bin/sh', '-c', 'echo one; echo two >&2; echo three; printf four'] });
      const st = await waitExited(rt, id);
      const raw = readFileSync(st.logPath, 'utf8').trimEnd().split('\n');
      for (const line of raw) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [FP] /, `CRI line: got ${line}`);
      assert.ok(raw.some((l) => / stderr F two$/.test(l)), `want stderr record, got ${raw.join(' | ')}`);
      const all = (await readLogs(st.logPath)).toString().split('\n').sort().join(',');
      assert.equal(all, ',four,one,three,two', `got ${all}`);
      const tail = (await readLogs(st.logPath, { tailLines: 2, stream: 'stdout' })).toString();
      assert.equal(tail, 'three\nfour\n', `tail 2: got ${JSON.stringify(tail)}`);
      const ts = (await readLogs(st.logPath, { tailLines: 1, timestamps: true })).toString();
      assert.match(ts, /^\S+Z four\n$/, `timestamps: got ${JSON.stringify(ts)}`);
    });

    test(`${name}: env and workingDir`, async (t) => {
      const h = harness(t, newRuntime);
      const rt = await h.open();
      const sb = await h.sandbox(rt);
      const cases = [
        { name: 'explicit workingDir', workingDir: h.root, wantDir: h.root },
        { name: 'default: the sandbox directory', workingDir: undefined, wantDir: (await rt.podSandboxStatus(sb)).directory },
      ];
      for (const c of cases) {
        await t.test(c.name, async () => {
          const id = await h.run(rt, sb, { command: ['/bin/sh', '-c', 'echo "$FOO"; pwd'], env: [{ name: 'FOO', value: 'bar baz' }], workingDir: c.workingDir });
          const st = await waitExited(rt, id);
          const got = (await readLogs(st.logPath)).toString();
          assert.equal(got, `bar baz\n${c.wantDir}\n`, `got ${JSON.stringify(got)}`);
        });
      }
    });

    test(`${name}: exec, execSync and attach`, async (t) => {
      const h = harness(t, newRuntime);
      const rt = await h.open();
      const sb = await h.sandbox(rt);
      const id = await h.run(rt, sb, { command: ['/bin/sh', '-c', 'read line; echo "got $line"; sleep 600'], env: [{ name: 'WHO', value: 'ctr' }], stdin: true });
      const r = await rt.execSync(id, ['sh', '-c', 'echo out-$WHO; echo err >&2; exit 7'], 10_000);
      assert.deepEqual([r.exitCode, r.stdout.toString(), r.stderr.toString()], [7, 'out-ctr\n', 'err\n'], 'execSync result');
      await assert.rejects(rt.execSync(id, ['sleep', '30'], 200), (e) => e instanceof RuntimeError && e.code === 'DeadlineExceeded', 'execSync timeout');
      const s = await rt.exec(id, ['cat'], { stdin: true });
      const chunks: Buffer[] = [];
      s.stdout.on('data', (b: Buffer) => chunks.push(b));
      s.stdin?.end('ping\n');
      assert.equal(await s.exit, 0, 'exec exit code');
      await waitUntil('exec output', () => Buffer.concat(chunks).toString() === 'ping\n');
      const a = await rt.attach(id, { stdin: true });
      const seen: Buffer[] = [];
      a.stdout.on('data', (b: Buffer) => seen.push(b));
      a.stdin?.write('hello\n');
      await waitUntil('attached output', () => Buffer.concat(seen).toString().includes('got hello'));
      a.close();
    });
  }

  if (proc) {
    test(`${name}: exec with a TTY`, async (t) => {
      const h = harness(t, newRuntime);
      const rt = await h.open();
      const sb = await h.sandbox(rt);
      const id = await h.run(rt, sb, SLEEPER);
      const cases: Array<{ name: string; cmd: string[]; size?: [number, number]; stdin?: string; code: number; out: RegExp }> = [
        features.ttyLacks?.includes('ttyName')
          ? { name: 'stdin and stdout are a terminal', cmd: ['sh', '-c', '[ -t 0 ] && [ -t 1 ] && echo terminal'], code: 0, out: /^terminal\r\n$/ }
          : { name: 'tty names a pseudo-terminal', cmd: ['tty'], code: 0, out: /^\/dev\/pts\/\d+\r\n$/ },
        { name: 'the first resize is the starting size', cmd: ['stty', 'size'], size: [91, 31], code: 0, out: /^31 91\r\n$/ },
        { name: 'stderr arrives on stdout (CRLF: the terminal translates)', cmd: ['sh', '-c', 'echo to-err >&2'], code: 0, out: /^to-err\r\n$/ },
        { name: 'exit code is propagated', cmd: ['sh', '-c', 'exit 7'], code: 7, out: /^$/ },
        { name: 'stdin is the terminal, echoed', cmd: ['sh', '-c', 'read x; echo "got $x"'], stdin: 'hi\n', code: 0, out: /^hi\r\ngot hi\r\n$/ },
      ];
      for (const c of cases) {
        await t.test(c.name, async () => {
          const s = await rt.exec(id, c.cmd, { tty: true, stdin: c.stdin !== undefined });
          const out: Buffer[] = [];
          const err: Buffer[] = [];
          s.stdout.on('data', (b: Buffer) => out.push(b));
          s.stderr.on('data', (b: Buffer) => err.push(b));
          s.resize(...(c.size ?? [80, 24]));
          if (c.stdin !== undefined) s.stdin?.write(c.stdin);
          const code = await s.exit;
          const got = Buffer.concat(out).toString();
          assert.equal(code, c.code, `exit code: got ${code}, want ${c.code} (output ${JSON.stringify(got)})`);
          assert.match(got, c.out, `stdout: got ${JSON.stringify(got)}, want ${String(c.out)}`);
          assert.equal(Buffer.concat(err).toString(), '', 'stderr: want nothing (a TTY merges it into stdout)');
        });
      }
      await t.test('a resize while running reaches the command (SIGWINCH) and the terminal', async () => {
        const s = await rt.exec(id, ['sh', '-c', 'trap "stty size" WINCH; echo ready; while :; do sleep 0.05; done'], { tty: true });
        const out: Buffer[] = [];
        s.stdout.on('data', (b: Buffer) => out.push(b));
        s.resize(80, 24);
        await waitUntil('ready', () => Buffer.concat(out).toString().includes('ready'));
        s.resize(120, 50);
        await waitUntil('"50 120" after the resize', () => Buffer.concat(out).toString().includes('50 120\r\n'));
        s.close();
        const code = await s.exit;
        assert.ok(code !== 0, `closed session: got exit ${code}, want non-zero (killed)`);
      });
    });

    if (!features.ttyLacks?.includes('ttyContainers')) test(`${name}: a tty: true container runs on a terminal; attach resizes it`, async (t) => {
      const h = harness(t, newRuntime);
      const rt = await h.open();
      const sb = await h.sandbox(rt);
      const id = await h.run(rt, sb, {
        command: ['/bin/sh', '-c', 'echo ready; while read x; do echo "got $x"; tty; stty size; echo to-err >&2; done; exit 3'],
        tty: true, stdin: true,
      });
      const a = await rt.attach(id, { tty: true, stdin: true });
      const out: Buffer[] = [];
      a.stdout.on('data', (b: Buffer) => out.push(b));
      a.resize(100, 20);
      a.stdin?.write('one\n');
      await waitUntil('the reply', () => Buffer.concat(out).toString().includes('to-err'));
      const reply = features.ttyLacks?.includes('ttyName') ? /got one\r\n[^\r\n]+\r\n\d+ \d+\r\nto-err\r\n/ : /got one\r\n\/dev\/pts\/\d+\r\n\d+ \d+\r\nto-err\r\n/;
      assert.match(Buffer.concat(out).toString(), reply, `reply (stdin echoed, tty, stty size, stderr merged): got ${JSON.stringify(Buffer.concat(out).toString())}`);
      // the resize is applied asynchronously: ask again (one line per poll) until the new size shows
      await waitUntil('"20 100" from stty size after the resize', () => Buffer.concat(out).toString().includes('20 100\r\n') || !a.stdin?.write('again\n'));
      a.stdin?.end();
      const code = await a.exit;
      assert.equal(code, 3, `attach exit: got ${code}, want 3 (the container's)`);
      const st = await waitExited(rt, id);
      const log = (await readLogs(st.logPath)).toString();
      assert.match(log, /got one\r?\n/, `log: got ${JSON.stringify(log)}, want the terminal's output`);
    });
  }

  if (features.memoryLimits === 'when-root') {
    test(`${name}: memory limit OOM-kills with reason OOMKilled`, async (t) => {
      if (process.getuid?.() !== 0) {
        t.skip('not root: the process driver cannot enforce memory limits unprivileged (capabilities says so)');
        return;
      }
      const h = harness(t, newRuntime);
      const rt = await h.open();
      const caps = rt.capabilities();
      assert.ok(caps.cgroups, `running as root but the runtime reports no cgroups, so memory limits cannot be tested: ${caps.notes.join('; ')}`);
      const sb = await h.sandbox(rt);
      const id = await h.run(rt, sb, { command: ['/bin/sh', '-c', 'head -c 400000000 /dev/zero | tail'], resources: { memoryBytes: 32 * 1024 * 1024 } });
      const st = await waitExited(rt, id);
      assert.deepEqual([st.reason, st.exitCode], ['OOMKilled', 137], `got ${st.reason}/${st.exitCode}, want OOMKilled/137`);
    });
  }

  if (features.persistent) {
    test(`${name}: a new runtime over the same rootDir adopts running containers`, async (t) => {
      const h = harness(t, newRuntime);
      const rt1 = await h.open();
      const sb = await h.sandbox(rt1);
      const ticker = await h.run(rt1, sb, { command: ['/bin/sh', '-c', 'i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.05; done'] });
      const quick = await h.run(rt1, sb, { command: ['/bin/sh', '-c', 'sleep 0.3; exit 5'] });
      const before = await rt1.containerStatus(ticker);
      await rt1.close();
      await sleep(600); // `quick` exits while no runtime watches it
      const rt2 = await h.open();
      const after = await rt2.containerStatus(ticker);
      assert.deepEqual([after.state, after.pid], ['running', before.pid], `adopted: got ${after.state}/${after.pid}, want running/${before.pid}`);
      assert.equal((await rt2.podSandboxStatus(sb)).state, 'ready', 'sandbox adopted');
      const q = await waitExited(rt2, quick);
      assert.deepEqual([q.exitCode, q.reason], [5, 'Error'], `exit status recorded while unwatched: got ${q.exitCode}/${q.reason}`);
      const count = async () => (await readLogs(after.logPath)).toString().split('\n').length;
      const n = await count();
      await waitUntil('new log lines after adoption', async () => (await count()) > n + 2);
      await rt2.stopContainer(ticker, 10);
      const done = await rt2.containerStatus(ticker);
      assert.deepEqual([done.state, done.exitCode], ['exited', 143], `got ${done.state}/${done.exitCode}, want exited/143 (SIGTERM)`);
    });
  }
}
