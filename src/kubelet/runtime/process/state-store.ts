// The driver's on-disk state: one JSON file per sandbox and per container under rootDir, written
// atomically (temp file + rename), so a restarted kubelet can re-adopt what is still running.
//
//   rootDir/sandboxes/<id>/state.json   root/ (default working directory)  resolv.conf
//   rootDir/containers/<id>/state.json  stdout.fifo stderr.fifo  exit (written by the wrapper)
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class StateStore {
  constructor(readonly rootDir: string) {
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
}
