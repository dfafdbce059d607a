// Starts container processes from a worker thread, so the kubelet's event loop never waits on fork/exec.
//
// Why: Node's spawn() forks the whole process (page tables of a 100+ MB heap) and then blocks until the
// child has exec'd; on a busy 2-core node that is 4–8 ms of a stopped event loop per spawn, the largest
// single cost of a burst of pod starts (100 pods: 1.4 s of 4.2 s, two spawns per container with
// mkfifo). From a worker thread the same fork/exec stalls only that thread.
//
//   runtime (main thread) ──{start: fifos, argv, cwd, env}──▶ spawner thread
//                                                             rm + mkfifo (execFileSync, this thread only;
//                                                             one mkfifo for all starts queued together)
//                                                             open read ends (O_RDONLY|O_NONBLOCK) and
//                                                             write ends (O_RDWR) → spawn detached → close
//                         ◀──{spawned: pid, readFds}───────── (file descriptors are process-wide: the
//                         ◀──{exit: code, signal}──────────    main thread wraps the read ends in sockets)
//
// The read ends are opened before the child starts, as on the main-thread path, so output of a command
// that exits at once is not lost. The worker runs plain JavaScript (eval), no TypeScript loader, to stay
// small (a few MB) and start fast. One spawner per process, shared by every runtime instance: a runtime
// that closes releases its hold, and the thread stops keeping the process alive (the children, in their
// own sessions, keep running; a new runtime instance adopts them by pid).
import { Worker } from 'node:worker_threads';

