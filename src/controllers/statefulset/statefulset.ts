// StatefulSet controller: pods `<set>-<ordinal>` with stable identity (hostname, subdomain = serviceName,
// pod-name/pod-index labels) and PVCs `<claim>-<pod>` from volumeClaimTemplates. OrderedReady creates
// ordinals in order, each after the previous is Running and Ready, and removes them in reverse; Parallel
// does all at once. RollingUpdate replaces pods from the highest ordinal down to `partition`, one at a
// time (or up to rollingUpdate.maxUnavailable at a time), each after the rest are ready; spec.ordinals.start
// shifts the ordinals; persistentVolumeClaimRetentionPolicy (claims.ts) is carried by PVC ownerReferences. Revisions are ControllerRevisions; status current/updateRevision
// converge when the rollout is done (what `kubectl rollout status` waits for).
import { selectorFromSpec } from '../../api/selectors';
import { deletedObject, isAlreadyExists, isNotFound, Resources, type Client, type Clock, type EventRecorder, type KubeObject, type Lister } from '../../client';
import { semanticEqual } from '../common/equal';
import { claimObjects, controllerRef, newControllerRef } from '../common/owners';
import { isPodAvailable, isPodReady } from '../common/pods';
import type { LabelSelectorSpec, Pod, PodTemplateSpec } from '../common/types';
import type { ControllerRevision } from '../daemonset/daemonset';
import { computeHash } from '../deployment/hash';
import { scaledValue } from '../deployment/util';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';
import { claimOwnerRefs, type RetentionPolicy } from './claims';

export const REVISION_HASH = 'controller-revision-hash';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export interface StatefulSet extends KubeObject {
  metadata: NonNullable<KubeObject['metadata']>;
  spec?: {
    replicas?: number;
    selector?: LabelSelectorSpec;
    template?: PodTemplateSpec;
    serviceName?: string;
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
    persistentVolumeClaimRetentionPolicy?: RetentionPolicy;
    volumeClaimTemplates?: KubeObject[];
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    ordinals?: { start?: number };
  };
  status?: {
    observedGeneration?: number; replicas?: number; readyReplicas?: number; currentReplicas?: number; updatedReplicas?: number;
    availableReplicas?: number; currentRevision?: string; updateRevision?: string; collisionCount?: number;
  };
}

export interface StatefulSetReconcilerDeps {
  client: Client;
  sets: Lister<StatefulSet>;
  pods: Lister<Pod>;
  revisions: Lister<ControllerRevision>;
  pvcs: Lister<KubeObject>;
  recorder: EventRecorder;
  clock: Clock;
}

