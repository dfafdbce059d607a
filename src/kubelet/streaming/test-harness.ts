// Test support (imported only by *.test.ts): a tiny API server that answers the calls kubectl and
// client-node make before an exec/attach/port-forward upgrade and routes the upgrade to our handlers, plus
// fake targets: exec runs a real child process through /bin/sh, port-forward dials a TCP echo server.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ExecSession } from '../runtime';
import { handleAttachUpgrade, handleExecUpgrade, handlePortForwardUpgrade } from './index';
import type { RemoteCommandOptions } from './types';

export interface ExecCall {
  opts: RemoteCommandOptions;
  resizes: Array<[number, number]>;
  /** Resolves when the handler called ExecSession.close() (the client went away, or cleanup after exit). */
  closed: Promise<void>;
  markClosed: () => void;
  /** Resolves at the first terminal resize. */
  resized: Promise<void>;
  markResized: () => void;
  /** The process's exit code (128+n for signal n). */
  exited?: Promise<number>;
}

function newCall(opts: RemoteCommandOptions): ExecCall {
  let markClosed!: () => void;
  const closed = new Promise<void>((r) => { markClosed = r; });
  let markResized!: () => void;
  const resized = new Promise<void>((r) => { markResized = r; });
  return { opts, resizes: [], closed, markClosed, resized, markResized };
}

/** Starts `opts.command` via `/bin/sh -c 'exec "$@"'` as an ExecSession. */
export function spawnSession(command: string[], opts: RemoteCommandOptions, call?: ExecCall): ExecSession {
  const child = spawn('/bin/sh', ['-c', 'exec "$@"', 'sh', ...command], { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (signalNumbers[signal] ?? 1) : 1)));
  });
  if (call) call.exited = exit;
  const stdout = child.stdout as NonNullable<ChildProcess['stdout']>;
  const stderr = child.stderr as NonNullable<ChildProcess['stderr']>;
  return {
    stdin: child.stdin ?? undefined,
    stdout,
    stderr,
    resize: (cols, rows) => {
      call?.resizes.push([cols, rows]);
      call?.markResized();
    },
    exit,
    close: () => {
      call?.markClosed();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13, SIGINT: 2 };

export interface FakeApi {
  url: string;
  port: number;
  dir: string;
  kubeconfigPath: string;
  /** Every exec/attach the handlers started, in order. */
  execs: ExecCall[];
  /** Every port dialled. */
  dials: number[];
  /** Request lines seen (method + path), to debug what a client sent. */
  requests: string[];
  close(): Promise<void>;
}

const POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: '0b6c5f4e-1f7e-4c59-9a43-1d6d2c1f0a11', resourceVersion: '7', creationTimestamp: '2025-01-01T00:00:00Z' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName: 'n1' },
  status: {
    phase: 'Running',
    podIP: '127.0.0.1',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'busybox', imageID: '', started: true, state: { running: { startedAt: '2025-01-01T00:00:00Z' } } }],
  },
};

const API_RESOURCES = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'], categories: ['all'] },
    { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
  ],
};

function json(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Starts the fake API server. `attach` sessions run `attachCommand` (default `cat`); port-forward dials
 * 127.0.0.1:<port>. `exec`, when given, starts exec sessions instead of the fake (e.g. a real runtime's).
 */
export async function startFakeApi(opts: { attachCommand?: string[]; exec?: (o: RemoteCommandOptions) => Promise<ExecSession> } = {}): Promise<FakeApi> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-streaming-'));
  const execs: ExecCall[] = [];
  const dials: number[] = [];
  const requests: string[] = [];
  const sockets = new Set<Duplex>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    if (req.method !== 'GET') return json(res, 405, { kind: 'Status', status: 'Failure', code: 405 });
    switch (path) {
      case '/version':
        return json(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.4', gitCommit: '', gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23', compiler: 'gc', platform: 'linux/amd64' });
      case '/api':
        return json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      case '/apis':
        return json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      case '/api/v1':
        return json(res, 200, API_RESOURCES);
      case '/api/v1/namespaces/default/pods/p':
        return json(res, 200, POD);
      default:
        return json(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: `${path} not found` });
    }
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    requests.push(`${req.method ?? ''} ${req.url ?? ''} upgrade=${req.headers.upgrade ?? ''}`);
    const path = (req.url ?? '/').split('?')[0];
    const start = (command: string[], o: RemoteCommandOptions): Promise<ExecSession> => {
      const call = newCall(o);
      execs.push(call);
      return Promise.resolve(spawnSession(command, o, call));
    };
    const target = {
      exec: (o: RemoteCommandOptions) => {
        if (!opts.exec) return start(o.command, o);
        execs.push(newCall(o));
        return opts.exec(o);
      },
      attach: (o: RemoteCommandOptions) => start(opts.attachCommand ?? ['cat'], o),
    };
    switch (path) {
      case '/api/v1/namespaces/default/pods/p/exec':
        void handleExecUpgrade(req, socket, head, target, { podName: 'default/p' });
        return;
      case '/api/v1/namespaces/default/pods/p/attach':
        void handleAttachUpgrade(req, socket, head, target, { podName: 'default/p' });
        return;
      case '/api/v1/namespaces/default/pods/p/portforward':
        void handlePortForwardUpgrade(req, socket, head, {
          dial: (port) => {
            dials.push(port);
            return new Promise<Duplex>((resolve, reject) => {
              const c = net.connect(port, '127.0.0.1');
              c.once('connect', () => resolve(c));
              c.once('error', reject);
            });
          },
        }, { podName: 'default/p' });
        return;
      default:
        socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: fake',
    '  cluster:',
    `    server: ${url}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: u',
    '  user:',
    '    token: test-token',
    'contexts:',
    '- name: fake',
    '  context:',
    '    cluster: fake',
    '    user: u',
    '    namespace: default',
    'current-context: fake',
    '',
  ].join('\n'));
  return {
    url,
    port,
    dir,
    kubeconfigPath,
    execs,
    dials,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP server that echoes what it receives, prefixed by `prefix` per connection. */
export async function startEchoServer(prefix = ''): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let count = 0;
  const conns = new Set<net.Socket>();
  const server = net.createServer((s) => {
    count++;
    conns.add(s);
    s.on('close', () => conns.delete(s));
    s.on('error', () => undefined);
    if (prefix) s.write(prefix);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    async close() {
      for (const c of conns) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function kubectlPath(): string | undefined {
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
  if (existsSync(pinned)) return pinned;
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'kubectl'))) return join(dir, 'kubectl');
  return undefined;
}

export interface KubectlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kubectl against the fake API; `env` adds variables (e.g. KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false). */
export function runKubectl(api: FakeApi, args: string[], opts: { env?: Record<string, string>; input?: string | Buffer } = {}): Promise<KubectlRun> {
  const bin = kubectlPath();
  if (!bin) throw new Error('kubectl not found');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: kubectlEnv(api, opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    // A guard against a hung client, not an assertion on speed.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

export function kubectlEnv(api: FakeApi, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: api.dir,
    KUBECONFIG: api.kubeconfigPath,
    KUBECACHEDIR: join(api.dir, 'cache'),
    ...extra,
  };
}
