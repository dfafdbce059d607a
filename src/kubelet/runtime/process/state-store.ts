// The driver's on-disk state: one JSON file per sandbox and per container under rootDir, written
// atomically (temp file + rename), so a restarted kubelet can re-adopt what is still running.
//
// save()/remove() write synchronously. saveLater()/removeLater() do the same off the event loop (libuv's
// thread pool), one write at a time per entry in call order; saves requested while one is in flight
// coalesce into one write of the newest value (serialized when written). flush() waits for all of them
// (call it before another instance reads the directory). What a crash can lose: the last few
// milliseconds of changes, as with any write-behind; never a torn or out-of-order file.
//
//   rootDir/sandboxes/<id>/state.json   root/ (default working directory)  resolv.conf
//   rootDir/containers/<id>/state.json  stdout.fifo stderr.fifo  exit (written by the wrapper)
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

type Kind = 'sandboxes' | 'containers';

interface Pending {
  value: unknown;
  dirty: boolean;
  removed: boolean;
  done: Promise<void>;
}

export class StateStore {
  private readonly pending = new Map<string, Pending>();

  /** `onError`: a write-behind failed (default: a process warning). */
  constructor(readonly rootDir: string, private readonly onError: (e: Error) => void = (e) => process.emitWarning(e)) {
    mkdirSync(join(rootDir, 'sandboxes'), { recursive: true });
    mkdirSync(join(rootDir, 'containers'), { recursive: true });
  }

  sandboxDir(id: string): string {
    return join(this.rootDir, 'sandboxes', id);
  }

  containerDir(id: string): string {
    return join(this.rootDir, 'containers', id);
  }

  save(kind: 'sandboxes' | 'containers', id: string, value: unknown): void {
    const dir = join(this.rootDir, kind, id);
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, 'state.json.tmp');
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, join(dir, 'state.json'));
  }

  loadAll<T>(kind: 'sandboxes' | 'containers'): T[] {
    const out: T[] = [];
    for (const id of readdirSync(join(this.rootDir, kind))) {
      try {
        out.push(JSON.parse(readFileSync(join(this.rootDir, kind, id, 'state.json'), 'utf8')) as T);
      } catch {
        /* half-created entry: ignore */
      }
    }
    return out;
  }

  remove(kind: 'sandboxes' | 'containers', id: string): void {
    rmSync(join(this.rootDir, kind, id), { recursive: true, force: true });
  }

  /** Writes `value` soon, off the event loop (see the file comment). */
  saveLater(kind: Kind, id: string, value: unknown): void {
    const p = this.entry(kind, id, value);
    p.value = value;
    p.dirty = true;
  }

  /** Removes the entry once the writes queued before have landed. */
  removeLater(kind: Kind, id: string): void {
    this.entry(kind, id, undefined).removed = true;
  }

  /** Resolves once every saveLater/removeLater so far is on disk. */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending.values()].map((p) => p.done));
  }

  private entry(kind: Kind, id: string, value: unknown): Pending {
    const key = `${kind}/${id}`;
    let p = this.pending.get(key);
    if (p) return p;
    const fresh: Pending = { value, dirty: false, removed: false, done: Promise.resolve() };
    this.pending.set(key, fresh);
    fresh.done = this.drain(key, join(this.rootDir, kind, id), fresh);
    return fresh;
  }

  private async drain(key: string, dir: string, p: Pending): Promise<void> {
    await Promise.resolve(); // let the caller fill in the entry first
    try {
      while (p.dirty && !p.removed) {
        p.dirty = false;
        const json = JSON.stringify(p.value);
        const tmp = join(dir, 'state.json.tmp');
        // the runtime has usually made the entry's directory already: mkdir only when it is missing
        await writeFile(tmp, json).catch(async (e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
          await mkdir(dir, { recursive: true });
          await writeFile(tmp, json);
        });
        await rename(tmp, join(dir, 'state.json'));
      }
      if (p.removed) await rm(dir, { recursive: true, force: true });
    } catch (e) {
      this.onError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.pending.delete(key);
    }
  }
}
