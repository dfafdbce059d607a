// The pure half of upstream's SchedulerVolumeBinder (pkg/scheduler/framework/plugins/volumebinding/binder.go):
// classify a pod's claims, decide per node how its delayed claims would be satisfied (a static PV or
// dynamic provisioning), and check whether the bindings PreBind asked for have completed. Volume matching
// itself is the PV controller's (src/controllers/volume/matching.ts), shared, not copied.
import { compareQuantity, findBestMatch, isVolumeBoundToClaim, requestOf, volumeFitsNode, type NodeInfo as VolumeNode } from '../../../controllers/volume';
import {
  ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, claimClass, type PersistentVolume, type PersistentVolumeClaim, type StorageClass,
} from '../../../controllers/volume/types';
import type { NodeInfo } from '../../node-info';

export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const ERR_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const pvcNotFound = (name: string): string => `persistentvolumeclaim "${name}" not found`;
export const pvcBeingDeleted = (name: string): string => `persistentvolumeclaim "${name}" is being deleted`;
export const classNotFound = (name: string): string => `storageclass.storage.k8s.io "${name}" not found`;
/** StorageClasses with this provisioner never provision (upstream's NotSupportedProvisioner). */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export interface TopologySelectorTerm { matchLabelExpressions?: Array<{ key: string; values?: string[] }> }
export type Class = StorageClass & { allowedTopologies?: TopologySelectorTerm[] };

/** What VolumeBinding reads: claims, volumes (assumed versions included) and classes by name. */
export interface VolumeLookup {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  storageClass(name: string): Class | undefined;
}

export interface PodClaims {
  /** Fully bound claims with their volumes (undefined: the volume does not exist). */
  bound: Array<{ claim: PersistentVolumeClaim; pv: PersistentVolume | undefined }>;
  /** Unbound claims of a WaitForFirstConsumer class. */
  delayed: PersistentVolumeClaim[];
}

/** A node's plan for the delayed claims (upstream's PodVolumes). */
export interface PodVolumes {
  bindings: Array<{ pv: PersistentVolume; claim: PersistentVolumeClaim }>;
  provisions: PersistentVolumeClaim[];
}

/** volumeName set and bind-completed annotated (upstream's isPVCFullyBound). */
export const isClaimFullyBound = (c: PersistentVolumeClaim): boolean => !!c.spec?.volumeName && c.metadata.annotations?.[ANN_BIND_COMPLETED] !== undefined;

/** A claim's class is WaitForFirstConsumer (a missing class or no class counts as Immediate, as upstream). */
export function isDelayBinding(c: PersistentVolumeClaim, look: VolumeLookup): boolean {
  const name = claimClass(c);
  return name !== '' && look.storageClass(name)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** The pod's claim names, each once (two volumes may mount one claim). */
export const claimNames = (volumes: ReadonlyArray<{ persistentVolumeClaim?: { claimName: string } }> | undefined): string[] =>
  [...new Set((volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : [])))];

/**
 * Upstream's podHasPVCs + GetPodVolumeClaims: every claim must exist and not be terminating (else
 * `{ error }`, UnschedulableAndUnresolvable); unbound claims of an Immediate class (or pre-bound by
 * volumeName, not yet completed) make the pod unschedulable until the PV controller binds them.
 */
export function classifyClaims(namespace: string, names: readonly string[], look: VolumeLookup): PodClaims | { error: string } {
  const out: PodClaims = { bound: [], delayed: [] };
  let immediate = false;
  for (const n of names) {
    const c = look.claim(namespace, n);
    if (!c) return { error: pvcNotFound(n) };
    if (c.metadata.deletionTimestamp) return { error: pvcBeingDeleted(n) };
    if (isClaimFullyBound(c)) out.bound.push({ claim: c, pv: look.volume(c.spec?.volumeName ?? '') });
    else if (isDelayBinding(c, look) && !c.spec?.volumeName) out.delayed.push(c);
    else immediate = true;
  }
  return immediate ? { error: ERR_UNBOUND_IMMEDIATE } : out;
}

export const volumeNode = (n: NodeInfo): VolumeNode => ({ name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...n.node?.metadata?.labels } });

/** upstream's MatchTopologySelectorTerms: no terms match every node; an empty term matches none. */
export function topologyAllows(terms: readonly TopologySelectorTerm[] | undefined, labels: Record<string, string>): boolean {
  if (!terms?.length) return true;
  return terms.some((t) => {
    const ex = t.matchLabelExpressions ?? [];
    return ex.length > 0 && ex.every((e) => labels[e.key] !== undefined && (e.values ?? []).includes(labels[e.key]!));
  });
}

export interface NodeVerdict {
  /** Upstream's reasons (empty: the node fits). */
  reasons: string[];
  /** An internal failure (a class vanished): the Filter returns Error. */
  error?: string;
  plan: PodVolumes;
}

/**
 * Upstream's FindPodVolumes for one node: bound claims' volumes must admit the node; each delayed claim
 * (smallest request first) takes the best Available volume that fits the node and is not yet taken by
 * another claim of this pod (volumes assumed for other pods carry their claimRef, so matching skips them),
 * else must be provisionable here: its class has a provisioner and allowedTopologies admit the node. A
 * claim already annotated with selected-node can only be provisioned on that node.
 */