/** What the worker runs. Kept as a string: it must not depend on a TypeScript loader or the bundle. */
const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads');
const { spawn, execFileSync } = require('node:child_process');
const { closeSync, constants, openSync, rmSync } = require('node:fs');
// Starts queued in the same turn share one mkfifo process (a burst of pod starts costs one fork, not two, per container).
let queue = [];
parentPort.on('message', (m) => {
  if (m.type !== 'start') return;
  if (queue.length === 0) setImmediate(drain);
  queue.push(m);
});
function drain() {
  const batch = queue;
  queue = [];
  let made = new Set();
  try {
    const fifos = batch.flatMap((m) => m.fifos);
    for (const f of fifos) rmSync(f, { force: true });
    execFileSync('mkfifo', ['-m', '600', ...fifos], { stdio: ['ignore', 'ignore', 'pipe'] });
    made = new Set(batch);
  } catch {
    // one of them failed: make each one's FIFOs alone, so the error reaches only that start
  }
  for (const m of batch) start(m, made.has(m));
}
function start(m, made) {
  const opened = [];
  try {
    if (!made) {
      for (const f of m.fifos) rmSync(f, { force: true });
      execFileSync('mkfifo', ['-m', '600', ...m.fifos], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    const readFds = m.fifos.map((f) => openSync(f, constants.O_RDONLY | constants.O_NONBLOCK));
    opened.push(...readFds);
    const rw = m.fifos.map((f) => openSync(f, constants.O_RDWR));
    let child;
    try {
      child = spawn(m.file, m.args, { cwd: m.cwd, env: m.env, detached: true, stdio: ['ignore', rw[0], rw[1]] });
    } finally {
      for (const fd of rw) closeSync(fd);
    }
    if (child.pid === undefined) {
      child.once('error', (e) => {
        for (const fd of readFds) closeSync(fd);
        parentPort.postMessage({ type: 'error', id: m.id, spawn: true, message: 'cannot start the wrapper shell: ' + e.message });
      });
      return;
    }
    child.on('error', () => undefined);
    child.on('exit', (code, signal) => parentPort.postMessage({ type: 'exit', id: m.id, code, signal }));
    parentPort.postMessage({ type: 'spawned', id: m.id, pid: child.pid, readFds });
  } catch (e) {
    for (const fd of opened) { try { closeSync(fd); } catch {} }
    const stderr = e && e.stderr ? String(e.stderr).trim() : '';
    parentPort.postMessage({ type: 'error', id: m.id, message: stderr || (e && e.message) || String(e) });
  }
}
`;

export interface SpawnRequest {
  /** The FIFOs to (re)create for stdout and stderr; the child gets them opened O_RDWR as fds 1 and 2. */
  fifos: [string, string];
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface Spawned {
  pid: number;
  /** Non-blocking read ends of the FIFOs, in the order of `fifos` (the caller owns and closes them). */
  readFds: number[];
  /** Resolves with the child's exit code and signal (as the 'exit' event of a ChildProcess), or with
   * `lost` when the spawner thread died and the exit can only be learnt by watching the pid. */
  exit: Promise<SpawnExit>;
}

/** The wrapper could not be started (the FIFOs were made): the container failed to start, not the runtime. */
export class SpawnError extends Error {
  override name = 'SpawnError';
}

export interface SpawnExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  lost?: boolean;
}

type Reply =
  | { type: 'spawned'; id: number; pid: number; readFds: number[] }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'error'; id: number; message: string; spawn?: boolean };

interface Pending {
  resolve(s: Spawned): void;
  reject(e: Error): void;
  onExit(r: SpawnExit): void;
  exit: Promise<SpawnExit>;
  held: boolean;
  pid?: number;
}

/** The process-wide spawner thread (see the file comment). */
export class Spawner {
  private worker?: Worker;
  private nextId = 1;
  private readonly calls = new Map<number, Pending>();
  private held = 0;

  /** Starts a child from the worker thread; rejects with a SpawnError when the child could not be started,
   * with an Error when making or opening the FIFOs failed. */
  start(req: SpawnRequest): Promise<Spawned> {
    const w = this.thread();
    const id = this.nextId++;
    let onExit!: Pending['onExit'];
    const exit = new Promise<SpawnExit>((r) => (onExit = r));
    return new Promise<Spawned>((resolve, reject) => {
      this.calls.set(id, { resolve, reject, onExit, exit, held: true });
      this.hold(1);
      w.postMessage({ type: 'start', id, ...req });
    });
  }

  /** Stops keeping the process alive for these children (a runtime closing); they keep running. */
  release(pids: Iterable<number>): void {
    const set = new Set(pids);
    for (const c of this.calls.values()) {
      if (c.held && c.pid !== undefined && set.has(c.pid)) {
        c.held = false;
        this.hold(-1);
      }
    }
  }

  private hold(delta: number): void {
    this.held += delta;
    if (this.held > 0) this.worker?.ref();
    else this.worker?.unref();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], name: 'berth-spawner',
      // the read ends are handed to the main thread: the worker must neither track nor close them on exit
      trackUnmanagedFds: false });
    w.on('message', (m: Reply) => this.onReply(m));
    w.on('error', (e) => this.fail(e));
    w.on('exit', () => this.fail(new Error('the spawner thread exited')));
    this.worker = w;
    return w;
  }

  private onReply(m: Reply): void {
    const c = this.calls.get(m.id);
    if (!c) return;
    if (m.type === 'spawned') {
      c.pid = m.pid;
      c.resolve({ pid: m.pid, readFds: m.readFds, exit: c.exit });
    } else if (m.type === 'exit') {
      this.calls.delete(m.id);
      if (c.held) this.hold(-1);
      c.onExit({ code: m.code, signal: m.signal });
    } else {
      this.calls.delete(m.id);
      if (c.held) this.hold(-1);
      c.reject(m.spawn ? new SpawnError(m.message) : new Error(m.message));
    }
  }

  /** The thread died (it should not): pending starts fail; started children report `lost` (watch their pid). */
  private fail(e: Error): void {
    this.worker = undefined;
    for (const [id, c] of this.calls) {
      this.calls.delete(id);
      c.reject(e);
      c.onExit({ code: null, signal: null, lost: true });
    }
    this.held = 0;
  }
}

let shared: Spawner | undefined;

/** The process-wide spawner, started on first use. */
export function spawner(): Spawner {
  return (shared ??= new Spawner());
}
