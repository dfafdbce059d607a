// Locates files that ship with the package (generated schemas, worker entry points) the same way whether
// berth runs from the built bundle (dist/) or from the TypeScript sources under tsx (tests).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The folder holding berth's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'berth') return (root = dir);
      } catch {
        /* not ours: keep walking up */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find berth's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** True when running from the built bundle rather than the TypeScript sources. */
export function runningFromDist(): boolean {
  return fileURLToPath(import.meta.url).includes(`${join('/', 'dist', '/')}`) || !import.meta.url.endsWith('.ts');
}

/**
 * The URL of a module that must run as its own entry (a worker thread or child process), given its path
 * under src/ without extension, e.g. 'scheduler/scheduler.worker'.
 */
export function entryUrl(srcPathNoExt: string): URL {
  const r = packageRoot();
  const built = join(r, 'dist', `${srcPathNoExt}.js`);
  if (runningFromDist() && existsSync(built)) return new URL(`file://${built}`);
  return new URL(`file://${join(r, 'src', `${srcPathNoExt}.ts`)}`);
}
