// ReplicaSet controller (and ReplicationController through the same loop with its map selector):
// keeps `spec.replicas` active pods that match the selector and are controlled by the set.
//
//   pod/rs events ─► enqueue(rs key) ─► reconcile:
//     rs gone ─► forget expectations
//     claim pods (adopt matching orphans, release non-matching)  ─► if expectations satisfied: create/delete
//     ─► status (replicas, fullyLabeled, ready, available, observedGeneration, ReplicaFailure)
import { selectorFromMap, selectorFromSpec, type LabelSelector } from '../../api/selectors';
import {
  deletedObject, isConflict, isNotFound, Resources, type Client, type Clock, type EventRecorder, type KubeObject, type Lister,
  type ResourceClient, type ResourceRef, type Tombstone,
} from '../../client';
import { claimObjects, controllerRef, newControllerRef } from '../common/owners';
import { isPodActive, isPodReady, podKey } from '../common/pods';
import { semanticEqual } from '../common/equal';
import type { LabelSelectorSpec, Pod, ReplicaSet } from '../common/types';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';
import { Expectations } from './expectations';
import { computeStatus, podFromTemplate, replicaDiff, slowStartBatch } from './manage';

export interface WorkloadKind {
  resource: ResourceRef;
  apiVersion: string;
  kind: string;
  selector(rs: ReplicaSet): LabelSelector;
}

export const REPLICA_SET: WorkloadKind = {
  resource: Resources.replicasets, apiVersion: 'apps/v1', kind: 'ReplicaSet',
  selector: (rs) => selectorFromSpec(rs.spec?.selector as LabelSelectorSpec | undefined),
};

export const REPLICATION_CONTROLLER: WorkloadKind = {
  resource: Resources.replicationcontrollers, apiVersion: 'v1', kind: 'ReplicationController',
  selector: (rs) => {
    const m = (rs.spec?.selector ?? rs.spec?.template?.metadata?.labels) as Record<string, string> | undefined;
    return m && Object.keys(m).length ? selectorFromMap(m) : selectorFromSpec(null);
  },
};

export interface ReplicaSetReconcilerDeps {
  kind: WorkloadKind;
  client: Client;
  rsLister: Lister<ReplicaSet>;
  podLister: Lister<Pod>;
  expectations: Expectations;
  recorder: EventRecorder;
  clock: Clock;
  burstReplicas?: number;
}

const errMsg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function isNamespaceTerminating(e: unknown): boolean {
  const cause = (e as { status?: { details?: { causes?: Array<{ type?: string }> } } }).status?.details?.causes;
  return !!cause?.some((c) => c.type === 'NamespaceTerminating') || /is being terminated/.test(errMsg(e));
}

