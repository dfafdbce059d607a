// Storage object in-use protection (upstream pkg/controller/volume/pvcprotection and pvprotection, plus the
// StorageObjectInUseProtection admission plugin, which berth's API server does not have: the finalizers are
// added here instead, on the first sync after creation).
//   claim: `kubernetes.io/pvc-protection` stays while a scheduled, non-terminated pod uses the claim
//          (checked in the cache, then confirmed by a live LIST of the namespace's pods).
//   volume: `kubernetes.io/pv-protection` stays while the volume's phase is Bound.
import { isNotFound, Resources, type Client, type Lister } from '../../client';
import type { Pod } from '../common/types';
import { podClaimIndex, PODS_BY_CLAIM } from './binder';
import { PV_PROTECTION, PVC_PROTECTION, type PersistentVolume, type PersistentVolumeClaim } from './types';

export interface ProtectionDeps {
  client: Client;
  claims: Lister<PersistentVolumeClaim>;
  volumes: Lister<PersistentVolume>;
  pods: Lister<Pod>;
}

/** A pod blocks its claims' deletion while it may still run on a node. */
export const podBlocksClaim = (p: Pod): boolean => !!p.spec?.nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

function withFinalizer<T extends PersistentVolume | PersistentVolumeClaim>(o: T, f: string, on: boolean): T {
  const next = structuredClone(o);
  const rest = (next.metadata.finalizers ?? []).filter((x) => x !== f);
  next.metadata.finalizers = on ? [...rest, f] : rest;
  return next;
}

export interface Protection {
  /** Returns true when it wrote (the informer brings the object back for the next step). */
  claim(namespace: string, name: string): Promise<boolean>;
  volume(name: string): Promise<boolean>;
}

export function createProtection(d: ProtectionDeps): Protection {
  const pvcApi = d.client.resource<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
  const pvApi = d.client.resource<PersistentVolume>(Resources.persistentvolumes);
  const podsApi = d.client.resource<Pod>(Resources.pods);
  const ignoreNotFound = (e: unknown): boolean => {
    if (isNotFound(e)) return true;
    throw e;
  };

  async function inUse(c: PersistentVolumeClaim): Promise<boolean> {
    const key = `${c.metadata.namespace}/${c.metadata.name}`;
    if (d.pods.byIndex(PODS_BY_CLAIM, key).some(podBlocksClaim)) return true;
    const live = await podsApi.list(c.metadata.namespace);
    return live.items.some((p) => podBlocksClaim(p) && podClaimIndex(p).includes(key));
  }

  return {
    async claim(namespace, name) {
      const c = d.claims.get(namespace, name);
      if (!c) return false;
      const has = c.metadata.finalizers?.includes(PVC_PROTECTION) ?? false;
      if (!c.metadata.deletionTimestamp) {
        if (has) return false;
        return pvcApi.update(namespace, withFinalizer(c, PVC_PROTECTION, true)).then(() => true, ignoreNotFound);
      }
      if (!has || (await inUse(c))) return false;
      return pvcApi.update(namespace, withFinalizer(c, PVC_PROTECTION, false)).then(() => true, ignoreNotFound);
    },
    async volume(name) {
      const v = d.volumes.get(undefined, name);
      if (!v) return false;
      const has = v.metadata.finalizers?.includes(PV_PROTECTION) ?? false;
      if (!v.metadata.deletionTimestamp) {
        if (has) return false;
        return pvApi.update(undefined, withFinalizer(v, PV_PROTECTION, true)).then(() => true, ignoreNotFound);
      }
      if (!has || v.status?.phase === 'Bound') return false;
      return pvApi.update(undefined, withFinalizer(v, PV_PROTECTION, false)).then(() => true, ignoreNotFound);
    },
  };
}
