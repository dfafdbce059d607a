// The slices of PersistentVolume, PersistentVolumeClaim and StorageClass (v1.32 JSON) the volume
// controllers read and write, and the well-known annotations and finalizers of upstream's
// pkg/controller/volume/persistentvolume and its protection controllers.
import type { KubeObject, ObjectMeta } from '../../client';
import type { LabelSelectorSpec } from '../common/types';

export interface ObjectReference {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface NodeSelectorRequirement { key: string; operator: string; values?: string[] }
export interface NodeSelectorTerm { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] }

export type VolumePhase = 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';
export type ClaimPhase = 'Pending' | 'Bound' | 'Lost';

export interface PersistentVolume extends KubeObject {
  metadata: ObjectMeta;
  spec?: {
    capacity?: Record<string, string>;
    accessModes?: string[];
    storageClassName?: string;
    volumeMode?: string;
    persistentVolumeReclaimPolicy?: 'Retain' | 'Delete' | 'Recycle';
    claimRef?: ObjectReference | null;
    nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
    hostPath?: { path: string; type?: string };
    local?: { path: string; fsType?: string };
    mountOptions?: string[];
    [k: string]: unknown;
  };
  status?: { phase?: VolumePhase; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}

export interface PersistentVolumeClaim extends KubeObject {
  metadata: ObjectMeta;
  spec?: {
    accessModes?: string[];
    selector?: LabelSelectorSpec | null;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    volumeName?: string;
    storageClassName?: string | null;
    volumeMode?: string;
    [k: string]: unknown;
  };
  status?: {
    phase?: ClaimPhase;
    accessModes?: string[];
    capacity?: Record<string, string>;
    conditions?: unknown[];
    [k: string]: unknown;
  };
}

export interface StorageClass extends KubeObject {
  metadata: ObjectMeta;
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: 'Retain' | 'Delete';
  volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer';
  allowVolumeExpansion?: boolean;
  mountOptions?: string[];
}

export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
export const ANN_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';
export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION = 'kubernetes.io/pv-protection';

/** The claim's class: the beta annotation wins over spec.storageClassName (GetPersistentVolumeClaimClass). */
export function claimClass(c: PersistentVolumeClaim): string {
  return c.metadata.annotations?.[ANN_BETA_STORAGE_CLASS] ?? c.spec?.storageClassName ?? '';
}

/** The volume's class (GetPersistentVolumeClass). */
export function volumeClass(v: PersistentVolume): string {
  return v.metadata.annotations?.[ANN_BETA_STORAGE_CLASS] ?? v.spec?.storageClassName ?? '';
}

export function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[ANN_DEFAULT_CLASS] === 'true' || a[ANN_BETA_DEFAULT_CLASS] === 'true';
}

export const claimKey = (c: { metadata?: ObjectMeta }): string => `${c.metadata?.namespace ?? ''}/${c.metadata?.name ?? ''}`;
