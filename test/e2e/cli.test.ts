// The `berth` command as a user meets it: help texts, and clear one-line errors (no stack traces) for the
// usual start-up mistakes. A second server on the same data dir is refused and the first is unharmed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBerth } from '../support/server';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'berth.js');

function berth(args: string[], timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number) ?? 1 : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

function assertOneLineError(r: { code: number; stderr: string }, pattern: RegExp, what: string): void {
  assert.notEqual(r.code, 0, `${what}: want a non-zero exit`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: want one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern, `${what}: message`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
}

test('help texts', async () => {
  const h = await berth(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /server\s+run the API server/);
  const s = await berth(['server', '--help']);
  assert.equal(s.code, 0);
  for (const f of ['--data-dir', '--port', '--bind-address', '--datastore', '--node-ip', '--disable-agent']) assert.match(s.stdout, new RegExp(f), `server --help lists ${f}`);
  const v = await berth(['version']);
  assert.match(v.stdout, /v1\.32\./);
});

test('bad flags and arguments are one-line errors', async () => {
  assertOneLineError(await berth(['server', '--nope']), /unknown flag: --nope/, 'unknown flag');
  assertOneLineError(await berth(['server', '--port']), /flag needs an argument: --port/, 'missing value');
  assertOneLineError(await berth(['server', '--port', 'abc']), /invalid value "abc" for --port/, 'bad number');
  assertOneLineError(await berth(['server', '--datastore', 'mysql://x']), /--datastore/, 'bad datastore');
  assertOneLineError(await berth(['server', '--metric-resolution', 'often']), /invalid --metric-resolution "often": want a duration/, 'bad metric resolution');
  assertOneLineError(await berth(['server', '--metric-resolution', '500ms']), /must be at least 1s/, 'metric resolution too fine');
  assertOneLineError(await berth(['server', '--cluster-cidr', '10.43.0.0/16']), /overlap/, 'pod and service ranges overlap');
  assertOneLineError(await berth(['server', '--pod-network', 'calico']), /invalid --pod-network "calico"/, 'bad pod network');
  assertOneLineError(await berth(['frobnicate']), /unknown command "frobnicate"/, 'unknown command');
});

test('an unusable data dir is named in the error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  try {
    const file = join(dir, 'afile');
    mkdirSync(join(dir, 'ro'));
    chmodSync(join(dir, 'ro'), 0o500);
    writeFileSync(file, 'x');
    assertOneLineError(await berth(['server', '--data-dir', join(file, 'sub'), '--port', '0']), new RegExp(`cannot use data dir ${file}`), 'data dir under a file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('port in use, unreachable etcd, and a second server on one data dir', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  try {
    assertOneLineError(await berth(['server', '--data-dir', join(dir, 'a'), '--port', String(port), '--disable-agent']), new RegExp(`port ${port} on 127.0.0.1 is already in use`), 'port in use');
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as { port: number }).port;
    await new Promise<void>((r) => dead.close(() => r()));
    assertOneLineError(await berth(['server', '--data-dir', join(dir, 'b'), '--port', '0', '--datastore', `etcd://127.0.0.1:${deadPort}`, '--disable-agent']), /cannot reach etcd at 127\.0\.0\.1/, 'etcd unreachable');

    const first = await startBerth({ dir: join(dir, 'c'), args: ['--disable-agent'] });
    try {
      const second = await berth(['server', '--data-dir', join(dir, 'c', 'data'), '--port', '0', '--disable-agent']);
      assertOneLineError(second, /is in use by another berth server/, 'second server on one data dir');
      assert.equal(first.proc.exitCode, null, 'the first server is still running');
    } finally {
      assert.equal(await first.stop(), 0, 'clean exit on SIGTERM');
    }
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