/** `<set>-<ordinal>` → ordinal, or undefined when the name is not one of the set's. */
export function ordinalOf(set: string, pod: string): number | undefined {
  const m = new RegExp(`^${set.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(pod);
  return m ? Number(m[1]) : undefined;
}

const templateOf = (r: ControllerRevision | undefined): PodTemplateSpec | undefined => {
  const t = (r?.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined)?.spec?.template;
  if (!t) return undefined;
  const { $patch: _drop, ...rest } = t;
  return rest;
};

export function createStatefulSetReconciler(d: StatefulSetReconcilerDeps): (req: Request) => Promise<Result> {
  const stsApi = d.client.resource<StatefulSet>(Resources.statefulsets);
  const podsApi = d.client.resource<Pod>(Resources.pods);
  const crApi = d.client.resource<ControllerRevision>(Resources.controllerrevisions);
  const pvcApi = d.client.resource(Resources.persistentvolumeclaims);
  const ignore = (e: unknown): void => {
    if (!isNotFound(e)) throw e;
  };

  async function revisionFor(sts: StatefulSet): Promise<{ name: string; mine: ControllerRevision[] }> {
    const hash = computeHash(sts.spec?.template, sts.status?.collisionCount);
    const name = `${sts.metadata.name ?? ''}-${hash}`;
    const mine = d.revisions.list(sts.metadata.namespace).filter((r) => controllerRef(r)?.uid === sts.metadata.uid);
    const max = mine.reduce((m, r) => Math.max(m, r.revision), 0);
    const cur = mine.find((r) => r.metadata.name === name);
    if (!cur) {
      const cr: ControllerRevision = {
        apiVersion: 'apps/v1', kind: 'ControllerRevision', revision: max + 1,
        metadata: { name, namespace: sts.metadata.namespace, labels: { ...sts.spec?.template?.metadata?.labels, [REVISION_HASH]: name }, ownerReferences: [newControllerRef(sts, 'apps/v1', 'StatefulSet')] },
        data: { spec: { template: { ...structuredClone(sts.spec?.template ?? {}), $patch: 'replace' } } },
      };
      const created = await crApi.create(sts.metadata.namespace, cr).catch(async (e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
        return crApi.get(sts.metadata.namespace, name);
      });
      mine.push(created);
    } else if (cur.revision < max) {
      await crApi.update(sts.metadata.namespace, { ...structuredClone(cur), revision: max + 1 });
    }
    return { name, mine };
  }

  function newPod(sts: StatefulSet, ordinal: number, revision: string, template: PodTemplateSpec | undefined): Pod {
    const name = `${sts.metadata.name ?? ''}-${ordinal}`;
    const t = template ?? {};
    const spec = structuredClone(t.spec ?? {}) as NonNullable<Pod['spec']> & { volumes?: Array<Record<string, unknown>> };
    spec.hostname = name;
    if (sts.spec?.serviceName) spec.subdomain = sts.spec.serviceName;
    for (const c of sts.spec?.volumeClaimTemplates ?? []) {
      const claim = c.metadata?.name ?? '';
      spec.volumes = [...(spec.volumes ?? []).filter((v) => v.name !== claim), { name: claim, persistentVolumeClaim: { claimName: `${claim}-${name}` } }];
    }
    return {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name, namespace: sts.metadata.namespace,
        labels: { ...t.metadata?.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_HASH]: revision },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        ownerReferences: [newControllerRef(sts, 'apps/v1', 'StatefulSet')],
      },
      spec,
    };
  }

  async function ensureClaims(sts: StatefulSet, pod: string): Promise<void> {
    for (const c of sts.spec?.volumeClaimTemplates ?? []) {
      const name = `${c.metadata?.name ?? ''}-${pod}`;
      if (d.pvcs.get(sts.metadata.namespace, name)) continue;
      const body = { ...structuredClone(c), apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { ...structuredClone(c.metadata ?? {}), name, namespace: sts.metadata.namespace, labels: { ...c.metadata?.labels, ...sts.spec?.selector?.matchLabels } } } as KubeObject;
      delete (body as { status?: unknown }).status;
      const refs = claimOwnerRefs(body, sts, undefined, false, sts.spec?.persistentVolumeClaimRetentionPolicy);
      if (refs) body.metadata = { ...body.metadata, ownerReferences: refs };
      await pvcApi.create(sts.metadata.namespace, body).catch((e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      });
    }
  }

  async function syncClaimOwners(sts: StatefulSet, pods: Pod[], start: number, replicas: number): Promise<void> {
    const policy = sts.spec?.persistentVolumeClaimRetentionPolicy;
    for (const p of pods) {
      const o = ordinalOf(sts.metadata.name ?? '', p.metadata.name ?? '')!;
      const condemned = o < start || o >= start + replicas;
      for (const c of sts.spec?.volumeClaimTemplates ?? []) {
        const claim = d.pvcs.get(sts.metadata.namespace, `${c.metadata?.name ?? ''}-${p.metadata.name ?? ''}`);
        if (!claim) continue;
        const refs = claimOwnerRefs(claim, sts, p, condemned, policy);
        if (!refs) continue;
        // A PUT carrying the cached resourceVersion: a stale view gets a 409 and the key is retried.
        await pvcApi.update(sts.metadata.namespace, { ...structuredClone(claim), metadata: { ...structuredClone(claim.metadata), ownerReferences: refs } }).catch(ignore);
      }
    }
  }

  return async function reconcile(req) {
    const cached = d.sets.get(req.namespace, req.name);
    if (!cached) return {};
    const sts = structuredClone(cached);
    const now = d.clock.now();
    const selector = selectorFromSpec(sts.spec?.selector);
    const claimed = await claimObjects<Pod>(d.pods.list(req.namespace), {
      owner: sts, ownerRef: newControllerRef(sts, 'apps/v1', 'StatefulSet'), client: podsApi,
      matches: (p) => selector.matches(p.metadata.labels) && ordinalOf(sts.metadata.name ?? '', p.metadata.name ?? '') !== undefined,
      canAdopt: async () => (await stsApi.get(req.namespace, req.name)).metadata?.uid === sts.metadata.uid,
    });
    if (sts.metadata.deletionTimestamp) return {};
    const { name: updateRevision, mine } = await revisionFor(sts);
    const currentRevision = sts.status?.currentRevision && mine.some((r) => r.metadata.name === sts.status?.currentRevision) ? sts.status.currentRevision : updateRevision;
    const minReady = sts.spec?.minReadySeconds ?? 0;
    const replicas = sts.spec?.replicas ?? 1;
    const start = sts.spec?.ordinals?.start ?? 0;
    const parallel = sts.spec?.podManagementPolicy === 'Parallel';
    const partition = sts.spec?.updateStrategy?.type === 'OnDelete' ? Infinity : sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    const byOrdinal = new Map<number, Pod>();
    for (const p of claimed) byOrdinal.set(ordinalOf(sts.metadata.name ?? '', p.metadata.name ?? '')!, p);
    const healthy = (p: Pod | undefined): boolean => !!p && !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && isPodReady(p);
    const revOf = (p: Pod): string | undefined => p.metadata.labels?.[REVISION_HASH];
    const currentTemplate = templateOf(mine.find((r) => r.metadata.name === currentRevision)) ?? sts.spec?.template;

    let blocked = false;
    // Create / replace pods for ordinals in range, in order.
    for (let o = start; o < start + replicas; o++) {
      const p = byOrdinal.get(o);
      if (p && p.status?.phase === 'Failed' && !p.metadata.deletionTimestamp) {
        await podsApi.delete(req.namespace, p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } }).catch(ignore);
        d.recorder.event(sts, 'Warning', 'RecreatingFailedPod', `StatefulSet ${req.namespace}/${req.name} is recreating failed Pod ${p.metadata.name ?? ''}`);
        if (!parallel) {
          blocked = true;
          break;
        }
        continue;
      }
      if (!p) {
        const useCurrent = o - start < partition && currentRevision !== updateRevision;
        const pod = newPod(sts, o, useCurrent ? currentRevision : updateRevision, useCurrent ? currentTemplate : sts.spec?.template);
        await ensureClaims(sts, pod.metadata.name ?? '');
        await podsApi.create(req.namespace, pod).then(
          () => d.recorder.event(sts, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name ?? ''} in StatefulSet ${req.name} successful`),
          (e: unknown) => {
            if (!isAlreadyExists(e)) throw e;
          },
        );
        if (!parallel) {
          blocked = true;
          break;
        }
        continue;
      }
      if (!parallel && !healthy(p)) {
        blocked = true;
        break;
      }
    }
    // Retention policy: claims' ownerReferences follow the set and, for condemned pods, the pod (before it goes).
    await syncClaimOwners(sts, claimed, start, replicas);
    // Scale down: highest ordinal first, one at a time unless Parallel.
    const extra = [...byOrdinal.entries()].filter(([o]) => o < start || o >= start + replicas).sort(([a], [b]) => b - a);
    if (!blocked) {
      for (const [, p] of extra) {
        if (p.metadata.deletionTimestamp) {
          if (!parallel) break;
          continue;
        }
        await podsApi.delete(req.namespace, p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } }).catch(ignore);
        d.recorder.event(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata.name ?? ''} in StatefulSet ${req.name} successful`);
        if (!parallel) {
          blocked = true;
          break;
        }
      }
    }
    // Rolling update (upstream with MaxUnavailableStatefulSet): while fewer than maxUnavailable pods in range are
    // unhealthy, delete stale pods from the highest ordinal down to the partition, up to the difference.
    if (!blocked && extra.length === 0 && partition !== Infinity) {
      const maxUnavailable = Math.max(1, scaledValue(sts.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, replicas, true, '1'));
      let unavailable = 0;
      for (let o = start; o < start + replicas; o++) if (!healthy(byOrdinal.get(o)) || !isPodAvailable(byOrdinal.get(o)!, minReady, now)) unavailable++;
      let budget = maxUnavailable - unavailable;
      for (let o = start + replicas - 1; o - start >= partition && budget > 0; o--) {
        const p = byOrdinal.get(o);
        if (!p || p.metadata.deletionTimestamp || revOf(p) === updateRevision) continue;
        await podsApi.delete(req.namespace, p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } }).catch(ignore);
        d.recorder.event(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata.name ?? ''} in StatefulSet ${req.name} successful`);
        budget--;
      }
    }

    const live = claimed.filter((p) => !p.metadata.deletionTimestamp);
    const status: NonNullable<StatefulSet['status']> = {
      ...sts.status,
      observedGeneration: sts.metadata.generation,
      replicas: live.length,
      readyReplicas: live.filter(isPodReady).length,
      availableReplicas: live.filter((p) => isPodAvailable(p, minReady, now)).length,
      currentReplicas: live.filter((p) => revOf(p) === currentRevision).length,
      updatedReplicas: live.filter((p) => revOf(p) === updateRevision).length,
      currentRevision, updateRevision,
    };
    if (status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
      status.currentRevision = updateRevision;
      status.currentReplicas = status.updatedReplicas;
    }
    if (!semanticEqual(status, sts.status)) await stsApi.updateStatus(req.namespace, { ...sts, status }).catch(ignore);
    // Trim unused revisions beyond the history limit.
    const used = new Set([status.currentRevision, updateRevision, ...claimed.map(revOf)]);
    const old = mine.filter((r) => !used.has(r.metadata.name)).sort((a, b) => a.revision - b.revision);
    for (const r of old.slice(0, Math.max(0, old.length - (sts.spec?.revisionHistoryLimit ?? 10)))) await crApi.delete(req.namespace, r.metadata.name ?? '').catch(ignore);
    if (minReady > 0 && (status.availableReplicas ?? 0) < (status.readyReplicas ?? 0)) return { requeueAfterMs: minReady * 1000 };
    return {};
  };
}

