// Deployment controller: drives ReplicaSets so the deployment's template runs at spec.replicas, with
// RollingUpdate (maxSurge/maxUnavailable) or Recreate, keeping history, pause and progress deadline.
//
//   deployment/rs/pod events ─► enqueue(deployment) ─► reconcile:
//     claim ReplicaSets ─► deleting? status only ─► paused or scaling event? scale proportionally
//     ─► RollingUpdate | Recreate ─► status (counts, Available, Progressing)
import { selectorFromSpec } from '../../api/selectors';
import { deletedObject, Resources, type Client, type Clock, type EventRecorder, type KubeObject, type Lister } from '../../client';
import { getCondition, setCondition } from '../common/conditions';
import { claimObjects, controllerRef, newControllerRef } from '../common/owners';
import type { Deployment, Pod, ReplicaSet } from '../common/types';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';
import { rolloutRecreate, rolloutRolling } from './strategies';
import { DeploymentSync } from './sync';
import { condition, hasProgressDeadline, isScalingEvent, PAUSED, RESUMED, TIMED_OUT } from './util';

export interface DeploymentReconcilerDeps {
  client: Client;
  deploymentLister: Lister<Deployment>;
  rsLister: Lister<ReplicaSet>;
  podLister: Lister<Pod>;
  recorder: EventRecorder;
  clock: Clock;
}

function selectsAll(d: Deployment): boolean {
  const s = d.spec.selector;
  return !!s && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

export function createDeploymentReconciler(deps: DeploymentReconcilerDeps): (req: Request, signal?: AbortSignal) => Promise<Result> {
  const deployments = deps.client.resource<Deployment>(Resources.deployments);
  const replicasets = deps.client.resource<ReplicaSet>(Resources.replicasets);

  async function checkPaused(s: DeploymentSync): Promise<void> {
    if (!hasProgressDeadline(s.d)) return;
    const cur = getCondition(s.d.status?.conditions, 'Progressing');
    if (cur?.reason === TIMED_OUT) return;
    const pausedCond = cur?.reason === PAUSED;
    let c;
    if (s.d.spec.paused && !pausedCond) c = condition('Progressing', 'Unknown', PAUSED, 'Deployment is paused', s.now);
    else if (!s.d.spec.paused && pausedCond) c = condition('Progressing', 'Unknown', RESUMED, 'Deployment is resumed', s.now);
    if (c) await s.writeStatus({ ...s.d.status, conditions: setCondition(s.d.status?.conditions, c) });
  }

  return async function reconcile(req) {
    const cached = deps.deploymentLister.get(req.namespace, req.name);
    if (!cached) return {};
    const d = structuredClone(cached);
    if (selectsAll(d)) {
      deps.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await deployments.updateStatus(req.namespace, { ...d, status: { ...d.status, observedGeneration: d.metadata.generation } });
      }
      return {};
    }
    const selector = selectorFromSpec(d.spec.selector);
    const sets = await claimObjects<ReplicaSet>(deps.rsLister.list(req.namespace), {
      owner: d, ownerRef: newControllerRef(d, 'apps/v1', 'Deployment'), client: replicasets,
      matches: (rs) => selector.matches(rs.metadata.labels),
      canAdopt: async () => {
        const fresh = await deployments.get(req.namespace, req.name);
        return fresh.metadata.uid === d.metadata.uid && !fresh.metadata.deletionTimestamp;
      },
    });
    const pods = deps.podLister.list(req.namespace).filter((p) => selector.matches(p.metadata.labels));
    const s = new DeploymentSync({ client: deps.client, deployments, replicasets, recorder: deps.recorder, clock: deps.clock }, d, sets, pods);

    if (d.metadata.deletionTimestamp) {
      const { newRS, olds } = s.split();
      await s.syncStatus(newRS, olds);
      return {};
    }
    await checkPaused(s);
    const probe = s.split();
    if (s.d.spec.paused || isScalingEvent(s.d, [...probe.olds, probe.newRS])) {
      const newRS = await s.newReplicaSet(false);
      await s.scaleForEvent(newRS, s.split().olds);
      const after = s.split();
      if (s.d.spec.paused) await s.cleanup(after.olds);
      await s.syncStatus(after.newRS, after.olds);
      return {};
    }
    if (s.d.spec.strategy?.type === 'Recreate') await rolloutRecreate(s);
    else await rolloutRolling(s);
    return s.requeueAfterMs !== undefined ? { requeueAfterMs: s.requeueAfterMs } : {};
  };
}

export const deploymentController: ControllerFactory = (ctx: ControllerContext) => {
  const dInf = ctx.informers.informerFor<Deployment>(Resources.deployments);
  const rsInf = ctx.informers.informerFor<ReplicaSet>(Resources.replicasets);
  const podInf = ctx.informers.informerFor<Pod>(Resources.pods);
  const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

  const ownerOf = (rs: ReplicaSet): Deployment | undefined => {
    const ref = controllerRef(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = dInf.lister.get(rs.metadata.namespace, ref.name);
    return d?.metadata.uid === ref.uid ? d : undefined;
  };
  const onRS = (rs: ReplicaSet, old?: ReplicaSet): void => {
    const d = ownerOf(rs);
    if (old && controllerRef(old)?.uid !== controllerRef(rs)?.uid) {
      const prev = ownerOf(old);
      if (prev) ctx.enqueue(keyOf(prev));
    }
    if (d) return ctx.enqueue(keyOf(d));
    if (controllerRef(rs)) return;
    for (const cand of dInf.lister.list(rs.metadata.namespace)) {
      if (selectorFromSpec(cand.spec.selector).matches(rs.metadata.labels)) ctx.enqueue(keyOf(cand));
    }
  };
  const onPod = (p: Pod): void => {
    const ref = controllerRef(p);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = rsInf.lister.get(p.metadata.namespace, ref.name);
    const d = rs && ownerOf(rs);
    if (d) ctx.enqueue(keyOf(d));
  };

  dInf.addEventHandler({
    onAdd: (d) => ctx.enqueue(keyOf(d)),
    onUpdate: (_o, d) => ctx.enqueue(keyOf(d)),
    onDelete: (x) => ctx.enqueue(keyOf(deletedObject(x))),
  });
  rsInf.addEventHandler({
    onAdd: (rs) => onRS(rs),
    onUpdate: (old, rs) => onRS(rs, old),
    onDelete: (x) => onRS(deletedObject(x)),
  });
  podInf.addEventHandler({
    onAdd: onPod,
    onUpdate: (_o, p) => onPod(p),
    onDelete: (x) => onPod(deletedObject(x)),
  });
  return {
    name: 'deployment',
    workers: 5,
    reconcile: createDeploymentReconciler({ client: ctx.client, deploymentLister: dInf.lister, rsLister: rsInf.lister, podLister: podInf.lister, recorder: ctx.recorder, clock: ctx.clock }),
  };
};
