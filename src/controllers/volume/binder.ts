// The PV controller's binder (upstream pkg/controller/volume/persistentvolume, pv_controller.go), level-based:
//
//   claim ns/name ─► syncClaim: unbound ─► pre-bound / best-matching volume? ─► bind both sides
//                                     └─► none: class set ─► WaitForFirstConsumer? wait for selected-node
//                                                          └─► annotate storage-provisioner (external provisioning)
//                    bound ─► volume gone: Lost │ volume's claimRef empty: re-bind │ elsewhere: Lost
//   volume name ─► syncVolume: no claimRef: Available │ claim gone (confirmed by a live GET): Released, then
//                  reclaim (Retain: keep; Delete: the provisioner named in pv.kubernetes.io/provisioned-by deletes;
//                  no provisioner or Recycle: Failed) │ claim bound elsewhere: unbind if bound-by-controller
//
// Binding order as upstream, so a crash between steps is finished by the next sync: volume claimRef (+
// bound-by-controller) → volume status Bound → claim volumeName (+ bind-completed, bound-by-controller) →
// claim status Bound. Every write carries the cached resourceVersion; a 409 throws and the runner retries.
import { isNotFound, Resources, type Client, type EventRecorder, type Lister } from '../../client';
import { rfc3339 } from '../common/conditions';
import type { Pod } from '../common/types';
import type { Node } from '../nodelifecycle/nodelifecycle';
import { findBestMatch, volumeUnsuitableReason, type NodeInfo } from './matching';
import {
  ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_PROVISIONED_BY, ANN_SELECTED_NODE,
  ANN_BETA_STORAGE_CLASS, ANN_STORAGE_PROVISIONER, claimClass, isDefaultClass, type ClaimPhase, type PersistentVolume, type PersistentVolumeClaim, type StorageClass, type VolumePhase,
} from './types';

export const VOLUMES_BY_CLAIM = 'claimRef';
export const PODS_BY_CLAIM = 'claims';
export const volumeClaimIndex = (v: PersistentVolume): string[] => {
  const r = v.spec?.claimRef;
  return r?.name ? [`${r.namespace ?? ''}/${r.name}`] : [];
};
export const podClaimIndex = (p: Pod): string[] => {
  const vols = (p.spec?.volumes ?? []) as Array<{ persistentVolumeClaim?: { claimName?: string } }>;
  return vols.flatMap((v) => (v.persistentVolumeClaim?.claimName ? [`${p.metadata.namespace ?? ''}/${v.persistentVolumeClaim.claimName}`] : []));
};

export interface BinderDeps {
  client: Client;
  recorder: EventRecorder;
  now(): number;
  claims: Lister<PersistentVolumeClaim>;
  volumes: Lister<PersistentVolume>;
  classes: Lister<StorageClass>;
  pods: Lister<Pod>;
  nodes: Lister<Node>;
  /**
   * Old stopgap from before the scheduler's VolumeBinding set volume.kubernetes.io/selected-node: a
   * WaitForFirstConsumer claim whose consumer pod is not scheduled gets the cluster's only schedulable node.
   * Default false: such claims wait for the scheduler's annotation, as upstream. (A consumer pod created
   * with spec.nodeName, which bypasses the scheduler, selects its node either way.)
   */
  selectNodeFallback?: boolean;
}

