// local-path provisioner (in the manner of k3s' local-path-provisioner): the default StorageClass `local-path`,
// and for every claim of a class whose provisioner is `berth.io/local-path` a hostPath PersistentVolume in
// `<baseDir>/pvc-<uid>_<namespace>_<name>` pinned to this node by required node affinity. It runs with the
// node (it writes directories on this machine):
//
//   claim, unbound, provisioner annotation ours ─► WaitForFirstConsumer: selected-node must be this node
//                                                  (Immediate: any provisioner; the PV name pvc-<uid> makes
//                                                  the create idempotent, the first node wins)
//      ─► create PV (claimRef pre-bound to the claim; the binder completes the binding) ─► mkdir 0777
//   volume, provisioned by us on this node, Released, reclaimPolicy Delete ─► rm -r the directory ─► delete PV
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import {
  createClient, createEventRecorder, createSharedInformerFactory, createWorkQueue, deletedObject, isAlreadyExists, isNotFound,
  realClock, Resources, runLeaderElection, type Client, type ClientConfig, type Clock, type EventRecorder, type Lister, type Tombstone,
} from '../../client';
import type { Log } from '../runner/types';
import { requestOf } from './matching';
import {
  ANN_DEFAULT_CLASS, ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, ANN_BETA_STORAGE_PROVISIONER, claimClass, claimKey,
  type PersistentVolume, type PersistentVolumeClaim, type StorageClass,
} from './types';

export const LOCAL_PATH_PROVISIONER = 'berth.io/local-path';
export const LOCAL_PATH_CLASS = 'local-path';
/** The node whose disk holds the volume's directory (k3s uses the same idea). */
export const ANN_LOCAL_PATH_NODE = 'berth.io/local-path-node';

export const defaultStorageClass = (): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name: LOCAL_PATH_CLASS, annotations: { [ANN_DEFAULT_CLASS]: 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
});

/** Directory of a claim's volume under baseDir (k3s' naming: pvc-<uid>_<namespace>_<name>). */
export const volumeDir = (baseDir: string, c: PersistentVolumeClaim): string => join(baseDir, `pvc-${c.metadata.uid}_${c.metadata.namespace}_${c.metadata.name}`);

/** Pure: the PersistentVolume the provisioner creates for `claim` on `nodeName`. */
export function provisionedVolume(claim: PersistentVolumeClaim, sc: StorageClass, nodeName: string, baseDir: string): PersistentVolume {
  const request = claim.spec?.resources?.requests?.['storage'];
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: `pvc-${claim.metadata.uid}`, annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER, [ANN_LOCAL_PATH_NODE]: nodeName } },
    spec: {
      capacity: { storage: request && requestOf(claim).num > 0n ? request : '1Gi' },
      accessModes: claim.spec?.accessModes?.length ? [...claim.spec.accessModes] : ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
      hostPath: { path: volumeDir(baseDir, claim), type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } },
      ...(sc.mountOptions ? { mountOptions: sc.mountOptions } : {}),
    },
  };
}

/** Removes `dir` only when it lies strictly inside baseDir (never baseDir itself, never a path outside it). */
export function removeVolumeDir(baseDir: string, dir: string): boolean {
  const rel = relative(resolve(baseDir), resolve(dir));
  if (!rel || rel.startsWith('..') || rel.includes(`..${sep}`) || resolve(dir) === resolve(baseDir)) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}

export interface LocalPathDeps {
  client: Client;
  recorder: EventRecorder;
  nodeName: string;
  baseDir: string;
  claims: Lister<PersistentVolumeClaim>;
  volumes: Lister<PersistentVolume>;
  classes: Lister<StorageClass>;
}

