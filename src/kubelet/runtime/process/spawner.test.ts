import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawner, SpawnError } from './spawner';

/** Reads a non-blocking FIFO read end until every writer closed it. */
function readAll(fd: number): Promise<string> {
  const sock = new Socket({ fd, readable: true, writable: false });
  const chunks: Buffer[] = [];
  sock.on('data', (b: Buffer) => chunks.push(b));
  return new Promise((resolve) => sock.once('close', () => resolve(Buffer.concat(chunks).toString())));
}

const cases = [
  { name: 'output and exit code of a command that exits at once', script: 'echo out; echo err >&2; exit 3', want: { out: 'out\n', err: 'err\n', code: 3 } },
  { name: 'a signalled command reports its signal', script: 'kill -TERM $$', want: { out: '', err: '', code: null as number | null, signal: 'SIGTERM' } },
];

for (const c of cases) {
  test(`spawner: ${c.name}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spawner-'));
    try {
      // several starts in one turn share one mkfifo: start two and check both
      const starts = [0, 1].map((i) => spawner().start({
        fifos: [join(dir, `${i}.out`), join(dir, `${i}.err`)], file: '/bin/sh', args: ['-c', c.script], cwd: dir, env: { PATH: '/usr/bin:/bin' },
      }));
      for (const s of await Promise.all(starts)) {
        assert.ok(s.pid > 0, `pid: got ${s.pid}`);
        const [out, err, exit] = await Promise.all([readAll(s.readFds[0]!), readAll(s.readFds[1]!), s.exit]);
        assert.deepEqual({ out, err, code: exit.code, ...('signal' in c.want ? { signal: exit.signal } : {}) }, c.want, `got ${JSON.stringify({ out, err, exit })}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('spawner: a missing executable is a SpawnError; FIFOs that cannot be made are a plain Error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spawner-'));
  try {
    const missing = spawner().start({ fifos: [join(dir, 'o'), join(dir, 'e')], file: join(dir, 'nope'), args: [], cwd: dir, env: {} });
    const noDir = spawner().start({ fifos: [join(dir, 'no', 'o'), join(dir, 'no', 'e')], file: '/bin/true', args: [], cwd: dir, env: {} });
    const [a, b] = await Promise.allSettled([missing, noDir]);
    assert.ok(a.status === 'rejected' && a.reason instanceof SpawnError, `missing executable: got ${a.status === 'rejected' ? String(a.reason) : 'started'}, want a SpawnError`);
    assert.ok(b.status === 'rejected' && !(b.reason instanceof SpawnError), `no FIFO directory: got ${b.status === 'rejected' ? String(b.reason) : 'started'}, want a plain Error`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
