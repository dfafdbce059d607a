// Choosing and opening a backend: the --datastore flag and createStore().
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SqliteStore } from './sqlite/sqlite-store';
import type { Store } from './types';

export type DatastoreConfig =
  | { datastore: 'sqlite'; path: string }
  | { datastore: 'etcd'; endpoints: string[] };

const ENDPOINT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Parses `--datastore`: `sqlite` → `<dataDir>/state.db`; `etcd://host:port[,host:port...]` → endpoints.
 * Throws an Error whose message names the flag, what it got and what it accepts.
 */
export function parseDatastore(flag: string, dataDir: string): DatastoreConfig {
  const v = flag.trim();
  if (v === 'sqlite') return { datastore: 'sqlite', path: join(dataDir, 'state.db') };
  const usage = `--datastore must be "sqlite" or "etcd://host:port[,host:port...]", got ${JSON.stringify(flag)}`;
  if (!v.startsWith('etcd://')) throw new Error(usage);
  const endpoints = v.slice('etcd://'.length).split(',').map((e) => e.trim());
  for (const e of endpoints) {
    const m = ENDPOINT.exec(e);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) throw new Error(`${usage}: ${JSON.stringify(e)} is not host:port`);
  }
  return { datastore: 'etcd', endpoints };
}

/**
 * Opens a store. sqlite: creates the file's directory if needed; fails at once if another process holds
 * the file or it is not a berth database. etcd: fails within a few seconds with "cannot reach etcd at …".
 */
export async function createStore(opts: DatastoreConfig): Promise<Store> {
  if (opts.datastore === 'sqlite') {
    mkdirSync(dirname(opts.path), { recursive: true });
    return SqliteStore.open({ path: opts.path });
  }
  if (opts.endpoints.length === 0) throw new Error('etcd datastore needs at least one endpoint');
  // Loaded on demand: the etcd client (gRPC, protobuf) costs start-up time and memory sqlite users never need.
  const { EtcdStore } = await import('./etcd/etcd-store');
  return EtcdStore.connect({ endpoints: opts.endpoints });
}
