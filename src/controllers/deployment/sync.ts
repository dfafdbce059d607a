// One deployment sync: the working state (a private copy of the deployment and its ReplicaSets) and the
// operations every strategy shares — find/create the new ReplicaSet, scale, status, history cleanup.
import { isAlreadyExists, isNotFound, type Client, type Clock, type EventRecorder, type ResourceClient } from '../../client';
import { getCondition, removeCondition, setCondition } from '../common/conditions';
import { semanticEqual } from '../common/equal';
import { controllerRef, newControllerRef } from '../common/owners';
import { isPodActive, isPodAvailable } from '../common/pods';
import type { Deployment, DeploymentStatus, Pod, ReplicaSet } from '../common/types';
import { computeHash } from './hash';
import {
  activeSets, byCreation, calculateStatus, condition, deploymentComplete, deploymentProgressing, deploymentTimedOut, equalIgnoreHash,
  FAILED_RS_CREATE, findActiveOrLatest, findNewReplicaSet, FOUND_NEW_RS, HASH_LABEL, hasProgressDeadline, isRollingUpdate, isSaturated,
  maxRevision, maxSurge, NEW_RS_AVAILABLE, NEW_RS_CREATED, newRSNewReplicas, proportion, replicasOf, REVISION, revisionOf, RS_UPDATED,
  rsReplicas, setNewReplicaSetAnnotations, setReplicasAnnotations, sumReplicas, TIMED_OUT,
} from './util';

export interface SyncDeps {
  client: Client;
  deployments: ResourceClient<Deployment>;
  replicasets: ResourceClient<ReplicaSet>;
  recorder: EventRecorder;
  clock: Clock;
}

