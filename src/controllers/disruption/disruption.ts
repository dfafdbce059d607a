// Disruption controller: keeps each PodDisruptionBudget's status — expected, current and desired healthy
// pods and disruptionsAllowed, with the DisruptionAllowed condition — from the pods it selects and the
// scale of their controllers (Deployment via its ReplicaSet, ReplicaSet, ReplicationController, StatefulSet).
import { selectorFromSpec } from '../../api/selectors';
import { deletedObject, Resources, type Client, type Clock, type EventRecorder, type KubeObject, type Lister } from '../../client';
import { rfc3339, setCondition } from '../common/conditions';
import { semanticEqual } from '../common/equal';
import { controllerRef } from '../common/owners';
import { isPodReady } from '../common/pods';
import type { Condition, Deployment, LabelSelectorSpec, Pod, ReplicaSet } from '../common/types';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';

export interface PodDisruptionBudget extends KubeObject {
  metadata: NonNullable<KubeObject['metadata']>;
  spec?: { selector?: LabelSelectorSpec; minAvailable?: number | string; maxUnavailable?: number | string };
  status?: {
    observedGeneration?: number; disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; expectedPods?: number;
    disruptedPods?: Record<string, string>; conditions?: Condition[];
  };
}

type Scaled = KubeObject & { spec?: { replicas?: number } };

export interface DisruptionDeps {
  client: Client;
  pdbs: Lister<PodDisruptionBudget>;
  pods: Lister<Pod>;
  replicasets: Lister<ReplicaSet>;
  deployments: Lister<Deployment>;
  rcs: Lister<Scaled>;
  statefulsets: Lister<Scaled>;
  recorder: EventRecorder;
  clock: Clock;
}

const pct = (v: number | string | undefined): number | undefined => (typeof v === 'string' && /^\d+%$/.test(v) ? Number(v.slice(0, -1)) : undefined);
const int = (v: number | string | undefined): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

/** Pure: expected/desired healthy from the spec, the selected pods and their controllers' total scale. */
export function budget(pdb: PodDisruptionBudget, pods: number, scale: () => number): { expected: number; desired: number } {
  const { minAvailable, maxUnavailable } = pdb.spec ?? {};
  if (maxUnavailable !== undefined) {
    const expected = scale();
    const p = pct(maxUnavailable);
    const max = p !== undefined ? Math.ceil((p * expected) / 100) : int(maxUnavailable) ?? 0;
    return { expected, desired: Math.max(0, expected - max) };
  }
  const p = pct(minAvailable);
  if (p !== undefined) {
    const expected = scale();
    return { expected, desired: Math.ceil((p * expected) / 100) };
  }
  return { expected: pods, desired: int(minAvailable) ?? 0 };
}

