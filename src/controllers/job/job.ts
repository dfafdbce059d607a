// Job controller: runs pods from the template until `completions` succeed (or, without completions, until
// one succeeds and the rest finish), at most `parallelism` at a time; fails the Job past backoffLimit,
// activeDeadlineSeconds or a podFailurePolicy FailJob rule; honours suspend and ttlSecondsAfterFinished.
//
// Finished pods are counted with upstream's finalizer protocol, so a pod is never counted twice nor lost:
//   pods carry `batch.kubernetes.io/job-tracking`; a finished pod's UID goes to status.uncountedTerminatedPods
//   (status write, with any newly failed index) ─► its finalizer is removed ─► the UID moves into succeeded/failed.
// Failed pods first meet spec.podFailurePolicy (policies.ts): Ignore = not counted, Count, FailJob, FailIndex.
// Finishing is two-step as in v1.32: FailureTarget / SuccessCriteriaMet first (active pods are deleted), then
// Failed / Complete once no pod of the Job is running or terminating.
// Indexed completion mode: pod i carries the completion index (annotation, label, JOB_COMPLETION_INDEX env,
// hostname <job>-<i>); status.completedIndexes; with backoffLimitPerIndex each index has its own retry budget
// (failure counts ride on the replacement pods' annotations), exhausted indexes go to status.failedIndexes and
// maxFailedIndexes bounds them; spec.successPolicy rules can declare success early.
import { selectorFromSpec } from '../../api/selectors';
import { deletedObject, isNotFound, Resources, type Client, type Clock, type EventRecorder, type KubeObject, type Lister } from '../../client';
import { getCondition, rfc3339 } from '../common/conditions';
import { semanticEqual } from '../common/equal';
import { claimObjects, controllerRef, newControllerRef } from '../common/owners';
import { compareForDeletion, isPodReady, podKey } from '../common/pods';
import type { Condition, Pod } from '../common/types';
import { Expectations } from '../replicaset/expectations';
import { slowStartBatch } from '../replicaset/manage';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';
import { formatIndexes, indexFailureCount, indexIgnoredFailureCount, parseIndexes, podIndex } from './indexes';
import { finishedAt, lastFailedPerIndex, onlyReplaceFailedPods, podFailed, podFromJob, TRACKING_FINALIZER } from './job-pod';
import { matchPodFailurePolicy, matchSuccessPolicy } from './policies';
import type { Job, JobSpec, JobStatus } from './types';

export { COMPLETION_INDEX, formatIndexes, parseIndexes, podIndex } from './indexes';
export type { Job, JobSpec, JobStatus } from './types';
export { onlyReplaceFailedPods, podFailed, podFromJob, TRACKING_FINALIZER } from './job-pod';

const MAX_INT32 = 2147483647;
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;

export function jobFinished(job: Job): 'Complete' | 'Failed' | undefined {
  for (const t of ['Complete', 'Failed'] as const) if (getCondition(job.status?.conditions, t)?.status === 'True') return t;
  return undefined;
}

const isTerminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const hasFinalizer = (p: Pod): boolean => p.metadata.finalizers?.includes(TRACKING_FINALIZER) ?? false;
const backoffDelay = (failures: number): number => (failures > 0 ? Math.min(BACKOFF_BASE_MS * 2 ** (failures - 1), BACKOFF_MAX_MS) : 0);

type Finish = { type: 'Complete' | 'Failed'; reason: string; message: string };

function cond(type: string, status: Condition['status'], reason: string, message: string, now: number): Condition {
  const t = rfc3339(now);
  return { type, status, reason, message, lastProbeTime: t, lastTransitionTime: t };
}

