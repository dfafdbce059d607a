// CronJob controller: creates a Job `<cronjob>-<scheduled minutes since epoch>` for the latest scheduled
// time that has not run (within startingDeadlineSeconds), honouring concurrencyPolicy (Allow / Forbid /
// Replace) and suspend; keeps status.active and lastScheduleTime/lastSuccessfulTime; trims finished Jobs
// to successfulJobsHistoryLimit / failedJobsHistoryLimit; requeues itself for the next scheduled time.
import { deletedObject, isAlreadyExists, isNotFound, Resources, type Client, type Clock, type EventRecorder, type KubeObject, type Lister } from '../../client';
import { rfc3339 } from '../common/conditions';
import { semanticEqual } from '../common/equal';
import { controllerRef, newControllerRef } from '../common/owners';
import { jobFinished, type Job } from '../job/job';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';
import { mostRecentTime, nextTime, parseSchedule } from './cron';

export interface ObjectReference { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string; resourceVersion?: string }

export interface CronJob extends KubeObject {
  metadata: NonNullable<KubeObject['metadata']>;
  spec?: {
    schedule: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate?: { metadata?: KubeObject['metadata']; spec?: Job['spec'] };
  };
  status?: { active?: ObjectReference[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
}

export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export function jobNameFor(cj: CronJob, scheduled: number): string {
  return `${cj.metadata.name ?? ''}-${Math.floor(scheduled / 60_000)}`;
}

export function jobFromTemplate(cj: CronJob, scheduled: number): Job {
  const t = cj.spec?.jobTemplate ?? {};
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduled), namespace: cj.metadata.namespace,
      labels: { ...t.metadata?.labels },
      annotations: { ...t.metadata?.annotations, [SCHEDULED_TIMESTAMP]: rfc3339(scheduled) },
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: structuredClone(t.spec ?? {}),
  };
}

export interface CronJobReconcilerDeps {
  client: Client;
  cronjobs: Lister<CronJob>;
  jobs: Lister<Job>;
  recorder: EventRecorder;
  clock: Clock;
}

const refOf = (j: Job): ObjectReference => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: j.metadata.namespace, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion });
const finishTime = (j: Job): number => Date.parse(j.status?.completionTime ?? j.status?.conditions?.find((c) => c.type === 'Failed')?.lastTransitionTime ?? j.metadata.creationTimestamp ?? '') || 0;

export function createCronJobReconciler(d: CronJobReconcilerDeps): (req: Request) => Promise<Result> {
  const cjApi = d.client.resource<CronJob>(Resources.cronjobs);
  const jobsApi = d.client.resource<Job>(Resources.jobs);
  const ignore = (e: unknown): void => {
    if (!isNotFound(e)) throw e;
  };
  const deleteJob = (j: Job): Promise<void> =>
    jobsApi.delete(j.metadata.namespace, j.metadata.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: j.metadata.uid } }).then(() => undefined, ignore);

  return async function reconcile(req) {
    const cached = d.cronjobs.get(req.namespace, req.name);
    if (!cached) return {};
    const cj = structuredClone(cached);
    const now = d.clock.now();
    const jobs = d.jobs.list(req.namespace).filter((j) => controllerRef(j)?.uid === cj.metadata.uid);
    const status = structuredClone(cj.status ?? {});
    const active = jobs.filter((j) => !jobFinished(j));
    status.active = active.map(refOf);
    for (const j of jobs) {
      if (jobFinished(j) === 'Complete' && j.status?.completionTime && (!status.lastSuccessfulTime || j.status.completionTime > status.lastSuccessfulTime)) {
        status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    // History limits.
    for (const [kind, limit] of [['Complete', cj.spec?.successfulJobsHistoryLimit ?? 3], ['Failed', cj.spec?.failedJobsHistoryLimit ?? 1]] as const) {
      const done = jobs.filter((j) => jobFinished(j) === kind && !j.metadata.deletionTimestamp).sort((a, b) => finishTime(a) - finishTime(b));
      for (const j of done.slice(0, Math.max(0, done.length - limit))) await deleteJob(j);
    }

    const save = async (): Promise<void> => {
      if (!status.active?.length) delete status.active;
      if (!semanticEqual(status, cj.status)) await cjApi.updateStatus(req.namespace, { ...cj, status }).catch(ignore);
    };
    if (cj.metadata.deletionTimestamp || cj.spec?.suspend) {
      await save();
      return {};
    }
    let sched;
    try {
      sched = parseSchedule(cj.spec?.schedule ?? '');
    } catch (e) {
      d.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${e instanceof Error ? e.message : String(e)}`);
      await save();
      return {};
    }
    const tz = cj.spec?.timeZone;
    const earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || now;
    const { time: scheduled } = mostRecentTime(sched, earliest, now, tz);
    const next = nextTime(sched, now, tz);
    const requeue: Result = next !== undefined ? { requeueAfterMs: Math.max(100, next - now + 100) } : {};
    if (scheduled === undefined) {
      await save();
      return requeue;
    }
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && scheduled + deadline * 1000 < now) {
      d.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc3339(scheduled)}`);
      await save();
      return requeue;
    }
    const name = jobNameFor(cj, scheduled);
    if (jobs.some((j) => j.metadata.name === name)) {
      await save();
      return requeue;
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && active.length) {
      d.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      await save();
      return requeue;
    }
    if (policy === 'Replace') {
      for (const j of active) {
        await deleteJob(j);
        d.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name ?? ''}`);
      }
      status.active = [];
    }
    let created: Job;
    try {
      created = await jobsApi.create(req.namespace, jobFromTemplate(cj, scheduled));
      d.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name ?? ''}`);
    } catch (e) {
      if (!isAlreadyExists(e)) {
        d.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }
      created = await jobsApi.get(req.namespace, name);
      if (controllerRef(created)?.uid !== cj.metadata.uid) {
        await save();
        return requeue;
      }
    }
    status.active = [...(status.active ?? []).filter((r) => r.uid !== created.metadata.uid), refOf(created)];
    status.lastScheduleTime = rfc3339(scheduled);
    await save();
    return requeue;
  };
}

export const cronJobController: ControllerFactory = (ctx: ControllerContext) => {
  const cjInf = ctx.informers.informerFor<CronJob>(Resources.cronjobs);
  const jobInf = ctx.informers.informerFor<Job>(Resources.jobs);
  const key = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  cjInf.addEventHandler({ onAdd: (c) => ctx.enqueue(key(c)), onUpdate: (_o, c) => ctx.enqueue(key(c)) });
  const onJob = (j: Job): void => {
    const ref = controllerRef(j);
    if (ref?.kind === 'CronJob') ctx.enqueue(`${j.metadata.namespace ?? ''}/${ref.name}`);
  };
  jobInf.addEventHandler({ onAdd: onJob, onUpdate: (_o, j) => onJob(j), onDelete: (x) => onJob(deletedObject(x)) });
  return { name: 'cronjob', workers: 2, reconcile: createCronJobReconciler({ client: ctx.client, cronjobs: cjInf.lister, jobs: jobInf.lister, recorder: ctx.recorder, clock: ctx.clock }) };
};