export function createDisruptionReconciler(d: DisruptionDeps): (req: Request) => Promise<Result> {
  const api = d.client.resource<PodDisruptionBudget>(Resources.poddisruptionbudgets);
  const scaleOf = (ns: string, ref: { kind: string; name: string; uid: string }): number => {
    const get = <T extends Scaled>(l: Lister<T>): T | undefined => {
      const o = l.get(ns, ref.name);
      return o?.metadata?.uid === ref.uid ? o : undefined;
    };
    switch (ref.kind) {
      case 'ReplicaSet': {
        const rs = get(d.replicasets);
        if (!rs) throw new Error(`ReplicaSet ${ns}/${ref.name} not found`);
        const owner = controllerRef(rs);
        const dep = owner?.kind === 'Deployment' ? d.deployments.get(ns, owner.name) : undefined;
        return dep && dep.metadata.uid === owner?.uid ? dep.spec.replicas ?? 1 : rs.spec?.replicas ?? 1;
      }
      case 'ReplicationController':
      case 'StatefulSet': {
        const o = get(ref.kind === 'StatefulSet' ? d.statefulsets : d.rcs);
        if (!o) throw new Error(`${ref.kind} ${ns}/${ref.name} not found`);
        return o.spec?.replicas ?? 1;
      }
      default:
        throw new Error(`pods controlled by a ${ref.kind} have no scale the disruption budget can use`);
    }
  };

  return async function reconcile(req) {
    const cached = d.pdbs.get(req.namespace, req.name);
    if (!cached) return {};
    const pdb = structuredClone(cached);
    const now = d.clock.now();
    const sel = selectorFromSpec(pdb.spec?.selector);
    const pods = d.pods.list(req.namespace).filter((p) => sel.matches(p.metadata.labels));
    const healthy = pods.filter((p) => !p.metadata.deletionTimestamp && isPodReady(p)).length;
    let status: NonNullable<PodDisruptionBudget['status']>;
    try {
      const { expected, desired } = budget(pdb, pods.length, () => {
        const seen = new Map<string, number>();
        for (const p of pods) {
          const ref = controllerRef(p);
          if (!ref) throw new Error(`found no controller for pod "${p.metadata.name ?? ''}"`);
          if (!seen.has(ref.uid)) seen.set(ref.uid, scaleOf(req.namespace, ref));
        }
        return [...seen.values()].reduce((a, b) => a + b, 0);
      });
      const allowed = expected > 0 ? Math.max(0, healthy - desired) : 0;
      const c: Condition = allowed > 0
        ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', lastTransitionTime: rfc3339(now) }
        : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', lastTransitionTime: rfc3339(now) };
      status = { ...pdb.status, observedGeneration: pdb.metadata.generation, disruptionsAllowed: allowed, currentHealthy: healthy, desiredHealthy: desired, expectedPods: expected, conditions: setCondition(pdb.status?.conditions, c) };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      d.recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${msg}`);
      status = {
        ...pdb.status, observedGeneration: pdb.metadata.generation, disruptionsAllowed: 0, currentHealthy: healthy,
        conditions: setCondition(pdb.status?.conditions, { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: msg, lastTransitionTime: rfc3339(now) }),
      };
    }
    status.disruptedPods ??= {};
    if (!semanticEqual(status, pdb.status)) await api.updateStatus(req.namespace, { ...pdb, status });
    return {};
  };
}

export const disruptionController: ControllerFactory = (ctx: ControllerContext) => {
  const pdbInf = ctx.informers.informerFor<PodDisruptionBudget>(Resources.poddisruptionbudgets);
  const podInf = ctx.informers.informerFor<Pod>(Resources.pods);
  const rsInf = ctx.informers.informerFor<ReplicaSet>(Resources.replicasets);
  const depInf = ctx.informers.informerFor<Deployment>(Resources.deployments);
  const rcInf = ctx.informers.informerFor<Scaled>(Resources.replicationcontrollers);
  const stsInf = ctx.informers.informerFor<Scaled>(Resources.statefulsets);
  const key = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  pdbInf.addEventHandler({ onAdd: (p) => ctx.enqueue(key(p)), onUpdate: (_o, p) => ctx.enqueue(key(p)) });
  const forPods = (...pods: Pod[]): void => {
    for (const pdb of pdbInf.lister.list(pods[0]?.metadata.namespace)) {
      const sel = selectorFromSpec(pdb.spec?.selector);
      if (pods.some((p) => sel.matches(p.metadata.labels))) ctx.enqueue(key(pdb));
    }
  };
  podInf.addEventHandler({ onAdd: (p) => forPods(p), onUpdate: (o, p) => forPods(o, p), onDelete: (x) => forPods(deletedObject(x)) });
  const forNamespace = (o: KubeObject): void => {
    for (const pdb of pdbInf.lister.list(o.metadata?.namespace)) ctx.enqueue(key(pdb));
  };
  for (const inf of [rsInf, depInf, rcInf, stsInf] as Array<{ addEventHandler: (h: { onUpdate: (a: KubeObject, b: KubeObject) => void }) => void }>) {
    inf.addEventHandler({ onUpdate: (_o, x) => forNamespace(x) });
  }
  return {
    name: 'disruption', workers: 2,
    reconcile: createDisruptionReconciler({
      client: ctx.client, pdbs: pdbInf.lister, pods: podInf.lister, replicasets: rsInf.lister, deployments: depInf.lister, rcs: rcInf.lister, statefulsets: stsInf.lister,
      recorder: ctx.recorder, clock: ctx.clock,
    }),
  };
};
