// `npm test`: install missing system components, build, type-check, lint, then run every test file
// (unit tests beside the code in src/, whole-system tests in test/) with node's test runner.
//   node scripts/test.mjs [--unit] [--only-tests] [files or folders...]
//     --unit         skip test/e2e
//     --only-tests   skip setup, build, type-check and lint (for quick local runs)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const onlyTests = args.includes('--only-tests');
const roots = args.filter((a) => !a.startsWith('--'));

function run(cmd, argv, what) {
  process.stdout.write(`\n== ${what}\n`);
  const r = spawnSync(cmd, argv, { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stdout.write(`\n${what} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
}

function findTests(p, out) {
  const st = statSync(p);
  if (st.isFile()) {
    if (p.endsWith('.test.ts')) out.push(p);
    return out;
  }
  for (const e of readdirSync(p)) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    if (unitOnly && join(p, e) === join('test', 'e2e')) continue;
    findTests(join(p, e), out);
  }
  return out;
}

if (!onlyTests) {
  run('bash', ['scripts/setup-system.sh', '--if-missing'], 'system components (scripts/setup-system.sh)');
  run('node', ['scripts/build.mjs'], 'build');
  run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], 'type-check');
  run('npx', ['eslint', '--cache', '--cache-location', 'node_modules/.cache/eslint', '.'], 'lint');
}

const files = [];
for (const r of roots.length ? roots : ['src', 'test']) {
  try { findTests(r, files); } catch { /* a missing folder has no tests */ }
}
files.sort();
if (files.length === 0) {
  process.stdout.write('no test files found\n');
  process.exit(1);
}
run(
  'node',
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=240000', '--test-reporter=spec', ...files],
  `tests (${files.length} files)`,
);