function withCondition(conds: Condition[] | undefined, c: Condition): Condition[] {
  const cur = getCondition(conds, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return conds ?? [];
  return [...(conds ?? []).filter((x) => x.type !== c.type), c];
}

/** A finish already decided by an earlier sync (the interim FailureTarget / SuccessCriteriaMet condition). */
function decidedFinish(conds: Condition[] | undefined): Finish | undefined {
  for (const [interim, type] of [['FailureTarget', 'Failed'], ['SuccessCriteriaMet', 'Complete']] as const) {
    const c = getCondition(conds, interim);
    if (c?.status === 'True') return { type, reason: c.reason ?? '', message: c.message ?? '' };
  }
  return undefined;
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
  /** When this controller first saw a failed pod without a finish time of its own (per Job key, by pod UID). */
  const failureSeen = new Map<string, Map<string, number>>();
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
      failureSeen.delete(key);
      return {};
    }
    let job: Job = structuredClone(cached);
    const now = d.clock.now();
    const spec: JobSpec = job.spec ?? {};
    const selector = selectorFromSpec(spec.selector);
    const pods = await claimObjects<Pod>(d.pods.list(req.namespace), {
      owner: job, ownerRef: newControllerRef(job, 'batch/v1', 'Job'), client: podsApi,
      matches: (p) => selector.matches(p.metadata.labels),
      canAdopt: async () => (await jobsApi.get(req.namespace, req.name)).metadata?.uid === job.metadata.uid,
    });
    const writeStatus = async (status: JobStatus): Promise<void> => {
      if (semanticEqual(status, job.status)) return;
      job = await jobsApi.updateStatus(req.namespace, { ...job, status });
    };

    if (jobFinished(job) || job.metadata.deletionTimestamp) {
      for (const p of pods) if (hasFinalizer(p)) await dropFinalizer(p);
      return jobFinished(job) ? ttlCheck(job, now) : {};
    }

    const status: JobStatus = structuredClone(job.status ?? {});
    const indexed = spec.completionMode === 'Indexed' && spec.completions !== undefined;
    const completions = spec.completions ?? 0;
    const perIndex = indexed && spec.backoffLimitPerIndex !== undefined;
    const validIndex = (p: Pod): boolean => !indexed || (podIndex(p) ?? completions) < completions;
    const decided = decidedFinish(status.conditions);
    const seen = failureSeen.get(key) ?? new Map<string, number>();
    failureSeen.set(key, seen);

    // 1. Count finished pods (finalizer protocol), applying the pod failure policy.
    const unS = new Set(status.uncountedTerminatedPods?.succeeded ?? []);
    const unF = new Set(status.uncountedTerminatedPods?.failed ?? []);
    const failedIdx = parseIndexes(status.failedIndexes);
    const release: Pod[] = [];
    let flush = false;
    let newFailures = 0;
    for (const p of pods) {
      if (!hasFinalizer(p)) continue;
      const uid = p.metadata.uid ?? '';
      if (unS.has(uid) || unF.has(uid)) {
        release.push(p);
      } else if (p.status?.phase === 'Succeeded') {
        if (validIndex(p)) (unS.add(uid), (flush = true));
        release.push(p);
      } else if (podFailed(p, spec) || (decided && p.metadata.deletionTimestamp)) {
        // Once the Job is finishing, every pod still terminating counts as failed (upstream), unless it succeeded.
        const m = matchPodFailurePolicy(spec, p);
        if (validIndex(p) && (decided?.type !== 'Complete' || podFailed(p, spec))) {
          const i = podIndex(p);
          if (perIndex && i !== undefined && !failedIdx.has(i) && (m.action === 'FailIndex' || (m.countFailed && indexFailureCount(p) >= spec.backoffLimitPerIndex!))) {
            failedIdx.add(i);
            flush = true;
          }
          if (m.countFailed) (unF.add(uid), (flush = true), newFailures++);
        }
        release.push(p);
      }
    }
    if (flush) {
      await writeStatus({ ...status, uncountedTerminatedPods: { succeeded: [...unS], failed: [...unF] }, ...(perIndex ? { failedIndexes: formatIndexes(failedIdx) } : {}) });
    }
    for (const p of release) await dropFinalizer(p);
    const completedIdx = parseIndexes(status.completedIndexes);
    if (indexed) for (const p of pods) if (unS.has(p.metadata.uid ?? '') && validIndex(p) && !failedIdx.has(podIndex(p)!)) completedIdx.add(podIndex(p)!);
    const succeeded = indexed ? completedIdx.size : (status.succeeded ?? 0) + unS.size;
    const failed = (status.failed ?? 0) + unF.size;
    if (newFailures) lastFailure.set(key, now);

    let active = pods.filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp);
    const terminating = pods.filter((p) => !isTerminal(p) && !!p.metadata.deletionTimestamp);
    const next: JobStatus = { ...status, succeeded, failed, uncountedTerminatedPods: {} };
    if (indexed) next.completedIndexes = formatIndexes(completedIdx);
    if (perIndex) next.failedIndexes = formatIndexes(failedIdx);
    if (!next.startTime && !spec.suspend) next.startTime = rfc3339(now);
    let conditions = next.conditions ?? [];
    let result: Result = {};
    let created = 0;
    let deletedNow = 0;

    // 2. Decide whether the Job is finishing (upstream's order of checks).
    const start = next.startTime ? Date.parse(next.startTime) : NaN;
    let failJobMessage: string | undefined;
    if (spec.podFailurePolicy && !decided) {
      for (const p of pods) {
        if (!podFailed(p, spec)) continue;
        failJobMessage = matchPodFailurePolicy(spec, p).failJobMessage;
        if (failJobMessage) break;
      }
    }
    const doneIndexes = new Set([...completedIdx, ...failedIdx]).size;
    const successRule = matchSuccessPolicy(spec, completedIdx);
    let finish: Finish | undefined = decided;
    if (finish) {
      // decided by an earlier sync
    } else if (failJobMessage) finish = { type: 'Failed', reason: 'PodFailurePolicy', message: failJobMessage };
    else if (failed > (spec.backoffLimit ?? (spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : 6))) finish = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    else if (spec.activeDeadlineSeconds !== undefined && !spec.suspend && !Number.isNaN(start) && now - start >= spec.activeDeadlineSeconds * 1000) {
      finish = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    } else if (perIndex && spec.maxFailedIndexes !== undefined && failedIdx.size > spec.maxFailedIndexes) {
      finish = { type: 'Failed', reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' };
    } else if (perIndex && failedIdx.size > 0 && doneIndexes >= completions) {
      finish = { type: 'Failed', reason: 'FailedIndexes', message: 'Job has failed indexes' };
    } else if (successRule !== undefined) {
      finish = { type: 'Complete', reason: 'SuccessPolicy', message: `Matched rules at index ${successRule}` };
    } else if (spec.completions !== undefined ? succeeded >= spec.completions : succeeded > 0 && active.length === 0) {
      finish = { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
    }

    const deletePods = async (victims: Pod[]): Promise<void> => {
      d.expectations.expectDeletions(key, victims.map(podKey));
      for (const p of victims) {
        try {
          await podsApi.delete(p.metadata.namespace, p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } });
          deletedNow++;
          d.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`);
        } catch (e) {
          d.expectations.deletionObserved(key, podKey(p));
          ignore(e);
        }
      }
    };

    // 3. Act.
    if (finish) {
      await deletePods(active);
      active = [];
      const interim = finish.type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget';
      if (!decided) d.recorder.event(job, finish.type === 'Complete' ? 'Normal' : 'Warning', finish.reason, finish.message);
      conditions = withCondition(conditions, cond(interim, 'True', finish.reason, finish.message, now));
      // The terminal condition waits until no pod of the Job is running or terminating.
      if (deletedNow === 0 && terminating.length === 0) {
        conditions = withCondition(conditions, cond(finish.type, 'True', finish.reason, finish.message, now));
        if (finish.type === 'Complete') {
          next.completionTime = rfc3339(now);
          d.recorder.event(job, 'Normal', 'Completed', 'Job completed');
        }
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
      result = await manage();
      if (spec.activeDeadlineSeconds !== undefined && !Number.isNaN(start)) {
        const left = start + spec.activeDeadlineSeconds * 1000 - now;
        result = { requeueAfterMs: Math.min(result.requeueAfterMs ?? Infinity, Math.max(0, left)) };
      }
    }
    next.active = finish || spec.suspend ? 0 : active.length + created;
    next.ready = active.filter(isPodReady).length;
    next.terminating = terminating.length + deletedNow;
    next.conditions = conditions;
    if (!next.conditions.length) delete next.conditions;
    await writeStatus(next);
    if (jobFinished(job)) return ttlCheck(job, now);
    return result;

    /** Creates and deletes pods towards the wanted number of active pods. */
    async function manage(): Promise<Result> {
      const parallelism = spec.parallelism ?? 1;
      const busyTerminating = onlyReplaceFailedPods(spec) ? terminating : [];
      // Active pods of indexes that failed for good go.
      if (perIndex) {
        const doomed = active.filter((p) => failedIdx.has(podIndex(p) ?? -1));
        if (doomed.length && d.expectations.satisfied(key)) await deletePods(doomed);
        active = active.filter((p) => !doomed.includes(p));
      }
      const remaining = indexed ? completions - doneIndexes : spec.completions !== undefined ? spec.completions - succeeded : succeeded > 0 ? 0 : parallelism;
      const want = Math.max(0, Math.min(parallelism, remaining));
      const occupied = active.length + busyTerminating.length;
      if (!d.expectations.satisfied(key)) return {};
      if (occupied > want && active.length) {
        const victims = [...active].sort(compareForDeletion).slice(0, Math.min(active.length, occupied - want));
        await deletePods(victims);
        active = active.filter((p) => !victims.includes(p));
        return {};
      }
      if (occupied >= want) return {};
      let requeue = Infinity;
      // Which pods to create: NonIndexed, n anonymous ones; Indexed, the lowest free indexes not backing off.
      const plans: Array<{ index?: number; failures?: [number, number] }> = [];
      if (!indexed || !perIndex) {
        const since = lastFailure.get(key);
        const wait = since === undefined ? 0 : since + backoffDelay(failed) - now;
        if (wait > 0) return { requeueAfterMs: wait };
      }
      if (!indexed) {
        for (let i = 0; i < want - occupied; i++) plans.push({});
      } else {
        const busy = new Set([...active, ...busyTerminating].map(podIndex));
        const lastFailed = perIndex ? lastFailedPerIndex(pods, spec) : new Map<number, Pod>();
        for (let i = 0; i < completions && plans.length < want - occupied; i++) {
          if (completedIdx.has(i) || failedIdx.has(i) || busy.has(i)) continue;
          const lf = lastFailed.get(i);
          if (!lf) {
            plans.push({ index: i });
            continue;
          }
          const counted = matchPodFailurePolicy(spec, lf).countFailed;
          const fc = indexFailureCount(lf) + (counted ? 1 : 0);
          const ic = indexIgnoredFailureCount(lf) + (counted ? 0 : 1);
          let at = finishedAt(lf);
          if (Number.isNaN(at)) {
            at = seen.get(lf.metadata.uid ?? '') ?? now;
            seen.set(lf.metadata.uid ?? '', at);
          }
          const wait = counted ? at + backoffDelay(fc) - now : 0;
          if (wait > 0) requeue = Math.min(requeue, wait);
          else plans.push({ index: i, failures: [fc, ic] });
        }
      }
      const n = plans.length;
      if (n > 0) {
        d.expectations.expectCreations(key, n);
        const res = await slowStartBatch(n, 1, async () => {
          const plan = plans.shift()!;
          const pod = podFromJob(job, plan.index, plan.failures);
          const got = await podsApi.create(req.namespace, pod);
          d.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${got.metadata.name ?? ''}`);
        });
        if (res.ok < n) d.expectations.lowerCreations(key, n - res.ok);
        if (res.error !== undefined) {
          d.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${res.error instanceof Error ? res.error.message : String(res.error)}`);
          throw res.error;
        }
        created = res.ok;
      }
      return Number.isFinite(requeue) ? { requeueAfterMs: requeue } : {};
    }
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
