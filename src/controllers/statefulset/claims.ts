// persistentVolumeClaimRetentionPolicy, as upstream's updateClaimOwnerRefForSetAndPod: the garbage collector
// deletes a claim when an owner it names goes, so the policy is expressed as ownerReferences on the PVCs:
//   whenDeleted: Delete → the claim is owned by the StatefulSet (goes with the set)
//   whenScaled:  Delete → a claim of a condemned pod (ordinal out of range) is owned by that Pod (goes with it)
//   Retain (both defaults) → neither reference.
import type { KubeObject, OwnerReference } from '../../client';
import type { Pod } from '../common/types';

export interface RetentionPolicy {
  whenDeleted?: 'Retain' | 'Delete';
  whenScaled?: 'Retain' | 'Delete';
}

const ref = (o: KubeObject, apiVersion: string, kind: string): OwnerReference => ({ apiVersion, kind, name: o.metadata?.name ?? '', uid: o.metadata?.uid ?? '' });

/**
 * The claim's ownerReferences under the policy, or undefined when they are already right. `pod` may be
 * undefined for a pod not yet created (it is then never condemned). Other owners are kept as they are.
 */
export function claimOwnerRefs(claim: KubeObject, set: KubeObject, pod: Pod | undefined, condemned: boolean, policy: RetentionPolicy | undefined): OwnerReference[] | undefined {
  const refs = claim.metadata?.ownerReferences ?? [];
  const setUid = set.metadata?.uid ?? '';
  const podUid = pod?.metadata.uid;
  const wantSet = policy?.whenDeleted === 'Delete' && !(condemned && policy.whenScaled === 'Delete');
  const wantPod = policy?.whenScaled === 'Delete' && condemned && !!podUid;
  const hasSet = refs.some((r) => r.uid === setUid);
  const hasPod = !!podUid && refs.some((r) => r.uid === podUid);
  if (hasSet === wantSet && (hasPod === wantPod || (!podUid && !wantPod))) return undefined;
  const next = refs.filter((r) => r.uid !== setUid && (!podUid || r.uid !== podUid));
  if (wantSet) next.push(ref(set, 'apps/v1', 'StatefulSet'));
  if (wantPod && pod) next.push(ref(pod, 'v1', 'Pod'));
  return next;
}
