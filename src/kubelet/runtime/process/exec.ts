// exec, execSync and attach for the process driver. An exec'd command runs with the container's
// environment, working directory, user, network namespace and cgroups (it joins them through
// EXEC_WRAPPER before exec'ing), in its own process group so a timeout kills all of it.
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { PassThrough } from 'node:stream';
import { RuntimeError } from '../errors';
import type { ExecResult, ExecSession } from '../types';
import { resolveExecutable } from './argv';
import { spawnPtySession } from '../pty';
import { EXEC_WRAPPER } from './wrapper';

export interface ExecContext {
  env: Record<string, string>;
  cwd: string;
  /** Commands that enter the container's namespaces and user, e.g. nsenter … -- setpriv … -- */
  prefix: string[];
  /** cgroup.procs files to join. */
  procs: string[];
  /** The container's terminal (/dev/pts/N) when it runs with tty: true (learnt after start). */
  tty?: string;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/** The wrapper's argv before the command, and the command resolved in the container's PATH. */
function execArgv(ctx: ExecContext, cmd: string[]): { outer: string[]; argv: string[] } {
  const first = cmd[0];
  if (first === undefined) throw new RuntimeError('InvalidArgument', 'exec: empty command');
  const exe = resolveExecutable(first, ctx.env.PATH, ctx.cwd);
  if (!exe.ok) throw new RuntimeError('InvalidArgument', exe.message);
  return { outer: ['/bin/sh', '-c', EXEC_WRAPPER, 'berth-exec', ctx.procs.join(':')], argv: [...ctx.prefix, exe.path, ...cmd.slice(1)] };
}

function spawnExec(ctx: ExecContext, cmd: string[], stdin: boolean) {
  const { outer, argv } = execArgv(ctx, cmd);
  const [file, ...args] = outer;
  return spawn(file ?? '/bin/sh', [...args, ...argv], {
    cwd: ctx.cwd,
    env: ctx.env,
    detached: true,
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
}

/** The shell convention: the exit status, or 128 + the signal number for a signalled process. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const signals = osConstants.signals as Record<string, number | undefined>;
  return 128 + ((signal ? signals[signal] : undefined) ?? 9);
}

/** Runs cmd to completion; kills its process group and rejects with DeadlineExceeded after timeoutMs. */
export function execSyncIn(ctx: ExecContext, cmd: string[], timeoutMs: number): Promise<ExecResult> {
  const child = spawnExec(ctx, cmd, false);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  return new Promise<ExecResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child.pid, 'SIGKILL');
      reject(new RuntimeError('DeadlineExceeded', `command ${JSON.stringify(cmd)} timed out after ${timeoutMs}ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new RuntimeError('Unavailable', `exec ${JSON.stringify(cmd)}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: exitCodeOf(code, signal), stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

/**
 * A streaming exec (kubectl exec). With tty the command runs on a new pty (../pty.ts): stderr arrives in
 * stdout, resize applies, and the command starts once the first size arrived. Without tty, resize is a no-op.
 */
export function execStreamIn(ctx: ExecContext, cmd: string[], stdin: boolean, tty = false): ExecSession {
  if (tty) {
    const { outer, argv } = execArgv(ctx, cmd);
    return spawnPtySession({ outer, argv, cwd: ctx.cwd, env: ctx.env, stdin, waitForSize: true });
  }
  const child = spawnExec(ctx, cmd, stdin);
  const exit = new Promise<number>((resolve) => {
    child.on('error', () => resolve(126));
    child.on('close', (code, signal) => resolve(exitCodeOf(code, signal)));
  });
  const stdout = child.stdout ?? new PassThrough().end();
  const stderr = child.stderr ?? new PassThrough().end();
  return {
    stdin: child.stdin ?? undefined,
    stdout,
    stderr,
    resize: () => undefined,
    exit,
    close: () => killGroup(child.pid, 'SIGKILL'),
  };
}
