// The Store contract: etcd v3 semantics over keys and opaque values (DESIGN.md §3).
// Every backend (sqlite, etcd) implements it and runs the one contract suite in contract.ts.
//
//   revision ──▶ one cluster-wide counter; every successful write (create/update/delete, lease expiry)
//                increments it by exactly one and stamps the written key with it.
//   key      ──▶ createRevision (revision of the write that created this incarnation of the key),
//                modRevision (revision of its last write), version (writes since creation, starting at 1).
//
// Invariants every backend keeps:
// - A promise that resolves means the write is durable (fsynced, possibly group-committed with others).
// - Watch events are delivered in revision order, each revision at most once per watcher, never skipped.
// - Keys are compared as byte strings (UTF-8), ranges are [key, end).

export interface KeyValue {
  key: string;
  /** The stored bytes; empty for keysOnly reads and for delete events. */
  value: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  /** Lease id, 0 when the key has none. */
  lease: number;
}

export interface RangeOptions {
  /** Exclusive end of the range; omit for a single key. Use prefixEnd(prefix) for a prefix. */
  end?: string;
  /** Read as of this revision (must be ≥ the compacted revision, else CompactedError). 0/undefined = latest. */
  revision?: number;
  /** At most this many keys (0/undefined = no limit); `more` tells whether keys were left out. */
  limit?: number;
  keysOnly?: boolean;
  countOnly?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** Number of keys in the whole range (ignoring limit). */
  count: number;
  more: boolean;
  /** The store's revision at which the read was served (the current one unless `revision` was given). */
  revision: number;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  /** For a delete: the key, modRevision = the deleting revision, empty value, version 0. */
  kv: KeyValue;
  /** The key's previous state, when there was one. */
  prevKv?: KeyValue;
}

export interface WatchOptions {
  /** Exclusive end (see RangeOptions.end); omit to watch one key. */
  end?: string;
  /** Deliver every event with revision ≥ fromRevision. 0/undefined = only events after now. */
  fromRevision?: number;
}

export interface Watch {
  /** Stops delivery; idempotent. */
  close(): void;
}

export interface WatchHandlers {
  /** Events in revision order; one call may carry several revisions. Must not throw. */
  onEvents(events: WatchEvent[]): void;
  /** The watch ended: CompactedError when fromRevision is compacted, or a backend failure. No events follow. */
  onError(err: Error): void;
}

export interface WriteOptions {
  /** Attach the key to this lease (0 = none). */
  lease?: number;
}

export interface Store {
  /** A short name for messages and metrics: "sqlite" or "etcd". */
  readonly backend: string;
  range(key: string, opts?: RangeOptions): Promise<RangeResult>;
  /** Creates the key; rejects with KeyExistsError if present. */
  create(key: string, value: Buffer, opts?: WriteOptions): Promise<KeyValue>;
  /**
   * Compare-and-swap: writes only if the key's modRevision equals expectedModRevision.
   * Rejects with ConflictError (carrying the current KeyValue) on mismatch, KeyNotFoundError if absent.
   */
  update(key: string, value: Buffer, expectedModRevision: number, opts?: WriteOptions): Promise<KeyValue>;
  /**
   * Deletes the key, only if its modRevision equals expectedModRevision when given.
   * Resolves with the deleted KeyValue (its last state) and the revision of the delete.
   */
  delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }>;
  watch(key: string, opts: WatchOptions, handlers: WatchHandlers): Watch;
  /** A lease that expires after ttlSeconds unless kept alive; keys attached to it are deleted on expiry. */
  grantLease(ttlSeconds: number): Promise<number>;
  keepAliveLease(id: number): Promise<void>;
  revokeLease(id: number): Promise<void>;
  /** Forgets the history before `revision` (reads and watches below it get CompactedError). */
  compact(revision: number): Promise<void>;
  /** The latest revision and the compacted one. */
  revisions(): Promise<{ current: number; compacted: number }>;
  close(): Promise<void>;
}

/** The smallest key greater than every key with this prefix (keys are compared by UTF-16 code unit, ASCII in practice). */
export function prefixEnd(prefix: string): string {
  if (prefix === '') return '\u{10FFFF}';
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
