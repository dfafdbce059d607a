// `kubectl exec -it` with the real kubectl, through our streaming handlers, into the process runtime's
// pty (../runtime/pty.ts): kubectl runs on a terminal of its own (script(1)) of a known size, and the
// shell in the container must see that size, a terminal, and a prompt.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ProcessRuntime } from '../runtime';
import { kubectlEnv, kubectlPath, startFakeApi, type FakeApi } from './test-harness';

if (!kubectlPath()) throw new Error('kubectl is not installed: run `bash scripts/setup-system.sh` (as root) to install the test dependencies');

const transports: Array<{ name: string; env: Record<string, string> }> = [
  { name: 'websocket', env: {} },
  { name: 'spdy', env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' } },
];

/** kubectl on a pty of cols x rows (script(1)); `expect` waits for output, `type` writes keystrokes. */
function kubectlOnTerminal(api: FakeApi, env: Record<string, string>, size: [number, number], args: string[]) {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const cmd = `stty cols ${size[0]} rows ${size[1]}; exec ${kubectlPath() as string} ${quoted}`;
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: kubectlEnv(api, env) });
  let out = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    for (const w of waiters.splice(0)) w();
  });
  const done = new Promise<number | null>((r) => child.once('close', r));
  return {
    done,
    output: () => out,
    /** Resolves once the output (from `from` on) matches; rejects if kubectl exits first. */
    expect(re: RegExp, from = 0): Promise<string> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (re.test(out.slice(from))) resolve(out);
          else waiters.push(check);
        };
        void done.then((code) => reject(new Error(`kubectl exited ${code} before ${String(re)}: ${JSON.stringify(out)}`)));
        check();
      });
    },
    type: (s: string) => child.stdin.write(s),
    kill: () => child.kill('SIGKILL'),
  };
}

describe('kubectl exec -it into the process runtime', () => {
  let root = '';
  let rt: ProcessRuntime;
  let containerId = '';
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'berth-kubectl-tty-'));
    rt = await ProcessRuntime.open({ rootDir: join(root, 'state'), disableCgroups: true });
    const sb = await rt.runPodSandbox({ uid: `tty-${process.pid}`, name: 'p', namespace: 'default', logDirectory: join(root, 'logs') });
    containerId = await rt.createContainer(sb, { name: 'c', image: 'busybox', command: ['sleep', '600'], logPath: 'c.log' });
    await rt.startContainer(containerId);
  });
  after(async () => {
    for (const s of await rt.listPodSandboxes()) await rt.removePodSandbox(s.id);
    await rt.close();
    rmSync(root, { recursive: true, force: true });
  });

  for (const tr of transports) {
    test(`${tr.name}: a shell prompt, the terminal kubectl sent (stty size), tty, and the exit code`, async () => {
      const api = await startFakeApi({ exec: (o) => rt.exec(containerId, o.command, { tty: o.tty, stdin: o.stdin }) });
      const k = kubectlOnTerminal(api, tr.env, [100, 40], ['exec', '-it', 'p', '--', 'sh', '-i']);
      try {
        await k.expect(/[#$] $/);
        let mark = k.output().length;
        k.type('stty size; tty; echo to-err >&2\r'); // kubectl's terminal is raw: Enter is CR, the pty maps it
        const got = await k.expect(/to-err\r\n[#$] $/, mark);
        const reply = got.slice(mark);
        assert.match(reply, /\r\n40 100\r\n/, `stty size: got ${JSON.stringify(reply)}, want "40 100" (kubectl's 100x40)`);
        assert.match(reply, /\r\n\/dev\/pts\/\d+\r\n/, `tty: got ${JSON.stringify(reply)}, want /dev/pts/N`);
        mark = k.output().length;
        k.type('exit 7\r');
        const code = await k.done;
        assert.equal(code, 7, `kubectl exit: got ${code}, want 7 (output ${JSON.stringify(k.output().slice(mark))})`);
        const call = api.execs.at(-1);
        assert.deepEqual([call?.opts.tty, call?.opts.stdin, call?.opts.stderr], [true, true, false], `options: got ${JSON.stringify(call?.opts)}`);
        assert.doesNotMatch(k.output(), /Unhandled Error/, `kubectl logged an error: ${JSON.stringify(k.output())}`);
      } finally {
        k.kill();
        await api.close();
      }
    });
  }
});
