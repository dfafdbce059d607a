#!/usr/bin/env node
// The berth command. The TypeScript sources are built into dist/ by `npm ci` (the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('berth: dist/cli/main.js is missing; run `npm ci` (or `npm run build`) in the berth folder first\n');
  process.exit(1);
}
await import(main);
