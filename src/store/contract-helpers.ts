// Helpers of the store contract suite: a watch recorder and small waits. Test-only.
import type { Store, WatchEvent, WatchOptions } from './types';

export interface NewStore {
  (): Promise<{ store: Store; cleanup: () => Promise<void> }>;
}

let seq = 0;
/** A key prefix no other test (or earlier run against the same etcd) uses. */
export function uniquePrefix(name: string): string {
  seq += 1;
  return `/registry/contract-${name}-${process.pid}-${Date.now().toString(36)}-${seq}/`;
}

export const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 10 ms until it holds, or throws `what` after timeoutMs. */
export async function waitUntil(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(10);
  }
}

/** Records what one watch delivers. */
export class Recorder {
  events: WatchEvent[] = [];
  error: Error | undefined;
  private readonly handle: { close(): void };

  constructor(store: Store, key: string, opts: WatchOptions) {
    this.handle = store.watch(key, opts, {
      onEvents: (evs) => this.events.push(...evs),
      onError: (err) => {
        this.error = err;
      },
    });
  }

  /** "put key@rev" lines, the shape compared across watchers. */
  get summary(): string[] {
    return this.events.map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}`);
  }

  async waitForCount(n: number, timeoutMs = 10_000): Promise<void> {
    await waitUntil(() => this.events.length >= n || this.error !== undefined, timeoutMs,
      () => `${n} events (got ${this.events.length}: ${this.summary.slice(-5).join(', ')})`);
    if (this.error) throw new Error(`watch failed while waiting for ${n} events: ${this.error.message}`);
  }

  async waitForRevision(rev: number, timeoutMs = 10_000): Promise<void> {
    const last = (): number => this.events[this.events.length - 1]?.kv.modRevision ?? 0;
    await waitUntil(() => last() >= rev || this.error !== undefined, timeoutMs,
      () => `revision ${rev} (last ${last()}, ${this.events.length} events)`);
    if (this.error) throw new Error(`watch failed while waiting for revision ${rev}: ${this.error.message}`);
  }

  async waitForError(timeoutMs = 10_000): Promise<Error> {
    await waitUntil(() => this.error !== undefined, timeoutMs, () => `a watch error (got ${this.events.length} events)`);
    return this.error as Error;
  }

  close(): void {
    this.handle.close();
  }
}

/** Asserts that a promise rejects with an instance of `cls`, returning the error for further checks. */
export async function rejectsWith<E extends Error>(p: Promise<unknown>, cls: new (...a: never[]) => E, what: string): Promise<E> {
  try {
    await p;
  } catch (err) {
    if (err instanceof cls) return err;
    throw new Error(`${what}: got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}, want ${cls.name}`);
  }
  throw new Error(`${what}: resolved, want ${cls.name}`);
}
