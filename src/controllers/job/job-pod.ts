// What a Job's pods look like: the pod a Job creates (podFromJob), when a pod counts as failed, and the
// per-index failure bookkeeping of backoffLimitPerIndex (the latest failed pod of each index, its finish time).
import { newControllerRef } from '../common/owners';
import type { ContainerStatus, Pod } from '../common/types';
import { COMPLETION_INDEX, INDEX_FAILURE_COUNT, INDEX_IGNORED_FAILURE_COUNT, indexFailureCount, indexIgnoredFailureCount, podIndex } from './indexes';
import type { Job, JobSpec } from './types';

export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

/** Pods are only replaced once Failed (not while terminating) with podReplacementPolicy Failed, the default under a podFailurePolicy. */
export function onlyReplaceFailedPods(spec: JobSpec): boolean {
  return spec.podReplacementPolicy === 'Failed' || (spec.podReplacementPolicy === undefined && spec.podFailurePolicy !== undefined);
}

/** Failed for counting: phase Failed, or (unless only Failed pods are replaced) deleted before it succeeded. */
export function podFailed(p: Pod, spec: JobSpec): boolean {
  if (p.status?.phase === 'Failed') return true;
  return !onlyReplaceFailedPods(spec) && !!p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

/** When a failed pod finished: its last container's finishedAt, else its deletionTimestamp. */
export function finishedAt(p: Pod): number {
  let at = NaN;
  const statuses = [...(p.status?.containerStatuses ?? []), ...((p.status?.initContainerStatuses as ContainerStatus[] | undefined) ?? [])];
  for (const c of statuses) {
    const t = Date.parse((c.state as { terminated?: { finishedAt?: string } } | undefined)?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(t) && !(t <= at)) at = t;
  }
  return Number.isNaN(at) ? Date.parse(p.metadata.deletionTimestamp ?? '') : at;
}

/** The latest failed pod of each index (most failures recorded, then newest). */
export function lastFailedPerIndex(pods: Pod[], spec: JobSpec): Map<number, Pod> {
  const out = new Map<number, Pod>();
  const weight = (p: Pod): number => indexFailureCount(p) + indexIgnoredFailureCount(p);
  for (const p of pods) {
    const i = podIndex(p);
    if (i === undefined || !podFailed(p, spec)) continue;
    const cur = out.get(i);
    if (!cur || weight(p) > weight(cur) || (weight(p) === weight(cur) && (p.metadata.creationTimestamp ?? '') > (cur.metadata.creationTimestamp ?? ''))) out.set(i, p);
  }
  return out;
}

/**
 * The pod a Job creates: the template, the tracking finalizer, a controller reference; for Indexed Jobs the
 * completion index and, with backoffLimitPerIndex, the index's [counted, ignored] failures so far.
 */
export function podFromJob(job: Job, index?: number, failures?: [number, number]): Pod {
  const t = job.spec?.template ?? {};
  const tm = t.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      generateName: `${job.metadata.name ?? ''}-${index === undefined ? '' : `${index}-`}`, namespace: job.metadata.namespace,
      ...(tm.labels ? { labels: { ...tm.labels } } : {}), ...(tm.annotations ? { annotations: { ...tm.annotations } } : {}),
      finalizers: [...(tm.finalizers ?? []), TRACKING_FINALIZER],
      ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
    },
    spec: structuredClone(t.spec ?? {}),
  };
  if (index !== undefined) {
    pod.metadata.annotations = { ...pod.metadata.annotations, [COMPLETION_INDEX]: String(index) };
    pod.metadata.labels = { ...pod.metadata.labels, [COMPLETION_INDEX]: String(index) };
    if (job.spec?.backoffLimitPerIndex !== undefined) {
      pod.metadata.annotations[INDEX_FAILURE_COUNT] = String(failures?.[0] ?? 0);
      if (failures?.[1]) pod.metadata.annotations[INDEX_IGNORED_FAILURE_COUNT] = String(failures[1]);
    }
    const spec = pod.spec!;
    spec.hostname = `${job.metadata.name ?? ''}-${index}`;
    const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } };
    for (const list of [spec.containers, spec.initContainers]) {
      for (const c of list ?? []) {
        const cur = (c.env as Array<{ name: string }> | undefined) ?? [];
        if (!cur.some((e) => e.name === env.name)) c.env = [...cur, env];
      }
    }
  }
  return pod;
}