/** The default StorageClass; with several, the newest (then the first by name), as upstream. */
export function defaultClass(classes: readonly StorageClass[]): StorageClass | undefined {
  const ts = (c: StorageClass): number => Date.parse(c.metadata.creationTimestamp ?? '') || 0;
  return classes.filter(isDefaultClass).sort((a, b) => ts(b) - ts(a) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
}

const terminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

const nodeReady = (n: Node): boolean => !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

export interface Binder {
  syncClaim(namespace: string, name: string): Promise<void>;
  syncVolume(name: string): Promise<void>;
}

export function createBinder(d: BinderDeps): Binder {
  const pvcApi = d.client.resource<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
  const pvApi = d.client.resource<PersistentVolume>(Resources.persistentvolumes);
  const fallback = d.selectNodeFallback ?? false;

  const nodeInfo = (name: string): NodeInfo => ({ name, labels: { 'kubernetes.io/hostname': name, ...d.nodes.get(undefined, name)?.metadata?.labels } });

  async function setVolumePhase(v: PersistentVolume, phase: VolumePhase, message?: string): Promise<PersistentVolume> {
    if (v.status?.phase === phase && (v.status.message ?? '') === (message ?? '')) return v;
    const next = structuredClone(v);
    next.status = { ...next.status, phase, lastPhaseTransitionTime: rfc3339(d.now()) };
    if (message) next.status.message = message;
    else delete next.status.message;
    return pvApi.updateStatus(undefined, next);
  }

  async function setClaimStatus(c: PersistentVolumeClaim, phase: ClaimPhase, v?: PersistentVolume): Promise<PersistentVolumeClaim> {
    const want = { phase, ...(v ? { accessModes: v.spec?.accessModes ?? [], capacity: v.spec?.capacity ?? {} } : {}) };
    const cur = c.status ?? {};
    if (cur.phase === phase && (!v || (JSON.stringify(cur.accessModes ?? []) === JSON.stringify(want.accessModes) && JSON.stringify(cur.capacity ?? {}) === JSON.stringify(want.capacity)))) return c;
    const next = structuredClone(c);
    next.status = phase === 'Bound' ? { ...next.status, ...want } : { ...next.status, phase };
    return pvcApi.updateStatus(c.metadata.namespace, next);
  }

  /** Both sides, in upstream's order; each step skipped when already done. */
  async function bind(claim: PersistentVolumeClaim, volume: PersistentVolume): Promise<void> {
    let v = volume;
    const ref = v.spec?.claimRef;
    if (!ref || ref.uid !== claim.metadata.uid || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) {
      const next = structuredClone(v);
      next.spec = { ...next.spec, claimRef: { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion } };
      if (!ref) next.metadata.annotations = { ...next.metadata.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' };
      v = await pvApi.update(undefined, next);
    }
    v = await setVolumePhase(v, 'Bound');
    let c = claim;
    const ann = c.metadata.annotations ?? {};
    if (c.spec?.volumeName !== v.metadata.name || ann[ANN_BIND_COMPLETED] !== 'yes') {
      const next = structuredClone(c);
      const a: Record<string, string> = { ...next.metadata.annotations, [ANN_BIND_COMPLETED]: 'yes' };
      if (next.spec?.volumeName !== v.metadata.name) {
        next.spec = { ...next.spec, volumeName: v.metadata.name };
        a[ANN_BOUND_BY_CONTROLLER] = 'yes';
      }
      next.metadata.annotations = a;
      c = await pvcApi.update(c.metadata.namespace, next);
    }
    const done = await setClaimStatus(c, 'Bound', v);
    if (done !== claim) d.recorder.event(claim, 'Normal', 'Bound', `Successfully bound to volume ${v.metadata.name}`);
  }

  async function pending(claim: PersistentVolumeClaim, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    d.recorder.event(claim, type, reason, message); // repeats aggregate in the recorder
    await setClaimStatus(claim, 'Pending');
  }

  /** The node a WaitForFirstConsumer claim is to be used on, if known (see selectNodeFallback). */
  function consumerNode(claim: PersistentVolumeClaim): string | undefined {
    const users = d.pods.byIndex(PODS_BY_CLAIM, `${claim.metadata.namespace}/${claim.metadata.name}`).filter((p) => !terminal(p) && !p.metadata.deletionTimestamp);
    const placed = users.find((p) => p.spec?.nodeName)?.spec?.nodeName;
    if (placed) return placed;
    if (!fallback || users.length === 0) return undefined;
    const schedulable = d.nodes.list().filter((n) => !n.spec?.unschedulable && nodeReady(n) && !n.metadata?.deletionTimestamp);
    return schedulable.length === 1 ? schedulable[0]?.metadata?.name : undefined;
  }

  async function syncUnboundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const name = claim.spec?.volumeName;
    if (name) {
      // Pre-bound by the user to a named volume.
      const v = d.volumes.get(undefined, name);
      if (!v) return pending(claim, 'Normal', 'FailedBinding', `volume "${name}" not found`);
      const ref = v.spec?.claimRef;
      if (ref && !(ref.namespace === claim.metadata.namespace && ref.name === claim.metadata.name && (!ref.uid || ref.uid === claim.metadata.uid))) {
        return pending(claim, 'Warning', 'FailedBinding', 'volume already bound to a different claim.');
      }
      const why = volumeUnsuitableReason(v, claim);
      if (why) return pending(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${name}": ${why}`);
      return bind(claim, v);
    }
    if (claim.spec?.storageClassName === undefined && claim.metadata.annotations?.[ANN_BETA_STORAGE_CLASS] === undefined) {
      // Retroactive default StorageClass assignment (GA in 1.28): a claim created without a class gets the
      // default one once it exists. Also stands in for the DefaultStorageClass admission plugin.
      const def = defaultClass(d.classes.list());
      if (def) {
        const next = structuredClone(claim);
        next.spec = { ...next.spec, storageClassName: def.metadata.name };
        await pvcApi.update(claim.metadata.namespace, next);
        return;
      }
    }
    const className = claimClass(claim);
    const sc = className ? d.classes.get(undefined, className) : undefined;
    const delay = sc?.volumeBindingMode === 'WaitForFirstConsumer';
    let selected = claim.metadata.annotations?.[ANN_SELECTED_NODE];
    const all = d.volumes.list();
    const match = findBestMatch(claim, all, { delayBinding: delay, ...(selected ? { node: nodeInfo(selected) } : {}) });
    if (match) return bind(claim, match);
    if (!className) return pending(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    if (!sc) return pending(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
    if (delay && !selected) {
      selected = consumerNode(claim);
      if (!selected) return pending(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      const next = structuredClone(claim);
      next.metadata.annotations = { ...next.metadata.annotations, [ANN_SELECTED_NODE]: selected };
      await pvcApi.update(claim.metadata.namespace, next);
      return; // the update brings the claim back with the annotation
    }
    const ann = claim.metadata.annotations ?? {};
    if (ann[ANN_STORAGE_PROVISIONER] !== sc.provisioner || ann[ANN_BETA_STORAGE_PROVISIONER] !== sc.provisioner) {
      const next = structuredClone(claim);
      next.metadata.annotations = { ...next.metadata.annotations, [ANN_STORAGE_PROVISIONER]: sc.provisioner, [ANN_BETA_STORAGE_PROVISIONER]: sc.provisioner };
      const c = await pvcApi.update(claim.metadata.namespace, next);
      d.recorder.event(c, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
      await setClaimStatus(c, 'Pending');
      return;
    }
    await setClaimStatus(claim, 'Pending');
  }

  async function syncBoundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const name = claim.spec?.volumeName ?? '';
    const v = d.volumes.get(undefined, name);
    if (!v) {
      if (claim.status?.phase !== 'Lost') d.recorder.event(claim, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      await setClaimStatus(claim, 'Lost');
      return;
    }
    const ref = v.spec?.claimRef;
    if (!ref || (ref.namespace === claim.metadata.namespace && ref.name === claim.metadata.name && (!ref.uid || ref.uid === claim.metadata.uid))) return bind(claim, v);
    if (claim.status?.phase !== 'Lost') d.recorder.event(claim, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
    await setClaimStatus(claim, 'Lost');
  }

  async function syncClaim(namespace: string, name: string): Promise<void> {
    const claim = d.claims.get(namespace, name);
    if (!claim) return;
    if (claim.metadata.annotations?.[ANN_BIND_COMPLETED] === 'yes' && claim.spec?.volumeName) return syncBoundClaim(claim);
    if (claim.metadata.deletionTimestamp) return; // no new binding for a claim on its way out
    return syncUnboundClaim(claim);
  }

  /** Whether the claim the volume points at still exists with that UID (the cache is confirmed by a live GET). */
  async function claimFor(v: PersistentVolume): Promise<PersistentVolumeClaim | undefined> {
    const ref = v.spec?.claimRef;
    if (!ref?.name) return undefined;
    const cached = d.claims.get(ref.namespace ?? '', ref.name);
    if (cached && (!ref.uid || cached.metadata.uid === ref.uid)) return cached;
    try {
      const live = await pvcApi.get(ref.namespace ?? '', ref.name);
      return !ref.uid || live.metadata.uid === ref.uid ? live : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async function reclaim(v: PersistentVolume): Promise<void> {
    const policy = v.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain') return;
    if (policy === 'Recycle') {
      if (v.status?.phase !== 'Failed') d.recorder.event(v, 'Warning', 'VolumeFailedRecycle', 'Recycle is not supported by berth');
      await setVolumePhase(v, 'Failed', 'Recycle is not supported by berth');
      return;
    }
    // Delete: dynamically provisioned volumes are deleted by their (external) provisioner.
    if (v.metadata.annotations?.[ANN_PROVISIONED_BY]) return;
    const msg = `error getting deleter volume plugin for volume "${v.metadata.name}": no deletable volume plugin matched`;
    if (v.status?.phase !== 'Failed') d.recorder.event(v, 'Warning', 'VolumeFailedDelete', msg);
    await setVolumePhase(v, 'Failed', msg);
  }

  async function syncVolume(name: string): Promise<void> {
    const v = d.volumes.get(undefined, name);
    if (!v) return;
    const ref = v.spec?.claimRef;
    if (!ref) {
      await setVolumePhase(v, 'Available');
      return;
    }
    if (!ref.uid) {
      // Pre-bound by the user; the claim's sync binds it.
      await setVolumePhase(v, 'Available');
      return;
    }
    const claim = await claimFor(v);
    if (!claim) {
      const released = v.status?.phase === 'Released' || v.status?.phase === 'Failed' ? v : await setVolumePhase(v, 'Released');
      if (released.status?.phase === 'Released') await reclaim(released);
      return;
    }
    const vn = claim.spec?.volumeName;
    if (!vn) {
      // The claim has not caught up yet (crash between the steps of bind); its sync finishes the job.
      if (v.status?.phase !== 'Bound') await setVolumePhase(v, 'Bound');
      return;
    }
    if (vn === v.metadata.name) {
      await setVolumePhase(v, 'Bound');
      return;
    }
    // The claim is bound to another volume.
    if (v.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER]) {
      const next = structuredClone(v);
      if (next.spec) next.spec.claimRef = null;
      const { [ANN_BOUND_BY_CONTROLLER]: _drop, ...rest } = next.metadata.annotations ?? {};
      next.metadata.annotations = rest;
      const u = await pvApi.update(undefined, next);
      await setVolumePhase(u, 'Available');
    } else {
      await setVolumePhase(v, 'Released');
    }
  }

  return { syncClaim, syncVolume };
}
