// Owners verified absent through the API (GET said 404, or the name now belongs to another UID). A UID never
// comes back, so once one dependent's owner is confirmed gone, its siblings skip the GET: cascading deletion of
// N dependents costs N DELETEs, not N GETs + N DELETEs (upstream's absentOwnerCache, an LRU of 500).
export class AbsentOwnerCache {
  private readonly entries = new Map<string, true>();

  constructor(private readonly capacity = 500) {}

  private static key(namespace: string, uid: string): string {
    return `${namespace}/${uid}`;
  }

  /** Namespaced owners are keyed with the dependent's namespace (a reference never crosses namespaces). */
  has(namespace: string, uid: string): boolean {
    const k = AbsentOwnerCache.key(namespace, uid);
    if (!this.entries.has(k)) return false;
    this.entries.delete(k); // most recently used goes last
    this.entries.set(k, true);
    return true;
  }

  add(namespace: string, uid: string): void {
    const k = AbsentOwnerCache.key(namespace, uid);
    this.entries.delete(k);
    this.entries.set(k, true);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  size(): number {
    return this.entries.size;
  }
}
