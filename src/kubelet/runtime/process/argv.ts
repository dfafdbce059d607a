// Kubernetes' rules for a container's argv, without image metadata (the process driver cannot read an
// image's ENTRYPOINT/CMD): command replaces the entrypoint and args the cmd, so command+args is the
// argv; args alone are the argv (what an image with no ENTRYPOINT, such as busybox, gives); neither is
// an error the user must fix.
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const NO_COMMAND_MESSAGE =
  "container has no command: the process runtime cannot read the image's entrypoint; set command";

export type ArgvResult = { ok: true; argv: string[] } | { ok: false; message: string };

export function buildArgv(command: string[] | undefined, args: string[] | undefined): ArgvResult {
  const argv = [...(command ?? []), ...(args ?? [])];
  if (argv.length === 0 || argv[0] === '') return { ok: false, message: NO_COMMAND_MESSAGE };
  return { ok: true, argv };
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves argv[0] like Go's exec.LookPath (what runc does): a name with a slash is used as is (relative
 * to cwd), a bare name is searched in PATH. The error messages match what Kubernetes shows.
 */
export function resolveExecutable(name: string, pathEnv: string | undefined, cwd: string): { ok: true; path: string } | { ok: false; message: string } {
  if (name.includes('/')) {
    const p = isAbsolute(name) ? name : resolve(cwd, name);
    if (isExecutableFile(p)) return { ok: true, path: p };
    return { ok: false, message: `exec: "${name}": stat ${name}: no such file or directory` };
  }
  for (const dir of (pathEnv ?? DEFAULT_PATH).split(':')) {
    const p = join(dir === '' ? cwd : resolve(cwd, dir), name);
    if (isExecutableFile(p)) return { ok: true, path: p };
  }
  return { ok: false, message: `exec: "${name}": executable file not found in $PATH` };
}

/** Absolute path of a host tool (nsenter, unshare, setpriv) so a container's own PATH cannot redirect it. */
export function hostTool(name: string): string {
  const r = resolveExecutable(name, DEFAULT_PATH, '/');
  return r.ok ? r.path : name;
}
