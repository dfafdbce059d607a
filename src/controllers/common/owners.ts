// Controller references: who controls an object, and adopting/releasing through the API
// (upstream ControllerRefManager).
import type { KubeObject, OwnerReference, ResourceClient } from '../../client';
import { isNotFound } from '../../client';

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The ownerReference a controller puts on what it creates or adopts. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export interface ClaimOptions<T extends KubeObject> {
  owner: KubeObject;
  ownerRef: OwnerReference;
  matches: (obj: T) => boolean;
  client: ResourceClient<T>;
  /** Re-checks the owner through the API before adopting (upstream RecheckDeletionTimestamp). */
  canAdopt: () => Promise<boolean>;
}

/**
 * Returns the objects the owner controls after adopting orphans that match and releasing owned ones that
 * stopped matching. Objects controlled by someone else are ignored. Writes are merge patches carrying the
 * observed resourceVersion, so a concurrent change fails with 409 (and the caller retries).
 */
export async function claimObjects<T extends KubeObject>(objs: T[], o: ClaimOptions<T>): Promise<T[]> {
  const ownerUid = o.owner.metadata?.uid;
  const deleting = !!o.owner.metadata?.deletionTimestamp;
  const claimed: T[] = [];
  let adoptable: boolean | undefined;
  for (const obj of objs) {
    const ref = controllerRef(obj);
    const m = obj.metadata ?? {};
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (o.matches(obj)) {
        claimed.push(obj);
        continue;
      }
      if (deleting) continue;
      // Release: drop our reference.
      const refs = (m.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
      try {
        await o.client.patch(m.namespace, m.name ?? '', 'merge', { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: m.resourceVersion } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      continue;
    }
    if (deleting || m.deletionTimestamp || !o.matches(obj)) continue;
    adoptable ??= await o.canAdopt();
    if (!adoptable) continue;
    const refs = [...(m.ownerReferences ?? []), o.ownerRef];
    try {
      const adopted = await o.client.patch(m.namespace, m.name ?? '', 'merge', { metadata: { ownerReferences: refs, resourceVersion: m.resourceVersion } });
      claimed.push(adopted);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  return claimed;
}
