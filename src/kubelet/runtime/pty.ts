// Pseudo-terminals without native modules: util-linux `script` (Essential in Debian) allocates the pty,
// makes its slave the controlling terminal and stdio of a child, and relays the master to its own
// stdin/stdout, which are plain pipes to the kubelet. A TTY therefore merges stderr into stdout.
//
//   kubelet ─pipe─▶ script -q -e -c '…' /dev/null ─master/slave─▶ sh PTY_INNER ─exec─▶ command
//      ▲  fd 3: "<pid> /dev/pts/N\n" (handshake)        │ stdin/stdout/stderr = /dev/pts/N
//      └─ fd 4: "<rows> <cols>\n" (first size, gate) ──▶┘
//
// Resize: `stty -F /dev/pts/N rows R cols C` (TIOCSWINSZ on the slave); the kernel itself sends SIGWINCH
// to the terminal's foreground process group when the size changes. The first size is applied by the
// inner shell before it execs the command (the "gate"), so the command starts at the client's size.
//
// `script` flags checked on util-linux 2.38: -q (no banner), -e (child's exit status; 128+N when the
// child dies of signal N), -c (command run by $SHELL -c; we pin SHELL=/bin/sh and restore the caller's in
// the inner shell). With a pipe on stdin, script keeps the slave's ECHO on (--echo auto) as a real
// terminal would, and on stdin EOF it writes the terminal's EOF character (^D) to the master.
import { execFile, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { hostTool } from './process/argv';
import { exitCodeOf } from './process/exec';
import type { ExecSession } from './types';

/** Runs on the slave side: handshake on fd 3, optional wait for the first size on fd 4, then exec "$@". */
export const PTY_INNER = [
  'm=$1; t=$2; s=$3; shift 3',
  'if [ -n "${BERTH_PTY_SHELL+x}" ]; then SHELL=$BERTH_PTY_SHELL; else unset SHELL; fi; unset BERTH_PTY_SHELL',
  'printf \'%s %s\\n\' "$$" "$("$t")" >&3',
  'exec 3>&-',
  'if [ "$m" = wait ]; then read -r r c <&4; [ -n "$r" ] && "$s" rows "$r" cols "$c"; fi',
  'exec 4<&-',
  'exec "$@"',
].join('\n');

/** How long the gate waits for a first size before the command starts at the terminal's default size. */
export const FIRST_SIZE_WAIT_MS = 1000;

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

let scriptPath: string | undefined;
function scriptBin(): string {
  scriptPath ??= hostTool('script');
  return scriptPath;
}

/**
 * The argv that runs `argv` on a new pty: `script … -c "exec /bin/sh -c PTY_INNER …"`. Put it behind
 * whatever must run first outside the terminal (cgroup joining); the spawned process needs fds 3 (a pipe
 * the kubelet reads) and 4 (a pipe the kubelet writes) and env from `ptyEnv`.
 */
export function ptyArgv(argv: string[], waitForSize: boolean): string[] {
  const inner = ['exec', '/bin/sh', '-c', PTY_INNER, 'berth-pty', waitForSize ? 'wait' : 'go', hostTool('tty'), hostTool('stty'), ...argv];
  return [scriptBin(), '-q', '-e', '-c', inner.map(shellQuote).join(' '), '/dev/null'];
}

/**
 * `script` runs $SHELL: pin it to /bin/sh, keeping the command's own SHELL (if any) for PTY_INNER to
 * restore. TERM defaults to xterm, as container runtimes set it for a TTY.
 */
export function ptyEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { TERM: 'xterm', ...env, SHELL: '/bin/sh' };
  if (env.SHELL !== undefined) out.BERTH_PTY_SHELL = env.SHELL;
  return out;
}

/** stdio for a pty child: stdin always a pipe (an EOF would be a ^D to the command), fds 3 and 4 pipes. */
export function ptyStdio(stdout: 'pipe' | number = 'pipe', stderr: 'pipe' | number = 'pipe'): StdioOptions {
  return ['pipe', stdout, stderr, 'pipe', 'pipe'];
}

export interface PtyHandshake {
  /** Pid of the command (session leader of the terminal, so also its process group). */
  pid: number;
  /** The slave, e.g. /dev/pts/3. */
  tty: string;
}

/** Parses the handshake line "<pid> <tty>". */
export function parseHandshake(line: string): PtyHandshake | undefined {
  const m = /^(\d+) (\/dev\/\S+)\s*$/.exec(line);
  return m ? { pid: Number(m[1]), tty: m[2] ?? '' } : undefined;
}