export function findPodVolumes(claims: PodClaims, node: NodeInfo, volumesOfClass: (cls: string) => readonly PersistentVolume[], look: VolumeLookup): NodeVerdict {
  const reasons: string[] = [];
  const plan: PodVolumes = { bindings: [], provisions: [] };
  const vn = volumeNode(node);
  let pvMissing = false;
  let conflict = false;
  for (const b of claims.bound) {
    if (!b.pv) pvMissing = true;
    else if (!volumeFitsNode(b.pv, vn)) conflict = true;
  }
  if (pvMissing) reasons.push(ERR_PV_NOT_EXIST);
  if (conflict) reasons.push(ERR_NODE_CONFLICT);
  if (claims.delayed.length === 0) return { reasons, plan };

  const toMatch: PersistentVolumeClaim[] = [];
  const toProvision: PersistentVolumeClaim[] = [];
  for (const c of claims.delayed) {
    const selected = c.metadata.annotations?.[ANN_SELECTED_NODE];
    if (selected === undefined) toMatch.push(c);
    else if (selected !== node.name) return { reasons: [...reasons, ERR_BIND_CONFLICT], plan };
    else toProvision.push(c);
  }
  const chosen = new Set<string>();
  for (const c of [...toMatch].sort((a, b) => compareQuantity(requestOf(a), requestOf(b)))) {
    const candidates = volumesOfClass(claimClass(c)).filter((v) => !chosen.has(v.metadata.name ?? ''));
    const pv = findBestMatch(c, candidates, { delayBinding: true, node: vn });
    if (pv) {
      chosen.add(pv.metadata.name ?? '');
      plan.bindings.push({ pv, claim: c });
    } else toProvision.push(c);
  }
  for (const c of toProvision) {
    const name = claimClass(c);
    const sc = look.storageClass(name);
    if (!sc) return { reasons, error: classNotFound(name), plan };
    if (!sc.provisioner || sc.provisioner === NO_PROVISIONER || !topologyAllows(sc.allowedTopologies, vn.labels)) {
      return { reasons: [...reasons, ERR_BIND_CONFLICT], plan };
    }
    plan.provisions.push(c);
  }
  return { reasons, plan };
}

/** upstream's GetBindVolumeToClaim: the volume with claimRef naming the claim; dirty when that changed it. */
export function bindVolumeToClaim(pv: PersistentVolume, claim: PersistentVolumeClaim): { pv: PersistentVolume; dirty: boolean } {
  const ref = pv.spec?.claimRef;
  const setBoundBy = !isVolumeBoundToClaim(pv, claim);
  const next = structuredClone(pv);
  let dirty = false;
  if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace || ref.uid !== claim.metadata.uid) {
    next.spec = {
      ...next.spec,
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
    };
    dirty = true;
  }
  if (setBoundBy && next.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] === undefined) {
    next.metadata = { ...next.metadata, annotations: { ...next.metadata.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' } };
    dirty = true;
  }
  return { pv: next, dirty };
}

/** The claim annotated for provisioning on `node` (upstream's AssumePodVolumes for a provisioned claim). */
export function selectNode(claim: PersistentVolumeClaim, node: string): PersistentVolumeClaim {
  const next = structuredClone(claim);
  next.metadata = { ...next.metadata, annotations: { ...next.metadata.annotations, [ANN_SELECTED_NODE]: node } };
  return next;
}

/** resourceVersion a is older than b (numeric when both are, as berth's and etcd's are). */
export function olderThan(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === undefined && b !== undefined;
  try {
    return BigInt(a) < BigInt(b);
  } catch {
    return false;
  }
}

export interface Written<T> {
  obj: T;
  /** resourceVersion our write produced (undefined: nothing was written). */
  rv: string | undefined;
}

/**
 * Upstream's checkBindings: true when every static binding and provisioned claim is fully bound, false to
 * keep waiting, `{ error }` when it can no longer happen (claimRef reset, selected-node removed by a
 * provisioner that gave up, a claim gone, a volume whose node affinity no longer admits the node).
 */
export function checkBindings(bindings: ReadonlyArray<Written<PersistentVolume> & { claim: PersistentVolumeClaim }>, provisions: ReadonlyArray<Written<PersistentVolumeClaim>>, node: VolumeNode, look: VolumeLookup): boolean | { error: string } {
  for (const b of bindings) {
    const pv = look.volume(b.obj.metadata.name ?? '');
    if (!pv) return { error: `failed to check binding: persistentvolume "${b.obj.metadata.name}" not found` };
    const pvc = look.claim(b.claim.metadata.namespace ?? '', b.claim.metadata.name ?? '');
    if (!pvc) return { error: `failed to check binding: ${pvcNotFound(b.claim.metadata.name ?? '')}` };
    if (olderThan(pv.metadata.resourceVersion, b.rv)) return false; // our write has not reached the informer yet
    if (!volumeFitsNode(pv, node)) return { error: `pv "${pv.metadata.name}" node affinity doesn't match node "${node.name}"` };
    if (!pv.spec?.claimRef?.uid) return { error: `ClaimRef got reset for pv "${pv.metadata.name}"` };
    if (!isClaimFullyBound(pvc)) return false;
  }
  for (const p of provisions) {
    const pvc = look.claim(p.obj.metadata.namespace ?? '', p.obj.metadata.name ?? '');
    if (!pvc) return { error: `failed to check provisioning pvc: ${pvcNotFound(p.obj.metadata.name ?? '')}` };
    if (olderThan(pvc.metadata.resourceVersion, p.rv)) return false;
    if (pvc.metadata.annotations?.[ANN_SELECTED_NODE] !== node.name) return { error: `selectedNode annotation reset for PVC "${pvc.metadata.name}"` };
    const vol = pvc.spec?.volumeName;
    if (vol) {
      const pv = look.volume(vol);
      if (!pv) return false; // not in the informer yet
      if (!volumeFitsNode(pv, node)) return { error: `pv "${pv.metadata.name}" node affinity doesn't match node "${node.name}"` };
    }
    if (!isClaimFullyBound(pvc)) return false;
  }
  return true;
}
