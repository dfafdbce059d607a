// Child of crash.test.ts: writes as fast as it can with many writes in flight and prints every
// acknowledged one as "ack <key> <revision>" until it is killed.
//   node --import tsx crash-child.ts <db path> <key prefix>
import { ConflictError } from '../errors';
import { SqliteStore } from './sqlite-store';

const [path, prefix] = process.argv.slice(2);
if (!path || !prefix) throw new Error('usage: crash-child.ts <db path> <key prefix>');
const store = SqliteStore.open({ path });
const value = Buffer.alloc(300, 0x78);

async function worker(w: number): Promise<void> {
  for (let i = 0; ; i++) {
    const key = `${prefix}w${w}-${i % 20}`;
    const cur = (await store.range(key)).kvs[0];
    try {
      const kv = cur ? await store.update(key, value, cur.modRevision) : await store.create(key, value);
      process.stdout.write(`ack ${key} ${kv.modRevision}\n`);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
}

process.stdout.write('ready\n');
for (let w = 0; w < 100; w++) void worker(w);
