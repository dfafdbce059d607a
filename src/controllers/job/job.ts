// Job controller: runs pods from the template until `completions` succeed (or, without completions, until
// one succeeds and the rest finish), at most `parallelism` at a time; fails the Job past backoffLimit or
// activeDeadlineSeconds; honours suspend and ttlSecondsAfterFinished.
//
// Finished pods are counted with upstream's finalizer protocol, so a pod is never counted twice nor lost:
//   pods carry `batch.kubernetes.io/job-tracking`; a finished pod's UID goes to status.uncountedTerminatedPods
//   (status write) ─► its finalizer is removed ─► the UID moves into succeeded/failed (status write).
// Indexed completion mode: pod i carries the completion index (annotation, label, JOB_COMPLETION_INDEX env,
// hostname <job>-<i>); the Job completes when every index in [0, completions) has succeeded once
// (status.completedIndexes). backoffLimitPerIndex and success/pod-failure policies are not implemented.
import { selectorFromSpec } from '../../api/selectors';
import { deletedObject, isNotFound, Resources, type Client, type Clock, type EventRecorder, type KubeObject, type Lister } from '../../client';
import { getCondition, rfc3339 } from '../common/conditions';
import { semanticEqual } from '../common/equal';
import { claimObjects, controllerRef, newControllerRef } from '../common/owners';
import { compareForDeletion, isPodReady, podKey } from '../common/pods';
import type { Condition, LabelSelectorSpec, Pod, PodTemplateSpec } from '../common/types';
import { Expectations } from '../replicaset/expectations';
import { slowStartBatch } from '../replicaset/manage';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';

export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

/** The completion index of an Indexed Job's pod. */
export function podIndex(p: Pod): number | undefined {
  const v = p.metadata.annotations?.[COMPLETION_INDEX] ?? p.metadata.labels?.[COMPLETION_INDEX];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** "1,3-5" ⇄ {1,3,4,5} (status.completedIndexes). */
export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    for (let i = a; i <= (b ?? a); i++) out.add(i);
  }
  return out;
}

