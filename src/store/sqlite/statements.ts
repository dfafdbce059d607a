// Prepared statements of the sqlite store and the mapping of rows to KeyValues. All SQL lives here.
import type { Database as DB, Statement } from 'better-sqlite3';
import type { KeyValue, WatchEvent } from '../types';

export interface LogRow {
  rev: number;
  key: string;
  create_rev: number;
  version: number;
  lease: number;
  value: Buffer | null;
}

interface EventRow extends LogRow {
  deleted: number;
  p_rev: number | null;
  p_create_rev: number;
  p_version: number;
  p_lease: number;
  p_value: Buffer | null;
}

const EMPTY = Buffer.alloc(0);

/** A row of a raw-mode statement selecting COLS: [rev, key, create_rev, version, lease, value]. */
export type RawLogRow = [number, string, number, number, number, Buffer | null];

export function rawToKeyValue(r: RawLogRow): KeyValue {
  return { key: r[1], value: r[5] ?? EMPTY, createRevision: r[2], modRevision: r[0], version: r[3], lease: r[4] };
}

export function toKeyValue(r: LogRow): KeyValue {
  return { key: r.key, value: r.value ?? EMPTY, createRevision: r.create_rev, modRevision: r.rev, version: r.version, lease: r.lease };
}

const COLS = 'l.rev, l.key, l.create_rev, l.version, l.lease, l.value';
const COLS_NO_VALUE = 'l.rev, l.key, l.create_rev, l.version, l.lease, NULL AS value';
const EVENT_COLS = `${COLS}, l.deleted, p.rev AS p_rev, p.create_rev AS p_create_rev, p.version AS p_version,
  p.lease AS p_lease, p.value AS p_value`;

export function prepareStatements(db: DB) {
  const s = (sql: string): Statement => db.prepare(sql);
  return {
    maxRev: s(`SELECT max(rev) AS rev FROM log`),
    getMeta: s(`SELECT value FROM meta WHERE name = ?`),
    setMeta: s(`INSERT INTO meta(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value`),

    // current state
    getKey: s(`SELECT ${COLS} FROM kv CROSS JOIN log l ON l.rev = kv.rev WHERE kv.key = ?`),
    // LISTs return arrays (raw mode): building 10,000s of row objects costs more than the query itself.
    rangeLatest: s(`SELECT ${COLS} FROM kv CROSS JOIN log l ON l.rev = kv.rev WHERE kv.key >= ? AND kv.key < ? ORDER BY kv.key LIMIT ?`).raw(true),
    rangeLatestKeys: s(`SELECT ${COLS_NO_VALUE} FROM kv CROSS JOIN log l ON l.rev = kv.rev WHERE kv.key >= ? AND kv.key < ? ORDER BY kv.key LIMIT ?`).raw(true),
    countLatest: s(`SELECT count(*) AS n FROM kv WHERE key >= ? AND key < ?`),

    // history: per key, the newest row at or below the revision, if it is not a tombstone
    getKeyAt: s(`SELECT ${COLS} FROM log l WHERE l.rev = (SELECT max(rev) FROM log WHERE key = ? AND rev <= ?) AND l.deleted = 0`),
    rangeAt: s(`SELECT ${COLS} FROM (SELECT key, max(rev) AS rev FROM log WHERE key >= ? AND key < ? AND rev <= ? GROUP BY key) m
      CROSS JOIN log l ON l.rev = m.rev WHERE l.deleted = 0 ORDER BY m.key`).raw(true),

    // writes
    insertLog: s(`INSERT INTO log(rev, key, create_rev, version, lease, value, prev_rev, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    upsertKv: s(`INSERT INTO kv(key, rev) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET rev = excluded.rev`),
    deleteKv: s(`DELETE FROM kv WHERE key = ?`),

    // leases
    leaseExists: s(`SELECT ttl FROM leases WHERE id = ?`),
    insertLease: s(`INSERT OR IGNORE INTO leases(id, ttl) VALUES (?, ?)`),
    deleteLease: s(`DELETE FROM leases WHERE id = ?`),
    allLeases: s(`SELECT id, ttl FROM leases`),
    keysOfLease: s(`SELECT l.key FROM log l CROSS JOIN kv ON kv.key = l.key AND kv.rev = l.rev WHERE l.lease = ? AND l.lease <> 0 ORDER BY l.key`),

    // watch catch-up
    eventsOfKey: s(`SELECT ${EVENT_COLS} FROM log l LEFT JOIN log p ON p.rev = l.prev_rev
      WHERE l.key = ? AND l.rev >= ? AND l.rev <= ? ORDER BY l.rev`),
    eventsOfRange: s(`SELECT ${EVENT_COLS} FROM log l LEFT JOIN log p ON p.rev = l.prev_rev
      WHERE l.rev >= ? AND l.rev <= ? AND l.key >= ? AND l.key < ? ORDER BY l.rev`),

    // compaction: a row is removable once superseded at ≤ C, and a tombstone ≤ C is removable itself
    compactScan: s(`SELECT rev, prev_rev, deleted FROM log WHERE rev > ? AND rev <= ? ORDER BY rev LIMIT ?`),
    deleteLogRow: s(`DELETE FROM log WHERE rev = ?`),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export function rowToEvent(r: EventRow): WatchEvent {
  const prevKv = r.p_rev === null ? undefined : toKeyValue({
    rev: r.p_rev, key: r.key, create_rev: r.p_create_rev, version: r.p_version, lease: r.p_lease, value: r.p_value,
  });
  if (r.deleted) {
    const kv: KeyValue = { key: r.key, value: EMPTY, createRevision: 0, modRevision: r.rev, version: 0, lease: 0 };
    return prevKv ? { type: 'delete', kv, prevKv } : { type: 'delete', kv };
  }
  const kv = toKeyValue(r);
  return prevKv ? { type: 'put', kv, prevKv } : { type: 'put', kv };
}

export function readEvents(st: Statements, key: string, end: string | undefined, from: number, to: number): WatchEvent[] {
  const rows = (end === undefined ? st.eventsOfKey.all(key, from, to) : st.eventsOfRange.all(from, to, key, end)) as EventRow[];
  return rows.map(rowToEvent);
}
