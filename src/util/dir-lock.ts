// An exclusive lock on a data directory, held for the life of the process and released by the OS if the
// process dies (an fcntl lock taken by SQLite's EXCLUSIVE locking mode on DIR/.lock), so a second berth
// on the same directory fails at once with a clear message, whatever the datastore.
import Database from 'better-sqlite3';
import { join } from 'node:path';

export class DirLockedError extends Error {
  override name = 'DirLockedError';
}

export interface DirLock {
  release(): void;
}

export function lockDir(dir: string, what = 'berth server'): DirLock {
  const path = join(dir, '.lock');
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER)');
    db.exec('BEGIN EXCLUSIVE');
    db.prepare('DELETE FROM owner').run();
    db.prepare('INSERT INTO owner (pid) VALUES (?)').run(process.pid);
    db.exec('COMMIT');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/locked|busy/i.test(msg)) {
      throw new DirLockedError(`${dir} is in use by another ${what} (lock ${path} is held); stop it first or choose another --data-dir`);
    }
    throw new DirLockedError(`cannot lock ${dir}: ${msg}`);
  }
  return {
    release() {
      try {
        db.close();
      } catch {
        /* already closed */
      }
    },
  };
}
