// Runs a real single-member etcd on loopback for tests, benchmarks and e2e tests.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EtcdProcess {
  /** "127.0.0.1:<port>", the form createStore({ datastore: 'etcd', endpoints }) takes. */
  endpoint: string;
  /** The etcd child's PID. */
  pid: number;
  /** Stops this etcd (SIGTERM, then SIGKILL after 5 s) and removes its data dir if startEtcd created it. */
  stop(): Promise<void>;
}

export interface StartEtcdOptions {
  /** Keep data here (kept on stop); default a fresh temp dir removed on stop. */
  dataDir?: string;
  /** Give up waiting for health after this long; default 20 s. */
  timeoutMs?: number;
}

const SETUP_HINT = 'run `bash scripts/setup-system.sh` to install it (Debian package etcd-server)';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/**
 * Starts the `etcd` binary from PATH on free loopback client and peer ports and resolves once it reports
 * healthy. Fails (never skips) with a setup hint when etcd is not installed.
 */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdProcess> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'berth-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const child = spawn('etcd', [
    '--name', 'berth', '--data-dir', dataDir,
    '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `berth=${peerUrl}`, '--initial-cluster-state', 'new',
    // A value of exactly MAX_VALUE_BYTES plus its key must fit in one request.
    '--max-request-bytes', String(2 * 1024 * 1024),
    '--logger', 'zap', '--log-level', 'error', '--log-outputs', 'stderr',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const cleanupDir = (): void => {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };

  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, sig) => resolve(`exited (${code ?? sig})`)));
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const early = await Promise.race([
      spawnError.then((e) => (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? `etcd is not installed (no \`etcd\` on PATH): ${SETUP_HINT}`
        : `cannot start etcd: ${e.message}`),
      exited.then((how) => `etcd ${how}: ${stderr.trim() || 'no output'}`),
      healthy(clientUrl).then((ok) => (ok ? 'healthy' : '')),
    ]);
    if (early === 'healthy') break;
    if (early !== '' || Date.now() > deadline) {
      child.kill('SIGKILL');
      process.removeListener('exit', killOnExit);
      cleanupDir();
      throw new Error(early || `etcd on ${clientUrl} did not become healthy within ${opts.timeoutMs ?? 20_000} ms: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `127.0.0.1:${clientPort}`,
    pid: child.pid ?? 0,
    stop: () => {
      stopped ??= (async () => {
        child.kill('SIGTERM');
        if (!(await waitExit(child, 5000))) {
          child.kill('SIGKILL');
          await waitExit(child, 5000);
        }
        process.removeListener('exit', killOnExit);
        cleanupDir();
      })();
      return stopped;
    },
  };
}
