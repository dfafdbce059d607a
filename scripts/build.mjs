// Builds the berth command: esbuild bundles our TypeScript (dependencies stay external) into dist/.
// Type-checking is separate (`npm run typecheck`), so a build takes about a second.
import { build } from 'esbuild';
import { readdirSync, existsSync, rmSync } from 'node:fs';

// Every entry point that runs as its own module: the CLI and any worker-thread or child-process entry
// (files named *.worker.ts), so `new Worker(new URL('./x.worker.js', import.meta.url))` resolves in dist/.
function workerEntries(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...workerEntries(p));
    else if (e.name.endsWith('.worker.ts')) out.push(p);
  }
  return out;
}

const entryPoints = ['src/cli/main.ts', ...workerEntries('src')].filter((p) => existsSync(p));
// Start from an empty dist/: code-split chunks have hashed names and would pile up.
rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints,
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  loader: { '.proto': 'text' },
});

// `npx berth` and ./node_modules/.bin/berth right after `npm ci` in this folder: npm links the bins of
// dependencies, not the package's own, so link it here (the prepare script runs this file).
import { mkdirSync, symlinkSync, lstatSync, unlinkSync } from 'node:fs';
try {
  mkdirSync('node_modules/.bin', { recursive: true });
  try {
    lstatSync('node_modules/.bin/berth');
    unlinkSync('node_modules/.bin/berth');
  } catch {
    /* not there yet */
  }
  symlinkSync('../../bin/berth.js', 'node_modules/.bin/berth');
} catch (e) {
  process.stderr.write(`build: could not link node_modules/.bin/berth: ${e.message}\n`);
}
