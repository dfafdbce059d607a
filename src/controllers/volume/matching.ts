// Pure matching of claims to volumes (upstream pkg/controller/volume/persistentvolume/util FindMatchingVolume
// and CheckVolumeSatisfyClaim): capacity ≥ request, claim access modes ⊆ volume modes, equal class and
// volumeMode, the claim's label selector, the volume's node affinity against a selected node; among the
// fits the smallest volume wins. A volume pre-bound to the claim (claimRef naming it) wins outright.
import { selectorFromSpec } from '../../api/selectors';
import { parseQuantity, type Quantity } from '../../api/validation/quantity';
import { claimClass, volumeClass, type NodeSelectorRequirement, type NodeSelectorTerm, type PersistentVolume, type PersistentVolumeClaim } from './types';

/** The node a claim will be used on (WaitForFirstConsumer): its name and labels. */
export interface NodeInfo { name: string; labels: Record<string, string> }

const ZERO: Quantity = { num: 0n, den: 1n, format: 'DecimalSI' };

export function compareQuantity(a: Quantity, b: Quantity): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export const requestOf = (c: PersistentVolumeClaim): Quantity => parseQuantity(c.spec?.resources?.requests?.['storage']) ?? ZERO;
export const capacityOf = (v: PersistentVolume): Quantity => parseQuantity(v.spec?.capacity?.['storage']) ?? ZERO;
const modeOf = (m: string | undefined): string => m ?? 'Filesystem';

/** Every access mode the claim asks for is offered by the volume. */
export function accessModesSatisfied(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  const offered = new Set(volume.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => offered.has(m));
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && vals.includes(value);
    case 'NotIn': return value === undefined || !vals.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': return value !== undefined && vals[0] !== undefined && Number(value) > Number(vals[0]);
    case 'Lt': return value !== undefined && vals[0] !== undefined && Number(value) < Number(vals[0]);
    default: return false;
  }
}

/** Terms are ORed, requirements within a term ANDed; an empty term matches nothing (as upstream). */
export function nodeMatchesTerms(terms: readonly NodeSelectorTerm[], node: NodeInfo): boolean {
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fields = t.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return exprs.every((r) => requirementMatches(r, node.labels[r.key])) &&
      fields.every((r) => requirementMatches(r, r.key === 'metadata.name' ? node.name : undefined));
  });
}

/** The volume's required node affinity admits the node (no affinity admits every node). */
export function volumeFitsNode(volume: PersistentVolume, node: NodeInfo): boolean {
  const terms = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  return !terms || nodeMatchesTerms(terms, node);
}

/** The claim references this volume in claimRef by namespace/name (and UID, when the ref has one). */
export function isVolumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** Why `volume` cannot serve `claim` (CheckVolumeSatisfyClaim), or undefined when it can. */
export function volumeUnsuitableReason(volume: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  if (compareQuantity(capacityOf(volume), requestOf(claim)) < 0) return 'requested PV is too small';
  if (volumeClass(volume) !== claimClass(claim)) return 'storageClassName does not match';
  if (modeOf(volume.spec?.volumeMode) !== modeOf(claim.spec?.volumeMode)) return 'incompatible volumeMode';
  if (!accessModesSatisfied(claim, volume)) return 'incompatible accessMode';
  return undefined;
}

export interface MatchOptions {
  /** The claim waits for its first consumer (WaitForFirstConsumer): only a volume pre-bound to it, or one
   * that fits `node` when a node was selected, may be chosen. */
  delayBinding?: boolean;
  node?: NodeInfo;
}

/**
 * The best volume for the claim: one pre-bound to it if any fits, else the smallest Available volume that
 * satisfies capacity, class, volumeMode, access modes, selector and (with a node) node affinity.
 */
export function findBestMatch(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], opts: MatchOptions = {}): PersistentVolume | undefined {
  const request = requestOf(claim);
  let selector;
  try {
    selector = claim.spec?.selector ? selectorFromSpec(claim.spec.selector) : undefined;
  } catch {
    return undefined; // an invalid selector matches nothing
  }
  let best: PersistentVolume | undefined;
  for (const v of volumes) {
    if (compareQuantity(capacityOf(v), request) < 0) continue;
    if (modeOf(v.spec?.volumeMode) !== modeOf(claim.spec?.volumeMode)) continue;
    if (opts.node && !volumeFitsNode(v, opts.node)) continue;
    if (isVolumeBoundToClaim(v, claim)) return v;
    if (opts.delayBinding && !opts.node) continue;
    if (v.spec?.claimRef) continue;
    if (v.metadata.deletionTimestamp) continue;
    if (v.status?.phase === 'Released' || v.status?.phase === 'Failed') continue;
    if (selector && !selector.matches(v.metadata.labels ?? {})) continue;
    if (volumeClass(v) !== claimClass(claim)) continue;
    if (!accessModesSatisfied(claim, v)) continue;
    if (!best || compareQuantity(capacityOf(v), capacityOf(best)) < 0) best = v;
  }
  return best;
}
