// The real kubectl (1.32) against our handlers, over WebSocket (its default) and the SPDY/3.1 fallback.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  kubectlEnv, kubectlPath, runKubectl, startEchoServer, startFakeApi, type FakeApi,
} from './test-harness';

const transports: Array<{ name: string; env: Record<string, string>; upgrade: string }> = [
  { name: 'websocket', env: {}, upgrade: 'websocket' },
  { name: 'spdy', env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, upgrade: 'SPDY/3.1' },
];

// A missing kubectl fails the suite (never a silent skip).
const skip = false;
if (!kubectlPath()) throw new Error('kubectl is not installed: run `bash scripts/setup-system.sh` (as root) to install the test dependencies');

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the accumulated text once `re` matches it; rejects if the process exits first. */
function waitOutput(child: ReturnType<typeof spawn>, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const on = (c: Buffer): void => {
      text += c.toString();
      if (re.test(text)) resolve(text);
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('close', (code) => reject(new Error(`exited ${code} before ${re}: ${text}`)));
  });
}

/** Polls a condition on the event loop (a test helper for state with no event; bounded by the test runner). */
async function waitUntil(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
}

/** Sends `msg` through a local port and reads until as many bytes came back; then closes. */
function roundTrip(port: number, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let n = 0;
    s.on('data', (c: Buffer) => {
      got.push(c);
      n += c.length;
      if (n >= msg.length) s.end();
    });
    s.on('close', () => resolve(Buffer.concat(got)));
    s.on('error', reject);
    s.write(msg);
  });
}

