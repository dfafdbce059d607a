// Upstream's (UIDTracking)ControllerExpectations: what a controller is waiting to observe after its own
// writes, so a reconcile that runs before the informer caught up does not create or delete again.
//
//   expectCreations(key, n)        ─► each observed pod ADD of ours: creationObserved(key)  (add--)
//   expectDeletions(key, podKeys)  ─► each observed pod delete / deletionTimestamp: deletionObserved(key, podKey)
//   satisfied(key) ⇔ nothing recorded, or add ≤ 0 and no pending deletions, or the record is older than 5 minutes.

const TTL_MS = 5 * 60_000;

interface Record_ {
  add: number;
  del: Set<string>;
  at: number;
}

export class Expectations {
  private readonly m = new Map<string, Record_>();

  constructor(private readonly now: () => number) {}

  satisfied(key: string): boolean {
    const e = this.m.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del.size === 0) return true;
    return this.now() - e.at > TTL_MS;
  }

  expectCreations(key: string, n: number): void {
    this.m.set(key, { add: n, del: new Set(), at: this.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.m.set(key, { add: 0, del: new Set(podKeys), at: this.now() });
  }

  creationObserved(key: string): void {
    const e = this.m.get(key);
    if (e) e.add--;
  }

  /** Lowers the expected creations by n (creates that were skipped or failed). */
  lowerCreations(key: string, n: number): void {
    const e = this.m.get(key);
    if (e) e.add -= n;
  }

  deletionObserved(key: string, podKey: string): void {
    this.m.get(key)?.del.delete(podKey);
  }

  delete(key: string): void {
    this.m.delete(key);
  }

  /** For tests and debugging. */
  get(key: string): { add: number; del: number } | undefined {
    const e = this.m.get(key);
    return e && { add: e.add, del: e.del.size };
  }
}
