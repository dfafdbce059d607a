// Child of bad-input.test.ts: tries to open the store at argv[2] and prints the outcome as one JSON line.
import { SqliteStore } from './sqlite-store';

try {
  const s = SqliteStore.open({ path: process.argv[2] ?? '' });
  await s.close();
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ ok: false, name: (err as Error).name, message: (err as Error).message })}\n`);
}
