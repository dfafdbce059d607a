// Invoking runc (Debian's runc 1.1) with our own state root, so berth's containers never mix with
// another runc user's. `runc run` stays in the foreground under the shim (see scripts.ts); everything
// else is a short command.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { RuntimeError } from '../errors';
import type { ExecResult, ExecSession } from '../types';
import { exitCodeOf } from '../process/exec';
import { spawnPtySession } from '../pty';
import { EXEC_TTY_CONTAINER, EXEC_TTY_HOST, INIT_PATH } from './scripts';

const run = promisify(execFile);

export function findRunc(explicit?: string): string | undefined {
  for (const p of [explicit, '/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc']) if (p && existsSync(p)) return p;
  return undefined;
}

export class Runc {
  constructor(
    readonly bin: string,
    readonly root: string,
  ) {}

  args(...rest: string[]): string[] {
    return ['--root', this.root, ...rest];
  }

  async version(): Promise<string> {
    const { stdout } = await run(this.bin, ['--version']);
    return /runc version (\S+)/.exec(stdout)?.[1] ?? stdout.split('\n')[0] ?? 'unknown';
  }

  /** `runc kill ID SIG`; a container that is already gone or stopped is not an error. */
  async kill(id: string, signal: string): Promise<void> {
    try {
      await run(this.bin, this.args('kill', id, signal));
    } catch {
      /* not running */
    }
  }

  async delete(id: string): Promise<void> {
    try {
      await run(this.bin, this.args('delete', '--force', id));
    } catch {
      /* already deleted */
    }
  }

  private spawnExec(id: string, cmd: string[], pidFile: string, stdin: boolean) {
    if (!cmd.length) throw new RuntimeError('InvalidArgument', 'exec: empty command');
    return spawn(this.bin, this.args('exec', '--pid-file', pidFile, id, ...cmd), { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  }

  /** Signals an exec'd process (runc exec forwards signals, but SIGKILL cannot be forwarded, nor SIGWINCH). */
  private static signalExeced(pidFile: string, signal: NodeJS.Signals = 'SIGKILL', group = false): void {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      process.kill(group ? -pid : pid, signal);
    } catch {
      /* not started or gone */
    }
  }

  /**
   * `runc exec` on a host pty (../pty.ts). Only a detached runc hands its own stdio (the pty's slave) to
   * the process: in the foreground without --tty it relays through pipes of its own, and --tty needs the
   * master passed back over --console-socket (SCM_RIGHTS), which Node cannot receive. So on the pty a host
   * shell (EXEC_TTY_HOST) runs `runc exec --detach`, forwards ^C/^\\ (the terminal signals it) and waits
   * for the process; the process (EXEC_TTY_CONTAINER, the container's /.berth/busybox) writes the command's
   * exit status under /.berth, which is `berthDir` on the host. runc does not forward SIGWINCH either,
   * so each resize signals the process group itself.
   */
  execTty(id: string, cmd: string[], stdin: boolean, o: { pidFile: string; berthDir: string }): ExecSession {
    if (!cmd.length) throw new RuntimeError('InvalidArgument', 'exec: empty command');
    const exitName = `exec-${randomBytes(4).toString('hex')}.exit`;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    const runcArgv = [this.bin, ...this.args('exec', '--detach', '--env', 'TERM=xterm', '--pid-file', o.pidFile, id,
      INIT_PATH, 'sh', '-c', EXEC_TTY_CONTAINER, 'berth-exec', `/.berth/${exitName}`, ...cmd)];
    const s = spawnPtySession({
      outer: [], argv: ['/bin/sh', '-c', EXEC_TTY_HOST, 'berth-exec-tty', o.pidFile, join(o.berthDir, exitName), ...runcArgv],
      env, stdin, waitForSize: true, onResized: () => Runc.signalExeced(o.pidFile, 'SIGWINCH', true),
    });
    void s.exit.then(() => rmSync(join(o.berthDir, exitName), { force: true }));
    return {
      ...s,
      close: () => {
        Runc.signalExeced(o.pidFile, 'SIGKILL', true);
        s.close();
      },
    };
  }

  execSync(id: string, cmd: string[], timeoutMs: number, pidFile: string): Promise<ExecResult> {
    const child = this.spawnExec(id, cmd, pidFile, false);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    return new Promise<ExecResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        Runc.signalExeced(pidFile);
        child.kill('SIGKILL');
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

  execStream(id: string, cmd: string[], stdin: boolean, pidFile: string): ExecSession {
    const child = this.spawnExec(id, cmd, pidFile, stdin);
    const exit = new Promise<number>((resolve) => {
      child.on('error', () => resolve(126));
      child.on('close', (code, signal) => resolve(exitCodeOf(code, signal)));
    });
    return {
      stdin: child.stdin ?? undefined,
      stdout: child.stdout ?? new PassThrough().end(),
      stderr: child.stderr ?? new PassThrough().end(),
      resize: () => undefined,
      exit,
      close: () => {
        Runc.signalExeced(pidFile);
        child.kill('SIGKILL');
      },
    };
  }
}

/** The last error runc logged (`--log FILE --log-format json`), without runc's own prefixes. */
export function runcError(logFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  let msg: string | undefined;
  for (const line of text.split('\n')) {
    try {
      const rec = JSON.parse(line) as { level?: string; msg?: string };
      if (rec.level === 'error' && rec.msg) msg = rec.msg;
    } catch {
      /* partial line */
    }
  }
  return msg?.replace(/^runc run failed: /, '').replace(/^unable to start container process: /, '');
}
