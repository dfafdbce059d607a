// Upstream's AssumeCache (pkg/scheduler/util/assumecache) in miniature: in-memory versions of PVs and PVCs
// that Reserve "assumed" (a PV's claimRef set to the pod's claim, a claim annotated with selected-node),
// seen by later scheduling cycles before the API writes land, so two pods of one burst never choose the
// same volume.
//
//   informer object (rv 7) ──assume(copy, based on rv 7)──► get() answers the copy
//                          ──informer moves to rv 8 (our PreBind write, or anyone's)──► get() answers the
//                            informer's object again and the assumption is dropped (it is stale)
//   restore(key, owner) (Unreserve) drops it at once.
//
// Invariant: an assumption is answered only while the informer still holds the exact version it was based
// on; it never outlives a newer informer version, so the cache converges on the API's truth.
import type { KubeObject } from '../../../client/index';

interface Entry<T> {
  obj: T;
  baseRV: string | undefined;
  /** The pod (uid) whose Reserve made it. */
  owner: string;
}

export class AssumeCache<T extends KubeObject> {
  private readonly assumed = new Map<string, Entry<T>>();

  /** `live(key)` reads the informer's current object. */
  constructor(private readonly live: (key: string) => T | undefined) {}

  /** The assumed version while it is current, else the informer's object (a stale assumption is dropped). */
  get(key: string): T | undefined {
    const cur = this.live(key);
    const e = this.assumed.get(key);
    if (!e) return cur;
    if (!cur || cur.metadata?.resourceVersion !== e.baseRV) {
      this.assumed.delete(key);
      return cur;
    }
    return e.obj;
  }

  /** Assumes `obj` (a modified copy of the informer's object, same resourceVersion) for `owner`. */
  assume(key: string, obj: T, owner: string): void {
    this.assumed.set(key, { obj, baseRV: obj.metadata?.resourceVersion, owner });
  }

  /** Drops the assumption on `key` if `owner` made it (Unreserve; idempotent). */
  restore(key: string, owner: string): void {
    if (this.assumed.get(key)?.owner === owner) this.assumed.delete(key);
  }

  /** Keys with an assumption (current or not yet found stale). */
  keys(): string[] {
    return [...this.assumed.keys()];
  }
}