export function formatIndexes(set: Set<number>): string {
  const xs = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    parts.push(i === j ? String(xs[i]) : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export interface JobStatus {
  active?: number;
  ready?: number;
  succeeded?: number;
  failed?: number;
  startTime?: string;
  completionTime?: string;
  completedIndexes?: string;
  conditions?: Condition[];
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

export interface Job extends KubeObject {
  metadata: NonNullable<KubeObject['metadata']>;
  spec?: {
    parallelism?: number;
    completions?: number;
    completionMode?: 'NonIndexed' | 'Indexed';
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished?: number;
    suspend?: boolean;
    selector?: LabelSelectorSpec;
    template?: PodTemplateSpec;
  };
  status?: JobStatus;
}

export function jobFinished(job: Job): 'Complete' | 'Failed' | undefined {
  for (const t of ['Complete', 'Failed'] as const) if (getCondition(job.status?.conditions, t)?.status === 'True') return t;
  return undefined;
}

const podSucceeded = (p: Pod): boolean => p.status?.phase === 'Succeeded';
/** Finished for counting: terminal, or deleted before it finished (counts as failed). */
const podFinished = (p: Pod): boolean => podSucceeded(p) || p.status?.phase === 'Failed' || !!p.metadata.deletionTimestamp;
const hasFinalizer = (p: Pod): boolean => p.metadata.finalizers?.includes(TRACKING_FINALIZER) ?? false;

function cond(type: string, status: Condition['status'], reason: string, message: string, now: number): Condition {
  const t = rfc3339(now);
  return { type, status, reason, message, lastProbeTime: t, lastTransitionTime: t };
}

function withCondition(conds: Condition[] | undefined, c: Condition): Condition[] {
  const cur = getCondition(conds, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return conds ?? [];
  return [...(conds ?? []).filter((x) => x.type !== c.type), c];
}

export interface JobReconcilerDeps {
  client: Client;
  jobs: Lister<Job>;
  pods: Lister<Pod>;
  expectations: Expectations;
  recorder: EventRecorder;
  clock: Clock;
}

export function createJobReconciler(d: JobReconcilerDeps): (req: Request) => Promise<Result> {
  const jobsApi = d.client.resource<Job>(Resources.jobs);
  const podsApi = d.client.resource<Pod>(Resources.pods);
  const lastFailure = new Map<string, number>();
  const ignore = (e: unknown): void => {
    if (!isNotFound(e)) throw e;
  };
  const dropFinalizer = async (p: Pod): Promise<void> => {
    const i = p.metadata.finalizers?.indexOf(TRACKING_FINALIZER) ?? -1;
    if (i < 0) return;
    await podsApi.patch(p.metadata.namespace, p.metadata.name ?? '', 'json', [
      { op: 'test', path: `/metadata/finalizers/${i}`, value: TRACKING_FINALIZER }, { op: 'remove', path: `/metadata/finalizers/${i}` },
    ]).catch(ignore);
  };

  return async function reconcile(req) {
    const key = `${req.namespace}/${req.name}`;
    const cached = d.jobs.get(req.namespace, req.name);
    if (!cached) {
      d.expectations.delete(key);
      lastFailure.delete(key);
      return {};
    }
    let job: Job = structuredClone(cached);
    const now = d.clock.now();
    const selector = selectorFromSpec(job.spec?.selector);
    const candidates = d.pods.list(req.namespace);
    const pods = await claimObjects<Pod>(candidates, {
      owner: job, ownerRef: newControllerRef(job, 'batch/v1', 'Job'), client: podsApi,
      matches: (p) => selector.matches(p.metadata.labels),
      canAdopt: async () => (await jobsApi.get(req.namespace, req.name)).metadata?.uid === job.metadata.uid,
    });
    const writeStatus = async (status: JobStatus): Promise<void> => {
      if (semanticEqual(status, job.status)) return;
      job = await jobsApi.updateStatus(req.namespace, { ...job, status });
    };

    const finished = jobFinished(job);
    if (finished) {
      for (const p of pods) if (hasFinalizer(p)) await dropFinalizer(p);
      return ttlCheck(job, now);
    }

    // Count finished pods (finalizer protocol).
    const status: JobStatus = structuredClone(job.status ?? {});
    const unS = new Set(status.uncountedTerminatedPods?.succeeded ?? []);
    const unF = new Set(status.uncountedTerminatedPods?.failed ?? []);
    const newlyFinished = pods.filter((p) => podFinished(p) && hasFinalizer(p) && !unS.has(p.metadata.uid ?? '') && !unF.has(p.metadata.uid ?? ''));
    for (const p of newlyFinished) (podSucceeded(p) ? unS : unF).add(p.metadata.uid ?? '');
    if (newlyFinished.length) await writeStatus({ ...status, uncountedTerminatedPods: { succeeded: [...unS], failed: [...unF] } });
    for (const p of pods) if (hasFinalizer(p) && (unS.has(p.metadata.uid ?? '') || unF.has(p.metadata.uid ?? ''))) await dropFinalizer(p);
    const indexed = job.spec?.completionMode === 'Indexed' && job.spec.completions !== undefined;
    const completedIdx = parseIndexes(status.completedIndexes);
    if (indexed) for (const p of pods) if (unS.has(p.metadata.uid ?? '') && podIndex(p) !== undefined && podIndex(p)! < job.spec!.completions!) completedIdx.add(podIndex(p)!);
    const succeeded = indexed ? completedIdx.size : (status.succeeded ?? 0) + unS.size;
    const failed = (status.failed ?? 0) + unF.size;
    if (unF.size) lastFailure.set(key, now);

    let active = pods.filter((p) => !podFinished(p));
    const spec = job.spec ?? {};
    const next: JobStatus = { ...structuredClone(job.status ?? {}), succeeded, failed, uncountedTerminatedPods: {} };
    if (indexed) next.completedIndexes = formatIndexes(completedIdx);
    if (!next.startTime && !spec.suspend) next.startTime = rfc3339(now);
    let conditions = next.conditions ?? [];
    let result: Result = {};
    let created = 0;

    let finish: { type: 'Complete' | 'Failed'; reason: string; message: string } | undefined;
    const start = next.startTime ? Date.parse(next.startTime) : NaN;
    if (failed > (spec.backoffLimit ?? 6)) finish = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    else if (spec.activeDeadlineSeconds !== undefined && !spec.suspend && !Number.isNaN(start) && now - start >= spec.activeDeadlineSeconds * 1000) {
      finish = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    } else if (spec.completions !== undefined ? succeeded >= spec.completions : succeeded > 0 && active.length === 0) {
      finish = { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
    }

    const deletePods = async (victims: Pod[]): Promise<void> => {
      d.expectations.expectDeletions(key, victims.map(podKey));
      for (const p of victims) {
        try {
          await podsApi.delete(p.metadata.namespace, p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } });
          d.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`);
        } catch (e) {
          d.expectations.deletionObserved(key, podKey(p));
          ignore(e);
        }
      }
    };

    if (finish) {
      await deletePods(active);
      active = [];
      const interim = finish.type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget';
      conditions = withCondition(conditions, cond(interim, 'True', finish.reason, finish.message, now));
      conditions = withCondition(conditions, cond(finish.type, 'True', finish.reason, finish.message, now));
      if (finish.type === 'Complete') {
        next.completionTime = rfc3339(now);
        d.recorder.event(job, 'Normal', 'Completed', 'Job completed');
      } else {
        d.recorder.event(job, 'Warning', finish.reason, finish.message);
      }
    } else if (spec.suspend) {
      await deletePods(active);
      active = [];
      conditions = withCondition(conditions, cond('Suspended', 'True', 'JobSuspended', 'Job suspended', now));
    } else {
      if (getCondition(conditions, 'Suspended')?.status === 'True') {
        conditions = withCondition(conditions, cond('Suspended', 'False', 'JobResumed', 'Job resumed', now));
        next.startTime = rfc3339(now);
      }
      const parallelism = spec.parallelism ?? 1;
      const want = Math.max(0, spec.completions !== undefined ? Math.min(parallelism, spec.completions - succeeded) : succeeded > 0 ? 0 : parallelism);
      if (d.expectations.satisfied(key)) {
        if (active.length < want) {
          const backoff = failed > 0 ? Math.min(10_000 * 2 ** (failed - 1), 360_000) : 0;
          const since = lastFailure.get(key);
          if (since !== undefined && now < since + backoff) {
            result = { requeueAfterMs: since + backoff - now };
          } else {
            let n = want - active.length;
            // Indexed: the lowest indexes neither completed nor running.
            const free: number[] = [];
            if (indexed) {
              const busy = new Set(active.map(podIndex));
              for (let i = 0; i < spec.completions! && free.length < n; i++) if (!completedIdx.has(i) && !busy.has(i)) free.push(i);
              n = free.length;
            }
            d.expectations.expectCreations(key, n);
            const res = await slowStartBatch(n, 1, async () => {
              const pod = await podsApi.create(req.namespace, podFromJob(job, indexed ? free.shift() : undefined));
              d.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name ?? ''}`);
            });
            if (res.ok < n) d.expectations.lowerCreations(key, n - res.ok);
            if (res.error !== undefined) {
              d.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${res.error instanceof Error ? res.error.message : String(res.error)}`);
              throw res.error;
            }
            created = res.ok;
          }
        } else if (active.length > want) {
          const victims = [...active].sort(compareForDeletion).slice(0, active.length - want);
          await deletePods(victims);
          active = active.filter((p) => !victims.includes(p));
        }
      }
      if (spec.activeDeadlineSeconds !== undefined && !Number.isNaN(start)) {
        const left = start + spec.activeDeadlineSeconds * 1000 - now;
        result = { requeueAfterMs: Math.min(result.requeueAfterMs ?? Infinity, Math.max(0, left)) };
      }
    }
    next.active = finish || spec.suspend ? 0 : active.length + created;
    next.ready = active.filter(isPodReady).length;
    next.conditions = conditions;
    if (!next.conditions.length) delete next.conditions;
    await writeStatus(next);
    if (finish) return ttlCheck(job, now);
    return result;
  };

  async function ttlCheck(job: Job, now: number): Promise<Result> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined) return {};
    const c = getCondition(job.status?.conditions, jobFinished(job) ?? 'Complete');
    const at = Date.parse(job.status?.completionTime ?? c?.lastTransitionTime ?? '');
    if (Number.isNaN(at)) return {};
    const due = at + ttl * 1000;
    if (now < due) return { requeueAfterMs: due - now };
    await jobsApi.delete(job.metadata.namespace, job.metadata.name ?? '', { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid } }).catch(ignore);
    return {};
  }
}

/** The pod a Job creates: the template, the tracking finalizer, a controller reference. */
export function podFromJob(job: Job, index?: number): Pod {
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

export const jobController: ControllerFactory = (ctx: ControllerContext) => {
  const jobInf = ctx.informers.informerFor<Job>(Resources.jobs);
  const podInf = ctx.informers.informerFor<Pod>(Resources.pods);
  const expectations = new Expectations(() => ctx.clock.now());
  const key = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const owner = (p: Pod): Job | undefined => {
    const ref = controllerRef(p);
    if (ref?.kind !== 'Job') return undefined;
    const j = jobInf.lister.get(p.metadata.namespace, ref.name);
    return j?.metadata.uid === ref.uid ? j : undefined;
  };
  jobInf.addEventHandler({
    onAdd: (j) => ctx.enqueue(key(j)),
    onUpdate: (_o, j) => ctx.enqueue(key(j)),
    onDelete: (x) => {
      const j = deletedObject(x);
      expectations.delete(key(j));
      ctx.enqueue(key(j));
    },
  });
  podInf.addEventHandler({
    onAdd: (p) => {
      const j = owner(p);
      if (!j) return;
      if (p.metadata.deletionTimestamp) expectations.deletionObserved(key(j), podKey(p));
      else expectations.creationObserved(key(j));
      ctx.enqueue(key(j));
    },
    onUpdate: (_o, p) => {
      const j = owner(p);
      if (!j) return;
      if (p.metadata.deletionTimestamp) expectations.deletionObserved(key(j), podKey(p));
      ctx.enqueue(key(j));
    },
    onDelete: (x) => {
      const p = deletedObject(x);
      const j = owner(p);
      if (!j) return;
      expectations.deletionObserved(key(j), podKey(p));
      ctx.enqueue(key(j));
    },
  });
  return {
    name: 'job', workers: 5,
    reconcile: createJobReconciler({ client: ctx.client, jobs: jobInf.lister, pods: podInf.lister, expectations, recorder: ctx.recorder, clock: ctx.clock }),
  };
};
