// The `persistentvolume-binder` controller: one queue for claims (`namespace/name`) and volumes (`name`),
// in-use protection first, then the binder (see binder.ts and protection.ts).
import { deletedObject, Resources, type Tombstone } from '../../client';
import type { Pod } from '../common/types';
import type { Node } from '../nodelifecycle/nodelifecycle';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';
import { createBinder, podClaimIndex, PODS_BY_CLAIM, volumeClaimIndex, VOLUMES_BY_CLAIM } from './binder';
import { createProtection } from './protection';
import { claimKey, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from './types';

export interface VolumeControllerOptions {
  /** See BinderDeps.selectNodeFallback (default false: the scheduler's VolumeBinding sets selected-node). */
  selectNodeFallback?: boolean;
}

export function volumeControllerWith(opts: VolumeControllerOptions = {}): ControllerFactory {
  return (ctx: ControllerContext) => {
    const pvcInf = ctx.informers.informerFor<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
    const pvInf = ctx.informers.informerFor<PersistentVolume>(Resources.persistentvolumes, {}, { [VOLUMES_BY_CLAIM]: volumeClaimIndex });
    const scInf = ctx.informers.informerFor<StorageClass>(Resources.storageclasses);
    const podInf = ctx.informers.informerFor<Pod>(Resources.pods, {}, { [PODS_BY_CLAIM]: podClaimIndex });
    const nodeInf = ctx.informers.informerFor<Node>(Resources.nodes);

    const onClaim = (c: PersistentVolumeClaim): void => {
      ctx.enqueue(claimKey(c));
      if (c.spec?.volumeName) ctx.enqueue(c.spec.volumeName);
      for (const v of pvInf.lister.byIndex(VOLUMES_BY_CLAIM, claimKey(c))) ctx.enqueue(v.metadata.name ?? '');
    };
    pvcInf.addEventHandler({ onAdd: onClaim, onUpdate: (_o, c) => onClaim(c), onDelete: (x: PersistentVolumeClaim | Tombstone<PersistentVolumeClaim>) => onClaim(deletedObject(x)) });
    const onVolume = (v: PersistentVolume): void => {
      ctx.enqueue(v.metadata.name ?? '');
      for (const k of volumeClaimIndex(v)) ctx.enqueue(k);
    };
    pvInf.addEventHandler({
      onAdd: (v) => {
        onVolume(v);
        // A new volume may fit any pending claim.
        for (const c of pvcInf.lister.list()) if (!c.spec?.volumeName) ctx.enqueue(claimKey(c));
      },
      onUpdate: (_o, v) => onVolume(v),
      onDelete: (x: PersistentVolume | Tombstone<PersistentVolume>) => onVolume(deletedObject(x)),
    });
    const pendingOfClass = (sc: StorageClass): void => {
      for (const c of pvcInf.lister.list()) if (!c.spec?.volumeName && (c.spec?.storageClassName === sc.metadata.name || c.spec?.storageClassName === undefined)) ctx.enqueue(claimKey(c));
    };
    scInf.addEventHandler({ onAdd: pendingOfClass, onUpdate: (_o, sc) => pendingOfClass(sc) });
    const onPod = (p: Pod): void => {
      for (const k of podClaimIndex(p)) ctx.enqueue(k);
    };
    podInf.addEventHandler({ onAdd: onPod, onUpdate: (o, p) => { if (o.spec?.nodeName !== p.spec?.nodeName || o.status?.phase !== p.status?.phase) onPod(p); }, onDelete: (x: Pod | Tombstone<Pod>) => onPod(deletedObject(x)) });
    nodeInf.addEventHandler({
      onAdd: () => {
        for (const c of pvcInf.lister.list()) if (!c.spec?.volumeName) ctx.enqueue(claimKey(c));
      },
    });

    const deps = { client: ctx.client, claims: pvcInf.lister, volumes: pvInf.lister, pods: podInf.lister };
    const protection = createProtection(deps);
    const binder = createBinder({
      ...deps, recorder: ctx.recorder, now: () => ctx.clock.now(), classes: scInf.lister, nodes: nodeInf.lister,
      ...(opts.selectNodeFallback !== undefined ? { selectNodeFallback: opts.selectNodeFallback } : {}),
    });
    return {
      name: 'persistentvolume-binder',
      workers: 2,
      async reconcile(req: Request): Promise<Result> {
        if (req.namespace === '') {
          if (await protection.volume(req.name)) return {};
          await binder.syncVolume(req.name);
        } else {
          if (await protection.claim(req.namespace, req.name)) return {};
          await binder.syncClaim(req.namespace, req.name);
        }
        return {};
      },
    };
  };
}

export const volumeController: ControllerFactory = volumeControllerWith();
