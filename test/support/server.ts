// Test support: a real berth API server for tests, either in-process (fast; for component tests of the
// scheduler, controllers, kubelet) or as the real `berth server` command (for end-to-end tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../../src/store';
import { ensurePki } from '../../src/apiserver/auth/pki';
import { createApiServer, type ApiServer } from '../../src/apiserver/server';
import { adminKubeconfig, writeSecretFile } from '../../src/cli/kubeconfig';
import type { Store } from '../../src/store/types';

export interface TestServer {
  url: string;
  dir: string;
  kubeconfigPath: string;
  /** CA (PEM) and admin bearer token, for building clients. */
  caPem: string;
  token: string;
  api: ApiServer;
  store: Store;
  stop(): Promise<void>;
}

/** Starts an API server in this process on a temporary sqlite store and a random loopback port. */
export async function startTestServer(opts: { dir?: string; watchMaxBufferedBytes?: number } = {}): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'berth-test-'));
  const store = await createStore({ datastore: 'sqlite', path: join(dir, 'state.db') });
  const pki = ensurePki(join(dir, 'tls'), ['127.0.0.1']);
  const api = await createApiServer({ store, pki, port: 0, bindAddress: '127.0.0.1', advertiseAddress: '127.0.0.1', logLevel: 'warn', log: () => undefined, watchMaxBufferedBytes: opts.watchMaxBufferedBytes });
  const kubeconfigPath = join(dir, 'kubeconfig.yaml');
  writeSecretFile(kubeconfigPath, adminKubeconfig({ server: api.url, caPem: pki.caPem, token: pki.adminToken }));
  return {
    url: api.url,
    dir,
    kubeconfigPath,
    caPem: pki.caPem,
    token: pki.adminToken,
    api,
    store,
    async stop() {
      await api.stop();
      await store.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface BerthProcess {
  dir: string;
  kubeconfigPath: string;
  url: string;
  proc: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /**
   * Deletes every pod first (its containers outlive the server, by design: a restarted server adopts them),
   * unless `keepPods`, then SIGTERM and wait for exit; returns the exit code.
   */
  stop(signal?: NodeJS.Signals, opts?: { keepPods?: boolean }): Promise<number | null>;
}

/**
 * Deletes every pod gracefully and waits (≤ 30 s) until the kubelet has stopped their containers and
 * confirmed: what a test does before stopping a server whose pods it does not want left running.
 */
async function deleteAllPods(kubeconfigPath: string): Promise<void> {
  const { createClient, loadKubeconfig, Resources } = await import('../../src/client');
  const client = createClient(loadKubeconfig(kubeconfigPath));
  try {
    const pods = client.resource(Resources.pods);
    for (const p of (await pods.list(undefined)).items) {
      await pods.delete(p.metadata?.namespace, p.metadata?.name ?? '', { gracePeriodSeconds: 1 }).catch(() => undefined);
    }
    // pods on a node that is not Ready (a dead hollow node) stay Terminating: nothing there will stop them
    const nodes = await client.resource<{ metadata?: { name?: string }; status?: { conditions?: Array<{ type: string; status: string }> } }>(Resources.nodes).list(undefined);
    const live = new Set(nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata?.name));
    const waitFor = async (): Promise<boolean> => (await pods.list(undefined)).items.some((p) => live.has((p as { spec?: { nodeName?: string } }).spec?.nodeName));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await waitFor())) await new Promise((r) => setTimeout(r, 200));
  } finally {
    client.close();
  }
}

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Runs the real `berth server` (bin/berth.js, built into dist/ by `npm test`) on a temp data dir and a
 * random port, and waits for its ready line.
 */
export async function startBerth(opts: { dir?: string; args?: string[]; timeoutMs?: number; networking?: boolean } = {}): Promise<BerthProcess> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'berth-e2e-'));
  // Tests run several servers at once: the kubelet takes a free port, and node networking (which owns host-wide
  // iptables chains and well-known ports) is off unless a test asks for it (opts.networking).
  const isolation = opts.networking ? [] : ['--proxy-mode', 'none', '--disable-dns', '--disable-ingress', '--pod-network', 'host'];
  const args = ['server', '--data-dir', join(dir, 'data'), '--port', '0', '--node-ip', '127.0.0.1', '--kubelet-port', '0', ...isolation, ...(opts.args ?? [])];
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'berth.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const kubeconfigPath = join(dir, 'data', 'kubeconfig.yaml');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`berth server did not get ready in time:\n${out}`)), opts.timeoutMs ?? 30_000);
    const check = () => {
      const m = /ready: API at (\S+),/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`berth server exited with ${code} before it was ready:\n${out}`));
    });
  });
  return {
    dir,
    kubeconfigPath,
    url,
    proc,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM', stopOpts: { keepPods?: boolean } = {}) {
      if (proc.exitCode === null && !stopOpts.keepPods) await deleteAllPods(kubeconfigPath).catch(() => undefined);
      return new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill(signal);
      });
    },
  };
}

export function readKubeconfigToken(path: string): string {
  const m = /token: (\S+)/.exec(readFileSync(path, 'utf8'));
  if (!m) throw new Error(`no token in ${path}`);
  return m[1]!;
}
