// Default locations shared by every berth command.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** ${XDG_DATA_HOME:-~/.local/share}/berth */
export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'berth');
}