for (const tr of transports) {
  describe(`kubectl over ${tr.name}`, { skip }, () => {
    let api: FakeApi;
    before(async () => {
      api = await startFakeApi();
    });
    after(async () => {
      await api.close();
    });

    const upgradesSince = (n: number): string[] => api.requests.slice(n).filter((r) => r.includes('upgrade='));

    test('exec p -- echo hi prints hi and exits 0', async () => {
      const mark = api.requests.length;
      const r = await runKubectl(api, ['exec', 'p', '--', 'echo', 'hi'], { env: tr.env });
      assert.equal(r.code, 0, `exit code: got ${r.code}, want 0 (stderr ${r.stderr})`);
      assert.equal(r.stdout, 'hi\n', `stdout: got ${JSON.stringify(r.stdout)}, want "hi\\n"`);
      const ups = upgradesSince(mark);
      assert.equal(ups.length, 1, `upgrades: got ${JSON.stringify(ups)}, want exactly one (no fallback)`);
      assert.ok(ups[0]?.endsWith(`upgrade=${tr.upgrade}`), `upgrade: got ${ups[0]}, want ${tr.upgrade}`);
      const call = api.execs.at(-1);
      assert.deepEqual(call?.opts, { command: ['echo', 'hi'], stdin: false, stdout: true, stderr: true, tty: false });
    });

    test('a command exiting 3 makes kubectl exit 3, with stdout and stderr separated', async () => {
      const r = await runKubectl(api, ['exec', 'p', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { env: tr.env });
      assert.equal(r.code, 3, `exit code: got ${r.code}, want 3 (stderr ${r.stderr})`);
      assert.equal(r.stdout, 'out\n', `stdout: got ${JSON.stringify(r.stdout)}`);
      assert.match(r.stderr, /^err\n/, `stderr: got ${JSON.stringify(r.stderr)}`);
      assert.match(r.stderr, /command terminated with exit code 3/, `stderr: got ${JSON.stringify(r.stderr)}`);
    });

    test('exec -i p -- cat echoes stdin (256 KiB) and exits 0 when stdin closes', async () => {
      const input = Buffer.alloc(256 * 1024);
      for (let i = 0; i < input.length; i++) input[i] = 97 + (i % 26);
      const r = await runKubectl(api, ['exec', '-i', 'p', '--', 'cat'], { env: tr.env, input });
      assert.equal(r.code, 0, `exit code: got ${r.code}, want 0 (stderr ${r.stderr})`);
      assert.equal(r.stdout.length, input.length, `stdout bytes: got ${r.stdout.length}, want ${input.length}`);
      assert.ok(Buffer.from(r.stdout).equals(input), 'stdout differs from stdin');
      assert.equal(api.execs.at(-1)?.opts.stdin, true, 'stdin=true reached the target');
    });

    test('exec -it under a pseudo-terminal sends the terminal size on the resize stream', { skip: hasScript() ? false : 'script(1) (Debian bsdutils, essential) is not installed' }, async () => {
      // script(1) gives kubectl a pty of 100x40; the command waits for a line typed after the size arrived.
      const cmd = `stty cols 100 rows 40; exec ${kubectlPath() as string} exec -it p -- sh -c 'read l; echo got $l; exit 5'`;
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: kubectlEnv(api, tr.env) });
      const done = new Promise<number | null>((r) => child.once('close', r));
      let out = '';
      child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
      try {
        const before = api.execs.length;
        await waitUntil(() => api.execs.length > before);
        const call = api.execs.at(-1);
        await call?.resized;
        child.stdin.write('typed\n'); // raw mode: no CR to NL translation
        const code = await done;
        assert.equal(code, 5, `exit code: got ${code}, want 5 (output ${JSON.stringify(out)})`);
        assert.match(out, /got typed/, `output: got ${JSON.stringify(out)}`);
        assert.deepEqual(call?.resizes[0], [100, 40], `first resize: got ${JSON.stringify(call?.resizes)}`);
        assert.deepEqual([call?.opts.tty, call?.opts.stdin, call?.opts.stderr], [true, true, false], `options: got ${JSON.stringify(call?.opts)}`);
        assert.doesNotMatch(out, /Unhandled Error/, `kubectl logged an error: ${JSON.stringify(out)}`);
      } finally {
        child.kill('SIGKILL');
      }
    });

    test('killing kubectl mid-command kills the process in the pod', async () => {
      const child = spawn(kubectlPath() as string, ['exec', 'p', '--', 'sh', '-c', 'echo started; exec sleep 60'], { env: kubectlEnv(api, tr.env) });
      const exited = new Promise((r) => child.once('close', r));
      await waitOutput(child, /started/);
      const call = api.execs.at(-1);
      child.kill('SIGKILL');
      await exited;
      await call?.closed;
      const code = await call?.exited;
      assert.equal(code, 137, `process exit: got ${code}, want 137 (SIGKILL)`);
    });

    test('attach -i p relays stdin to the container and exits 0 when it ends', async () => {
      const r = await runKubectl(api, ['attach', '-i', 'p'], { env: tr.env, input: 'attached line\n' });
      assert.equal(r.code, 0, `exit code: got ${r.code}, want 0 (stderr ${r.stderr})`);
      assert.equal(r.stdout, 'attached line\n', `stdout: got ${JSON.stringify(r.stdout)}`);
    });

    test('attach reports Success when the container exits non-zero (as upstream: kubectl run reads the pod status)', async () => {
      const other = await startFakeApi({ attachCommand: ['sh', '-c', 'cat; exit 3'] });
      try {
        const r = await runKubectl(other, ['attach', '-i', 'p'], { env: tr.env, input: 'line\n' });
        assert.equal(r.code, 0, `exit code: got ${r.code}, want 0 (stderr ${r.stderr})`);
        assert.equal(r.stdout, 'line\n', `stdout: got ${JSON.stringify(r.stdout)}`);
        assert.doesNotMatch(r.stderr, /exit code/, `stderr: got ${JSON.stringify(r.stderr)}`);
      } finally {
        await other.close();
      }
    });

    test('port-forward pod/p :PORT carries several connections both ways', async () => {
      const echo = await startEchoServer();
      const bin = kubectlPath() as string;
      const child = spawn(bin, ['port-forward', 'pod/p', `:${echo.port}`], { env: kubectlEnv(api, tr.env) });
      let out = '';
      let err = '';
      child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
      try {
        const local = await new Promise<number>((resolve, reject) => {
          child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.once('close', (code) => reject(new Error(`kubectl exited ${code}: ${err}`)));
        });
        const big = Buffer.alloc(1_000_000);
        for (let i = 0; i < big.length; i++) big[i] = i % 251;
        const msgs = [Buffer.from('hello'), Buffer.from('world'), big, Buffer.from('x'.repeat(70_000))];
        const got = await Promise.all(msgs.map((m) => roundTrip(local, m)));
        got.forEach((g, i) => assert.ok(g.equals(msgs[i] as Buffer), `connection ${i}: got ${g.length} bytes, want ${(msgs[i] as Buffer).length} identical`));
        // And one more after the others closed, on the same kubectl session.
        const last = await roundTrip(local, Buffer.from('again'));
        assert.equal(last.toString(), 'again');
        assert.equal(echo.connections(), 5, `pod-side connections: got ${echo.connections()}, want 5`);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('close', r));
        await echo.close();
      }
    });

    test('port-forward to a closed port reports the dial error on the error stream', async () => {
      const echo = await startEchoServer();
      const deadPort = echo.port;
      await echo.close(); // nothing listens there now
      const child = spawn(kubectlPath() as string, ['port-forward', 'pod/p', `:${deadPort}`], { env: kubectlEnv(api, tr.env) });
      let out = '';
      let err = '';
      child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
      try {
        const local = await new Promise<number>((resolve, reject) => {
          child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.once('close', (code) => reject(new Error(`kubectl exited ${code}: ${err}`)));
        });
        const got = await roundTrip(local, Buffer.from('x'));
        assert.equal(got.length, 0, `bytes back from a dead port: got ${got.length}, want 0`);
        await new Promise<void>((resolve) => {
          const check = (): void => { if (/error forwarding port/.test(err)) resolve(); };
          child.stderr.on('data', check);
          child.once('close', () => resolve());
          check();
        });
        assert.match(err, new RegExp(`error forwarding port ${deadPort} to pod default/p`), `stderr: got ${JSON.stringify(err)}`);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('close', r));
      }
    });
  });
}
