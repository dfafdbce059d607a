import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreContract } from '../contract';
import { SqliteStore } from './sqlite-store';

runStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-sqlite-'));
  const store = SqliteStore.open({ path: join(dir, 'state.db'), leaseCheckIntervalMs: 100 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
