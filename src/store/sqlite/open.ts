// Opening the sqlite database: exclusive lock, durability settings, schema, and clear messages for the
// ways it goes wrong (held by another process, not a database, corrupt, unwritable).
import Database from 'better-sqlite3';
import type { Database as DB } from 'better-sqlite3';
import { StoreUnavailableError } from '../errors';

/** 'bert' — marks a file as a berth store, so a foreign sqlite file is refused instead of written into. */
const APPLICATION_ID = 0x62657274;
const SCHEMA_VERSION = 1;

// Table layout (see README.md for the picture):
//   log  : every revision ever written and not yet compacted (append-only apart from compaction).
//   kv   : the current state, one row per live key, pointing at its newest log row.
//   leases, meta : lease ids with their TTL; the compacted revision and compaction progress.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS log(
  rev INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  create_rev INTEGER NOT NULL,
  version INTEGER NOT NULL,
  lease INTEGER NOT NULL,
  value BLOB,
  prev_rev INTEGER,
  deleted INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_rev ON log(key, rev);
CREATE INDEX IF NOT EXISTS log_lease ON log(lease) WHERE lease <> 0;
CREATE TABLE IF NOT EXISTS kv(key TEXT PRIMARY KEY, rev INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases(id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function explain(path: string, err: unknown): StoreUnavailableError {
  const code = codeOf(err);
  const msg = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreUnavailableError(
      `sqlite database ${path} is in use by another process (is another berth server running on the same data dir?); stop it first`,
    );
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreUnavailableError(
      `${path} is not a berth database or is corrupt (${msg}): move it away to start empty, or restore a backup`,
    );
  }
  return new StoreUnavailableError(
    `cannot open sqlite database ${path}: ${msg} (check that its directory exists and is writable)`,
  );
}

/**
 * Opens (creating if needed) the store database at `path` and takes an exclusive lock on it that is held
 * until close: a second opener, in this or another process, fails at once with a message naming the path.
 */
export function openDatabase(path: string): DB {
  let db: DB;
  try {
    db = new Database(path, { timeout: 0 });
  } catch (err) {
    throw explain(path, err);
  }
  try {
    // EXCLUSIVE before the first WAL access: no shared-memory index, and the lock is never released.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('busy_timeout = 0');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`cannot switch to WAL journal mode (got ${String(mode)})`);
    db.pragma('synchronous = FULL');
    db.pragma('journal_size_limit = 33554432');
    // 32 MiB page cache (default 2 MiB): a LIST of 10,000 objects touches ~3,000 pages.
    db.pragma('cache_size = -32768');
    const appId = db.pragma('application_id', { simple: true }) as number;
    const tables = (db.prepare(`SELECT count(*) AS n FROM sqlite_master`).get() as { n: number }).n;
    if (appId !== APPLICATION_ID && tables > 0) {
      const e = new Error(`application_id is ${appId}, not berth's`) as Error & { code: string };
      e.code = 'SQLITE_NOTADB';
      throw e;
    }
    // A write transaction takes the exclusive lock now, not at the first client write.
    db.exec('BEGIN IMMEDIATE');
    db.exec(SCHEMA);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.prepare(`INSERT OR IGNORE INTO meta(name, value) VALUES ('schema', ?)`).run(SCHEMA_VERSION);
    const schema = (db.prepare(`SELECT value FROM meta WHERE name = 'schema'`).get() as { value: number }).value;
    if (schema !== SCHEMA_VERSION) throw new Error(`unknown schema version ${schema}`);
    db.exec('COMMIT');
  } catch (err) {
    try {
      db.close();
    } catch {
      // already failing; the original error is the one to report
    }
    throw explain(path, err);
  }
  return db;
}
