// Public surface of the store (DESIGN.md §3). Other folders import only from here.
export type {
  KeyValue, RangeOptions, RangeResult, Store, Watch, WatchEvent, WatchHandlers, WatchOptions, WriteOptions,
} from './types';
export { prefixEnd } from './types';
export {
  CompactedError, ConflictError, FutureRevisionError, KeyExistsError, KeyNotFoundError, LeaseNotFoundError,
  MAX_VALUE_BYTES, StoreError, StoreUnavailableError, ValueTooLargeError,
} from './errors';
export { createStore, parseDatastore } from './datastore';
export type { DatastoreConfig } from './datastore';
export { startAutoCompaction } from './auto-compaction';
export type { AutoCompaction, AutoCompactionOptions } from './auto-compaction';
export { startEtcd } from './etcd/etcd-process';
export type { EtcdProcess, StartEtcdOptions } from './etcd/etcd-process';