/** Keeps resizes of one terminal in order and applies each with `stty -F`. Sizes are clamped to 1..65535. */
export class TerminalSizer {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly ttyPath: () => string | undefined) {}

  apply(cols: number, rows: number, after?: () => void): void {
    const c = clampSize(cols);
    const r = clampSize(rows);
    if (c === undefined || r === undefined) return;
    this.chain = this.chain.then(() => new Promise<void>((resolve) => {
      const tty = this.ttyPath();
      if (!tty) return resolve();
      execFile(hostTool('stty'), ['-F', tty, 'rows', String(r), 'cols', String(c)], () => {
        after?.();
        resolve();
      });
    }));
  }

  /** Resolves once every resize asked for so far was applied (tests). */
  settled(): Promise<void> {
    return this.chain;
  }
}

function clampSize(n: number): number | undefined {
  if (!Number.isFinite(n) || n < 1) return undefined;
  return Math.min(65535, Math.floor(n));
}

/**
 * The kubelet's end of a pty child: learns the handshake from fd 3, releases the gate on fd 4 with the
 * first size (or after FIRST_SIZE_WAIT_MS, or at once when not waiting), resizes afterwards.
 */
export class PtyControl {
  handshake: PtyHandshake | undefined;
  readonly ready: Promise<PtyHandshake | undefined>;
  private gateOpen = false;
  private readonly sizer = new TerminalSizer(() => this.handshake?.tty);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly child: ChildProcess,
    waitForSize: boolean,
    private readonly onResized?: (h: PtyHandshake) => void,
  ) {
    const fd3 = child.stdio[3] as Readable | null | undefined;
    this.ready = new Promise((resolve) => {
      if (!fd3) return resolve(undefined);
      let text = '';
      fd3.on('data', (b: Buffer) => {
        text += b.toString();
        const nl = text.indexOf('\n');
        if (nl >= 0 && !this.handshake) {
          this.handshake = parseHandshake(text.slice(0, nl));
          resolve(this.handshake);
        }
      });
      fd3.on('error', () => resolve(undefined));
      fd3.on('close', () => resolve(this.handshake));
    });
    if (!waitForSize) this.openGate('');
    else {
      this.timer = setTimeout(() => this.openGate(''), FIRST_SIZE_WAIT_MS);
      this.timer.unref();
    }
    child.once('exit', () => this.openGate(''));
  }

  private openGate(line: string): void {
    if (this.gateOpen) return;
    this.gateOpen = true;
    if (this.timer) clearTimeout(this.timer);
    const fd4 = this.child.stdio[4] as Writable | null | undefined;
    if (!fd4) return;
    fd4.on('error', () => undefined);
    fd4.end(`${line}\n`);
  }

  resize(cols: number, rows: number): void {
    const c = clampSize(cols);
    const r = clampSize(rows);
    if (c === undefined || r === undefined) return;
    if (!this.gateOpen) return this.openGate(`${r} ${c}`);
    void this.ready.then(() => this.sizer.apply(c, r, () => this.handshake && this.onResized?.(this.handshake)));
  }

  /** Resolves once the resizes asked for so far were applied. */
  async settled(): Promise<void> {
    await this.ready;
    await this.sizer.settled();
  }

  /** SIGKILL to the command's session (its process group) and to the relay's process group. */
  kill(): void {
    for (const pid of [this.handshake?.pid, this.child.pid]) {
      if (pid === undefined) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

export interface PtySpawnOptions {
  /** Program and arguments run before the pty (e.g. the cgroup-joining wrapper); empty for none. */
  outer: string[];
  /** What runs on the terminal. */
  argv: string[];
  cwd?: string;
  env: Record<string, string>;
  /** Expose stdin to the caller (otherwise it is held open, unused, until the session ends). */
  stdin: boolean;
  /** Hold the command until the first resize (exec) or start it at once (containers). */
  waitForSize: boolean;
  /** Called after each `stty` resize (the oci driver forwards SIGWINCH into the container). */
  onResized?: (h: PtyHandshake) => void;
}

/** An ExecSession on a fresh pty: stdout carries the terminal (stderr merged), stderr only `script`'s own errors. */
export function spawnPtySession(o: PtySpawnOptions): ExecSession & { control: PtyControl } {
  const argv = [...o.outer, ...ptyArgv(o.argv, o.waitForSize)];
  const [file, ...args] = argv;
  const child = spawn(file ?? '/bin/sh', args, { cwd: o.cwd, env: ptyEnv(o.env), detached: true, stdio: ptyStdio() });
  const control = new PtyControl(child, o.waitForSize, o.onResized);
  const exit = new Promise<number>((resolve) => {
    child.on('error', () => resolve(126));
    child.on('close', (code, signal) => resolve(exitCodeOf(code, signal)));
  });
  child.stdin?.on('error', () => undefined);
  return {
    stdin: o.stdin ? child.stdin ?? undefined : undefined,
    stdout: child.stdout ?? new PassThrough().end(),
    stderr: child.stderr ?? new PassThrough().end(),
    resize: (cols, rows) => control.resize(cols, rows),
    exit,
    close: () => control.kill(),
    control,
  };
}