/** The reconcile function of the ReplicaSet (or ReplicationController) controller. */
export function createReplicaSetReconciler(d: ReplicaSetReconcilerDeps): (req: Request, signal?: AbortSignal) => Promise<Result> {
  const sets: ResourceClient<ReplicaSet> = d.client.resource<ReplicaSet>(d.kind.resource);
  const pods: ResourceClient<Pod> = d.client.resource<Pod>(Resources.pods);

  async function manage(rs: ReplicaSet, active: Pod[], key: string): Promise<void> {
    const want = rs.spec?.replicas ?? 1;
    const plan = replicaDiff(active, want, d.burstReplicas);
    const ref = newControllerRef(rs, d.kind.apiVersion, d.kind.kind);
    if (plan.create > 0) {
      d.expectations.expectCreations(key, plan.create);
      const res = await slowStartBatch(plan.create, 1, async () => {
        try {
          const pod = await pods.create(rs.metadata.namespace, podFromTemplate(rs, ref));
          d.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
        } catch (e) {
          if (isNamespaceTerminating(e)) return;
          d.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${errMsg(e)}`);
          throw e;
        }
      });
      // Creates that never happened will never be observed.
      if (res.ok < plan.create) d.expectations.lowerCreations(key, plan.create - res.ok);
      if (res.error !== undefined) throw new ManageError(-plan.create, res.error);
      return;
    }
    if (plan.delete.length) {
      d.expectations.expectDeletions(key, plan.delete.map(podKey));
      const results = await Promise.allSettled(plan.delete.map(async (p) => {
        try {
          await pods.delete(p.metadata.namespace, p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } });
          d.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`);
        } catch (e) {
          d.expectations.deletionObserved(key, podKey(p));
          if (isNotFound(e)) return;
          d.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${errMsg(e)}`);
          throw e;
        }
      }));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw new ManageError(plan.delete.length, failed.reason);
    }
  }

  async function writeStatus(rs: ReplicaSet, status: ReplicaSet['status']): Promise<void> {
    if (semanticEqual(rs.status, status)) return;
    const next: ReplicaSet = { ...structuredClone(rs), status };
    try {
      await sets.updateStatus(rs.metadata.namespace, next);
    } catch (e) {
      if (isNotFound(e)) return;
      if (!isConflict(e)) throw e;
      const fresh = await sets.get(rs.metadata.namespace, rs.metadata.name ?? '');
      if (fresh.metadata.uid !== rs.metadata.uid) return;
      await sets.updateStatus(rs.metadata.namespace, { ...fresh, status: { ...status, observedGeneration: status?.observedGeneration } });
    }
  }

  return async function reconcile(req) {
    const key = `${req.namespace}/${req.name}`;
    const rs = d.rsLister.get(req.namespace, req.name);
    if (!rs) {
      d.expectations.delete(key);
      return {};
    }
    const needsSync = d.expectations.satisfied(key);
    const selector = d.kind.selector(rs);
    const candidates = d.podLister.list(req.namespace).filter(isPodActive);
    const owned = await claimObjects<Pod>(candidates, {
      owner: rs, ownerRef: newControllerRef(rs, d.kind.apiVersion, d.kind.kind), client: pods,
      matches: (p) => selector.matches(p.metadata.labels),
      canAdopt: async () => {
        const fresh = await sets.get(req.namespace, req.name);
        return fresh.metadata?.uid === rs.metadata.uid && !fresh.metadata?.deletionTimestamp;
      },
    });
    let manageError: { diff: number; message: string } | undefined;
    let thrown: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await manage(rs, owned, key);
      } catch (e) {
        thrown = e;
        manageError = e instanceof ManageError ? { diff: e.diff, message: errMsg(e.cause) } : { diff: 0, message: errMsg(e) };
      }
    }
    const now = d.clock.now();
    const status = computeStatus(rs, owned, now, manageError);
    await writeStatus(rs, status);
    if (thrown !== undefined) throw thrown;
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.readyReplicas === (rs.spec?.replicas ?? 1) && status.availableReplicas !== status.readyReplicas) {
      return { requeueAfterMs: minReady * 1000 };
    }
    return {};
  };
}

class ManageError extends Error {
  constructor(readonly diff: number, override readonly cause: unknown) {
    super(errMsg(cause));
  }
}

/** Wires informers and handlers for one workload kind; `name` is the controller's name. */
export function replicaSetControllerFactory(name: string, kind: WorkloadKind): ControllerFactory {
  return (ctx: ControllerContext) => {
    const rsInf = ctx.informers.informerFor<ReplicaSet>(kind.resource);
    const podInf = ctx.informers.informerFor<Pod>(Resources.pods);
    const expectations = new Expectations(() => ctx.clock.now());
    const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

    const resolve = (pod: Pod): ReplicaSet | undefined => {
      const ref = controllerRef(pod);
      if (!ref || ref.kind !== kind.kind) return undefined;
      const rs = rsInf.lister.get(pod.metadata.namespace, ref.name);
      return rs && rs.metadata.uid === ref.uid ? rs : undefined;
    };
    const enqueueMatching = (pod: Pod): void => {
      for (const rs of rsInf.lister.list(pod.metadata.namespace)) if (kind.selector(rs).matches(pod.metadata.labels)) ctx.enqueue(keyOf(rs));
    };
    const podDeleted = (pod: Pod): void => {
      const rs = resolve(pod);
      if (!rs) return;
      expectations.deletionObserved(keyOf(rs), podKey(pod));
      ctx.enqueue(keyOf(rs));
    };

    rsInf.addEventHandler({
      onAdd: (rs) => ctx.enqueue(keyOf(rs)),
      onUpdate: (_o, rs) => ctx.enqueue(keyOf(rs)),
      onDelete: (x: ReplicaSet | Tombstone<ReplicaSet>) => {
        const rs = deletedObject(x);
        expectations.delete(keyOf(rs));
        ctx.enqueue(keyOf(rs));
      },
    });
    podInf.addEventHandler({
      onAdd(pod) {
        if (pod.metadata.deletionTimestamp) return podDeleted(pod);
        const rs = resolve(pod);
        if (rs) {
          expectations.creationObserved(keyOf(rs));
          ctx.enqueue(keyOf(rs));
        } else if (!controllerRef(pod)) enqueueMatching(pod);
      },
      onUpdate(old, pod) {
        if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        const labelsChanged = !semanticEqual(old.metadata.labels, pod.metadata.labels);
        if (pod.metadata.deletionTimestamp) {
          podDeleted(pod);
          if (labelsChanged) podDeleted(old);
          return;
        }
        const oldRef = controllerRef(old);
        const curRef = controllerRef(pod);
        if (oldRef && oldRef.uid !== curRef?.uid) {
          const prev = resolve(old);
          if (prev) ctx.enqueue(keyOf(prev));
        }
        const rs = resolve(pod);
        if (rs) {
          ctx.enqueue(keyOf(rs));
          const minReady = rs.spec?.minReadySeconds ?? 0;
          if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) ctx.enqueueAfter(keyOf(rs), minReady * 1000 + 1000);
          return;
        }
        if (!curRef && (labelsChanged || oldRef)) enqueueMatching(pod);
      },
      onDelete: (x) => podDeleted(deletedObject(x)),
    });

    return {
      name,
      workers: 5,
      reconcile: createReplicaSetReconciler({
        kind, client: ctx.client, rsLister: rsInf.lister, podLister: podInf.lister, expectations, recorder: ctx.recorder, clock: ctx.clock,
      }),
    };
  };
}

export const replicaSetController = replicaSetControllerFactory('replicaset', REPLICA_SET);
export const replicationControllerController = replicaSetControllerFactory('replicationcontroller', REPLICATION_CONTROLLER);