const errMsg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class DeploymentSync {
  /** Every ReplicaSet the deployment controls (private copies, replaced as writes return). */
  sets: ReplicaSet[];
  /** Seconds until a progress-deadline check is due, if one is. */
  requeueAfterMs?: number;

  constructor(readonly deps: SyncDeps, public d: Deployment, sets: ReplicaSet[], readonly pods: Pod[]) {
    this.sets = sets.map((s) => structuredClone(s));
  }

  get now(): number {
    return this.deps.clock.now();
  }

  private replace(rs: ReplicaSet): ReplicaSet {
    const i = this.sets.findIndex((s) => s.metadata.uid === rs.metadata.uid);
    if (i >= 0) this.sets[i] = rs;
    else this.sets.push(rs);
    return rs;
  }

  /** The new ReplicaSet (template equal to the deployment's) and all the others. */
  split(): { newRS?: ReplicaSet; olds: ReplicaSet[] } {
    const newRS = findNewReplicaSet(this.d, this.sets);
    return { newRS, olds: this.sets.filter((s) => s !== newRS) };
  }

  /** Active pods of this deployment's ReplicaSets (what the cluster runs, whatever the specs say). */
  ownedPods(): Pod[] {
    const uids = new Set(this.sets.map((s) => s.metadata.uid));
    return this.pods.filter((p) => isPodActive(p) && uids.has(controllerRef(p)?.uid));
  }

  availablePods(): number {
    const min = this.d.spec.minReadySeconds ?? 0;
    return this.ownedPods().filter((p) => isPodAvailable(p, min, this.now)).length;
  }

  async writeStatus(status: DeploymentStatus): Promise<void> {
    if (semanticEqual(this.d.status, status)) return;
    this.d = await this.deps.deployments.updateStatus(this.d.metadata.namespace, { ...this.d, status });
  }

  private async setRevision(revision: string): Promise<void> {
    if (this.d.metadata.annotations?.[REVISION] === revision) return;
    // Through the status subresource, as upstream's controller does, so the revision annotation does not move
    // metadata.generation (a user-visible `generation` would otherwise jump on every rollout).
    this.d = await this.deps.deployments.patch(this.d.metadata.namespace, this.d.metadata.name ?? '', 'merge', {
      metadata: { annotations: { [REVISION]: revision }, resourceVersion: this.d.metadata.resourceVersion },
    }, { subresource: 'status' });
  }

  /** Upstream getNewReplicaSet: syncs the existing new set's annotations, or creates it when asked. */
  async newReplicaSet(create: boolean): Promise<ReplicaSet | undefined> {
    const { newRS: existing, olds } = this.split();
    const newRevision = maxRevision(olds) + 1;
    const d = this.d;
    if (existing) {
      let rs = structuredClone(existing);
      const annotations = setNewReplicaSetAnnotations(d, rs, newRevision, true);
      const minReady = (rs.spec?.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (annotations || minReady) {
        rs.spec = { ...rs.spec, minReadySeconds: d.spec.minReadySeconds ?? 0 };
        rs = this.replace(await this.deps.replicasets.update(rs.metadata.namespace, rs));
      }
      await this.setRevision(rs.metadata.annotations?.[REVISION] ?? String(revisionOf(rs)));
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status?.conditions, 'Progressing')) {
        const c = condition('Progressing', 'True', FOUND_NEW_RS, `Found new replica set "${rs.metadata.name ?? ''}"`, this.now);
        await this.writeStatus({ ...this.d.status, conditions: setCondition(this.d.status?.conditions, c) });
      }
      return rs;
    }
    if (!create) return undefined;
    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    const template = structuredClone(d.spec.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [HASH_LABEL]: hash };
    const name = `${d.metadata.name ?? ''}-${hash}`;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name, namespace: d.metadata.namespace, labels: { ...template.metadata.labels }, ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')] },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    rs.spec!.replicas = newRSNewReplicas(d, [...olds, rs], rs, this.ownedPods().length);
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.deps.replicasets.create(d.metadata.namespace, rs);
    } catch (e) {
      if (isAlreadyExists(e)) {
        const found = await this.deps.replicasets.get(d.metadata.namespace, name);
        if (controllerRef(found)?.uid === d.metadata.uid && equalIgnoreHash(found.spec?.template, d.spec.template)) {
          created = found;
          alreadyExists = true;
        } else {
          // A hash collision: bump collisionCount so the next sync computes another name.
          await this.writeStatus({ ...this.d.status, collisionCount: (this.d.status?.collisionCount ?? 0) + 1 });
          throw new Error(`found a hash collision for deployment "${d.metadata.name ?? ''}" - bumping collisionCount`);
        }
      } else {
        const msg = `Failed to create new replica set "${name}": ${errMsg(e)}`;
        if (hasProgressDeadline(d)) {
          const c = condition('Progressing', 'False', FAILED_RS_CREATE, msg, this.now);
          await this.writeStatus({ ...this.d.status, conditions: setCondition(this.d.status?.conditions, c) });
        }
        this.deps.recorder.event(d, 'Warning', FAILED_RS_CREATE, msg);
        throw e;
      }
    }
    this.replace(created);
    if (!alreadyExists && rsReplicas(rs) > 0) {
      this.deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} from 0 to ${rsReplicas(rs)}`);
    }
    await this.setRevision(String(newRevision));
    if (!alreadyExists && hasProgressDeadline(this.d)) {
      const c = condition('Progressing', 'True', NEW_RS_CREATED, `Created new replica set "${name}"`, this.now);
      await this.writeStatus({ ...this.d.status, conditions: setCondition(this.d.status?.conditions, c) });
    }
    return created;
  }

  /** Upstream scaleReplicaSet: size and the desired/max annotations; returns the new copy. */
  async scale(rs: ReplicaSet, to: number, op?: 'up' | 'down'): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const from = rsReplicas(rs);
    const copy = structuredClone(rs);
    const annotations = setReplicasAnnotations(copy, replicasOf(this.d), replicasOf(this.d) + maxSurge(this.d));
    if (from === to && !annotations) return { scaled: false, rs };
    copy.spec = { ...copy.spec, replicas: to };
    const updated = this.replace(await this.deps.replicasets.update(copy.metadata.namespace, copy));
    if (from !== to) {
      const verb = op ?? (from < to ? 'up' : 'down');
      this.deps.recorder.event(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${verb} replica set ${rs.metadata.name ?? ''} from ${from} to ${to}`);
    }
    return { scaled: from !== to, rs: updated };
  }

  /** Upstream scale(): a scaling event (replicas changed) resized proportionally across active sets. */
  async scaleForEvent(newRS: ReplicaSet | undefined, olds: ReplicaSet[]): Promise<void> {
    const d = this.d;
    const single = findActiveOrLatest(newRS, olds);
    if (single) {
      if (rsReplicas(single) !== replicasOf(d)) await this.scale(single, replicasOf(d));
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeSets(olds)) await this.scale(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = activeSets([...olds, newRS]);
    const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
    const toAdd = allowed - sumReplicas(all);
    const created = (rs: ReplicaSet): number => Date.parse(rs.metadata.creationTimestamp ?? '') || 0;
    // Up: larger (then newer) first; down: larger (then older) first.
    all.sort((a, b) => rsReplicas(b) - rsReplicas(a) || (toAdd > 0 ? created(b) - created(a) : created(a) - created(b)));
    const sizes = new Map<ReplicaSet, number>();
    let added = 0;
    for (const rs of all) {
      const p = toAdd !== 0 ? proportion(rs, d, toAdd, added) : 0;
      sizes.set(rs, rsReplicas(rs) + p);
      added += p;
    }
    if (toAdd !== 0 && all[0]) sizes.set(all[0], Math.max(0, (sizes.get(all[0]) ?? 0) + toAdd - added));
    for (const rs of all) await this.scale(rs, sizes.get(rs) ?? rsReplicas(rs), toAdd > 0 ? 'up' : 'down');
  }

  /** Upstream cleanupDeployment: delete old, empty, settled sets beyond revisionHistoryLimit. */
  async cleanup(olds: ReplicaSet[]): Promise<void> {
    const limit = this.d.spec.revisionHistoryLimit;
    if (limit === undefined || limit === 2147483647) return;
    const alive = olds.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = alive.length - limit;
    if (diff <= 0) return;
    alive.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of alive.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.deps.replicasets.delete(rs.metadata.namespace, rs.metadata.name ?? '', { preconditions: { uid: rs.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }

  /** Upstream syncDeploymentStatus. */
  async syncStatus(newRS: ReplicaSet | undefined, olds: ReplicaSet[]): Promise<void> {
    await this.writeStatus(calculateStatus([...olds, newRS], newRS, this.d, this.now));
  }

  /** Upstream syncRolloutStatus: counts plus Progressing (and ReplicaFailure) conditions. */
  async syncRolloutStatus(newRS: ReplicaSet | undefined, olds: ReplicaSet[]): Promise<void> {
    const d = this.d;
    const all = [...olds, newRS];
    const status = calculateStatus(all, newRS, d, this.now);
    if (!hasProgressDeadline(d)) status.conditions = removeCondition(status.conditions, 'Progressing');
    const cur = getCondition(status.conditions, 'Progressing');
    const complete = status.replicas === status.updatedReplicas && cur?.reason === NEW_RS_AVAILABLE;
    const rsName = newRS?.metadata.name ?? '';
    if (hasProgressDeadline(d) && !complete) {
      if (deploymentComplete(d, status)) {
        const msg = newRS ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata.name ?? ''}" has successfully progressed.`;
        status.conditions = setCondition(status.conditions, condition('Progressing', 'True', NEW_RS_AVAILABLE, msg, this.now));
      } else if (deploymentProgressing(d, status)) {
        const msg = newRS ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata.name ?? ''}" is progressing.`;
        const c = condition('Progressing', 'True', RS_UPDATED, msg, this.now);
        if (cur?.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
        status.conditions = [...removeCondition(status.conditions, 'Progressing'), c];
      } else if (deploymentTimedOut(d, status, this.now)) {
        const msg = newRS ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata.name ?? ''}" has timed out progressing.`;
        status.conditions = setCondition(status.conditions, condition('Progressing', 'False', TIMED_OUT, msg, this.now));
      }
    }
    const failure = all.map((rs) => getCondition(rs?.status?.conditions, 'ReplicaFailure')).find((c) => c?.status === 'True');
    if (failure) status.conditions = setCondition(status.conditions, { ...failure, lastUpdateTime: failure.lastTransitionTime });
    else status.conditions = removeCondition(status.conditions, 'ReplicaFailure');
    await this.writeStatus(status);
    this.requeueStuck(status);
  }

  /** Upstream requeueStuckDeployment: check the progress deadline when it will have passed. */
  private requeueStuck(status: DeploymentStatus): void {
    const c = getCondition(status.conditions, 'Progressing');
    if (!hasProgressDeadline(this.d) || !c || c.status !== 'True' || c.reason === NEW_RS_AVAILABLE) return;
    const from = Date.parse(c.lastUpdateTime ?? '');
    if (Number.isNaN(from)) return;
    this.requeueAfterMs = Math.max(1000, from + (this.d.spec.progressDeadlineSeconds ?? 0) * 1000 - this.now + 1000);
  }
}