export const statefulSetController: ControllerFactory = (ctx: ControllerContext) => {
  const stsInf = ctx.informers.informerFor<StatefulSet>(Resources.statefulsets);
  const podInf = ctx.informers.informerFor<Pod>(Resources.pods);
  const crInf = ctx.informers.informerFor<ControllerRevision>(Resources.controllerrevisions);
  const pvcInf = ctx.informers.informerFor<KubeObject>(Resources.persistentvolumeclaims);
  const key = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  stsInf.addEventHandler({ onAdd: (x) => ctx.enqueue(key(x)), onUpdate: (_o, x) => ctx.enqueue(key(x)), onDelete: (x) => ctx.enqueue(key(deletedObject(x))) });
  const onPod = (p: Pod): void => {
    const ref = controllerRef(p);
    if (ref?.kind === 'StatefulSet') ctx.enqueue(`${p.metadata.namespace ?? ''}/${ref.name}`);
    else if (!ref) for (const s of stsInf.lister.list(p.metadata.namespace)) if (selectorFromSpec(s.spec?.selector).matches(p.metadata.labels)) ctx.enqueue(key(s));
  };
  podInf.addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p), onDelete: (x) => onPod(deletedObject(x)) });
  return {
    name: 'statefulset', workers: 2,
    reconcile: createStatefulSetReconciler({ client: ctx.client, sets: stsInf.lister, pods: podInf.lister, revisions: crInf.lister, pvcs: pvcInf.lister, recorder: ctx.recorder, clock: ctx.clock }),
  };
};