/** The provisioner's two syncs: `claim` (namespace/name) and `volume` (name). Both idempotent. */
export function createLocalPathProvisioner(d: LocalPathDeps): { syncClaim(ns: string, name: string): Promise<void>; syncVolume(name: string): Promise<void> } {
  const pvApi = d.client.resource<PersistentVolume>(Resources.persistentvolumes);
  return {
    async syncClaim(ns, name) {
      const c = d.claims.get(ns, name);
      if (!c || c.spec?.volumeName || c.metadata.deletionTimestamp) return;
      const ann = c.metadata.annotations ?? {};
      if ((ann[ANN_STORAGE_PROVISIONER] ?? ann[ANN_BETA_STORAGE_PROVISIONER]) !== LOCAL_PATH_PROVISIONER) return;
      const sc = d.classes.get(undefined, claimClass(c));
      if (!sc || sc.provisioner !== LOCAL_PATH_PROVISIONER) return;
      const selected = ann[ANN_SELECTED_NODE];
      if (selected ? selected !== d.nodeName : sc.volumeBindingMode === 'WaitForFirstConsumer') return;
      if (c.spec?.volumeMode === 'Block') {
        d.recorder.event(c, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": Block volume mode is not supported by ${LOCAL_PATH_PROVISIONER}`);
        return;
      }
      const pvName = `pvc-${c.metadata.uid}`;
      if (d.volumes.get(undefined, pvName)) return;
      const pv = provisionedVolume(c, sc, d.nodeName, d.baseDir);
      try {
        await pvApi.create(undefined, pv);
      } catch (e) {
        if (isAlreadyExists(e)) return; // another node won (Immediate), or our own earlier attempt
        d.recorder.event(c, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": ${(e as Error).message}`);
        throw e;
      }
      mkdirSync(pv.spec?.hostPath?.path ?? '', { recursive: true, mode: 0o777 });
      d.recorder.event(c, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
    },
    async syncVolume(name) {
      const v = d.volumes.get(undefined, name);
      if (!v || v.metadata.annotations?.[ANN_PROVISIONED_BY] !== LOCAL_PATH_PROVISIONER || v.metadata.annotations[ANN_LOCAL_PATH_NODE] !== d.nodeName) return;
      if (v.status?.phase !== 'Released' || (v.spec?.persistentVolumeReclaimPolicy ?? 'Delete') !== 'Delete') return;
      const path = v.spec?.hostPath?.path ?? v.spec?.local?.path;
      if (path && !removeVolumeDir(d.baseDir, path)) {
        d.recorder.event(v, 'Warning', 'VolumeFailedDelete', `refusing to remove ${path}: not inside ${d.baseDir}`);
        return;
      }
      await pvApi.delete(undefined, name, { preconditions: { uid: v.metadata.uid } }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    },
  };
}

export interface LocalPathOptions {
  config: ClientConfig;
  signal: AbortSignal;
  /** The node this provisioner writes directories on (the kubelet's node name). */
  nodeName: string;
  /** Where volumes live: `<dataDir>/storage` by convention. */
  baseDir: string;
  log?: Log;
  clock?: Clock;
  /** Lease `kube-system/local-path-provisioner-<nodeName>` (default true), so two processes for one node never both act. */
  leaderElect?: boolean;
  identity?: string;
  /** Create the default StorageClass `local-path` if absent (default true). */
  createStorageClass?: boolean;
}

/** Runs the provisioner until `signal` aborts. */
export async function runLocalPathProvisioner(opts: LocalPathOptions): Promise<void> {
  const log: Log = opts.log ?? (() => undefined);
  const clock = opts.clock ?? realClock;
  const client = createClient(opts.config);
  const baseDir = resolve(opts.baseDir);
  mkdirSync(baseDir, { recursive: true, mode: 0o755 });
  const work = async (signal: AbortSignal): Promise<void> => {
    if (opts.createStorageClass !== false) {
      await client.resource<StorageClass>(Resources.storageclasses).create(undefined, defaultStorageClass()).then(
        () => log('info', `local-path: created StorageClass ${LOCAL_PATH_CLASS}`),
        (e: unknown) => { if (!isAlreadyExists(e)) log('warn', `local-path: create StorageClass: ${String(e)}`); },
      );
    }
    const informers = createSharedInformerFactory(client, { clock });
    const claims = informers.informerFor<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
    const volumes = informers.informerFor<PersistentVolume>(Resources.persistentvolumes);
    const classes = informers.informerFor<StorageClass>(Resources.storageclasses);
    const queue = createWorkQueue<string>({ clock });
    const onClaim = (c: PersistentVolumeClaim): void => queue.add(claimKey(c));
    claims.addEventHandler({ onAdd: onClaim, onUpdate: (_o, c) => onClaim(c) });
    const onVolume = (v: PersistentVolume | Tombstone<PersistentVolume>): void => queue.add(deletedObject(v).metadata.name ?? '');
    volumes.addEventHandler({ onAdd: onVolume, onUpdate: (_o, v) => onVolume(v) });
    classes.addEventHandler({ onAdd: () => { for (const c of claims.lister.list()) if (!c.spec?.volumeName) onClaim(c); } });
    const recorder = createEventRecorder(client, { component: 'berth.io/local-path', host: opts.nodeName, clock, onError: (e) => log('debug', `local-path: event: ${String(e)}`) });
    const p = createLocalPathProvisioner({ client, recorder, nodeName: opts.nodeName, baseDir, claims: claims.lister, volumes: volumes.lister, classes: classes.lister });
    informers.start(signal);
    const stop = (): void => queue.shutDown();
    signal.addEventListener('abort', stop, { once: true });
    if (!(await informers.waitForCacheSync(signal))) return void (await informers.shutdown());
    log('info', `local-path: provisioning on node ${opts.nodeName} under ${baseDir}`);
    const worker = async (): Promise<void> => {
      for (;;) {
        const { item, shutdown } = await queue.get();
        if (shutdown) return;
        try {
          const i = item.indexOf('/');
          if (i < 0) await p.syncVolume(item);
          else await p.syncClaim(item.slice(0, i), item.slice(i + 1));
          queue.forget(item);
        } catch (e) {
          log('warn', `local-path: ${item}: ${String(e)}`);
          queue.addRateLimited(item);
        } finally {
          queue.done(item);
        }
      }
    };
    await Promise.all([worker(), worker()]);
    await informers.shutdown();
  };
  try {
    if (opts.leaderElect === false) await work(opts.signal);
    else {
      const identity = opts.identity ?? `${opts.nodeName}_${randomUUID()}`;
      while (!opts.signal.aborted) {
        let leading: Promise<void> | undefined;
        await runLeaderElection({
          client, namespace: 'kube-system', name: `local-path-provisioner-${opts.nodeName}`, identity, clock, signal: opts.signal,
          onStartedLeading: (s) => { leading = work(s).catch((e: unknown) => log('error', `local-path: ${String(e)}`)); },
          onError: (e) => log('debug', `local-path: leader election: ${String(e)}`),
        });
        if (leading) await leading;
        if (!opts.signal.aborted) await clock.sleep(1000, opts.signal);
      }
    }
  } finally {
    client.close();
  }
}
