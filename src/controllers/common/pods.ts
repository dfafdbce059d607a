// Pod predicates shared by the controllers (upstream pkg/api/v1/pod and pkg/controller helpers).
import type { Condition, Pod } from './types';

export function podCondition(pod: Pod, type: string): Condition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: Pod): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/**
 * Ready for at least minReadySeconds at `now` (ms), judged by the Ready condition's lastTransitionTime
 * (upstream IsPodAvailable). A ready pod without a transition time counts as available.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const c = podCondition(pod, 'Ready');
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isNaN(t) || t + minReadySeconds * 1000 <= now;
}

/** Not terminal and not being deleted (upstream FilterActivePods / IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function readySince(pod: Pod): number {
  const t = podCondition(pod, 'Ready')?.lastTransitionTime;
  return t ? Date.parse(t) : 0;
}

function restarts(pod: Pod): number {
  let n = 0;
  for (const c of pod.status?.containerStatuses ?? []) n = Math.max(n, c.restartCount ?? 0);
  return n;
}

function created(pod: Pod): number {
  const t = pod.metadata.creationTimestamp;
  return t ? Date.parse(t) : NaN;
}

/**
 * Upstream's ActivePods ordering: negative when `a` should be deleted before `b`.
 * unassigned < assigned; Pending < Unknown < Running; not ready < ready; ready for less time < more;
 * more restarts < fewer; no creation time < newer < older.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const an = a.spec?.nodeName ? 1 : 0;
  const bn = b.spec?.nodeName ? 1 : 0;
  if (an !== bn) return an - bn;
  const ap = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const bp = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a) ? 1 : 0;
  const br = isPodReady(b) ? 1 : 0;
  if (ar !== br) return ar - br;
  if (ar && br) {
    const at = readySince(a);
    const bt = readySince(b);
    if (at !== bt) return bt - at; // later ready time = ready for less time = first
  }
  const rc = restarts(b) - restarts(a);
  if (rc !== 0) return rc;
  const ac = created(a);
  const bc = created(b);
  if (Number.isNaN(ac) !== Number.isNaN(bc)) return Number.isNaN(ac) ? -1 : 1;
  if (!Number.isNaN(ac) && ac !== bc) return bc - ac; // newer first
  return 0;
}
