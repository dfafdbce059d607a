// Pure parts of the ReplicaSet loop: how many pods to create or which to delete, slow-start batching,
// and the status a set of pods implies.
import { selectorFromMap } from '../../api/selectors';
import { setCondition, removeCondition, getCondition, rfc3339 } from '../common/conditions';
import { compareForDeletion, isPodAvailable, isPodReady } from '../common/pods';
import type { Pod, ReplicaSet, ReplicaSetStatus } from '../common/types';

/** Upstream's burstReplicas: the most pods one sync creates or deletes. */
export const BURST_REPLICAS = 500;

export type ReplicaDiff = { create: number; delete: Pod[] };

/** What to do to bring `pods` (active, owned) to `replicas`. */
export function replicaDiff(pods: readonly Pod[], replicas: number, burst = BURST_REPLICAS): ReplicaDiff {
  const diff = pods.length - replicas;
  if (diff < 0) return { create: Math.min(-diff, burst), delete: [] };
  if (diff > 0) return { create: 0, delete: podsToDelete(pods, Math.min(diff, burst)) };
  return { create: 0, delete: [] };
}

/** The `n` pods to delete first (upstream ActivePods ordering). */
export function podsToDelete(pods: readonly Pod[], n: number): Pod[] {
  return [...pods].sort(compareForDeletion).slice(0, n);
}

/**
 * Calls fn `count` times in batches of 1, 2, 4, … (upstream slowStartBatch); stops after the first batch
 * with a failure. Returns the number of successes and the first error.
 */
export async function slowStartBatch(count: number, initial: number, fn: () => Promise<void>): Promise<{ ok: number; error?: unknown }> {
  let remaining = count;
  let ok = 0;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    let error: unknown;
    for (const r of results) {
      if (r.status === 'fulfilled') ok++;
      else error ??= r.reason;
    }
    if (error !== undefined) return { ok, error };
    remaining -= size;
  }
  return { ok };
}

/**
 * The status `pods` imply (upstream calculateStatus). `manageError` with the sign of the diff that failed
 * sets the ReplicaFailure condition; success clears it.
 */
export function computeStatus(rs: ReplicaSet, pods: readonly Pod[], now: number, manageError?: { diff: number; message: string }): ReplicaSetStatus {
  const templateLabels = selectorFromMap(rs.spec?.template?.metadata?.labels);
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    if (templateLabels.matches(p.metadata.labels)) fully++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
    }
  }
  let conditions = rs.status?.conditions;
  const failure = getCondition(conditions, 'ReplicaFailure');
  if (manageError && !failure) {
    const reason = manageError.diff < 0 ? 'FailedCreate' : 'FailedDelete';
    conditions = setCondition(conditions, { type: 'ReplicaFailure', status: 'True', reason, message: manageError.message, lastTransitionTime: rfc3339(now) });
  } else if (!manageError && failure) {
    conditions = removeCondition(conditions, 'ReplicaFailure');
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fully,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? rs.status?.observedGeneration,
  };
  if (conditions && conditions.length) status.conditions = conditions;
  return status;
}

/** The pod a ReplicaSet creates from its template. */
export function podFromTemplate(rs: ReplicaSet, ownerRef: NonNullable<Pod['metadata']['ownerReferences']>[number]): Pod {
  const t = rs.spec?.template ?? {};
  const tm = t.metadata ?? {};
  const metadata: Pod['metadata'] = { generateName: `${rs.metadata.name}-`, namespace: rs.metadata.namespace, ownerReferences: [ownerRef] };
  if (tm.labels) metadata.labels = { ...tm.labels };
  if (tm.annotations) metadata.annotations = { ...tm.annotations };
  if (tm.finalizers) metadata.finalizers = [...tm.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(t.spec ?? {}) };
}
