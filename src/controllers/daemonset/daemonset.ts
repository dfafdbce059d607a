// DaemonSet controller: one pod per eligible node (nodeSelector, required node affinity, tolerated taints),
// pinned by required node affinity to metadata.name (the scheduler binds it), rolled to a new template
// with RollingUpdate (rolling.ts: maxUnavailable, or maxSurge: the new pod starts beside the old one, which
// goes once the new one is available) or OnDelete. Templates are recorded as
// ControllerRevisions `<ds>-<hash>` and pods labelled controller-revision-hash, so `kubectl rollout` works.
import { selectorFromSpec } from '../../api/selectors';
import { deletedObject, isAlreadyExists, isNotFound, Resources, type Client, type Clock, type EventRecorder, type KubeObject, type Lister } from '../../client';
import { semanticEqual } from '../common/equal';
import { claimObjects, controllerRef, newControllerRef } from '../common/owners';
import { isPodAvailable, isPodReady, podKey } from '../common/pods';
import type { LabelSelectorSpec, Pod, PodTemplateSpec } from '../common/types';
import { computeHash } from '../deployment/hash';
import type { Node } from '../nodelifecycle/nodelifecycle';
import { Expectations } from '../replicaset/expectations';
import type { ControllerContext, ControllerFactory, Request, Result } from '../runner/types';
import { shouldRunOn, specForNode, targetNode } from './placement';
import { planSurge, planUnavailable, rollingCounts } from './rolling';

export const REVISION_HASH = 'controller-revision-hash';

export interface DaemonSet extends KubeObject {
  metadata: NonNullable<KubeObject['metadata']>;
  spec?: {
    selector?: LabelSelectorSpec;
    template?: PodTemplateSpec;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
  };
  status?: {
    currentNumberScheduled?: number; numberMisscheduled?: number; desiredNumberScheduled?: number; numberReady?: number;
    updatedNumberScheduled?: number; numberAvailable?: number; numberUnavailable?: number; observedGeneration?: number; collisionCount?: number;
  };
}

export interface ControllerRevision extends KubeObject {
  metadata: NonNullable<KubeObject['metadata']>;
  data?: unknown;
  revision: number;
}

export interface DaemonSetReconcilerDeps {
  client: Client;
  daemonsets: Lister<DaemonSet>;
  nodes: Lister<Node>;
  pods: Lister<Pod>;
  revisions: Lister<ControllerRevision>;
  expectations: Expectations;
  recorder: EventRecorder;
  clock: Clock;
}

const terminalFailed = (p: Pod): boolean => p.status?.phase === 'Failed';

export function createDaemonSetReconciler(d: DaemonSetReconcilerDeps): (req: Request) => Promise<Result> {
  const dsApi = d.client.resource<DaemonSet>(Resources.daemonsets);
  const podsApi = d.client.resource<Pod>(Resources.pods);
  const crApi = d.client.resource<ControllerRevision>(Resources.controllerrevisions);
  const ignore = (e: unknown): void => {
    if (!isNotFound(e)) throw e;
  };

  /** The current revision's hash, creating or bumping its ControllerRevision; trims history. */
  async function syncRevisions(ds: DaemonSet): Promise<string> {
    const hash = computeHash(ds.spec?.template, ds.status?.collisionCount);
    const name = `${ds.metadata.name ?? ''}-${hash}`;
    const mine = d.revisions.list(ds.metadata.namespace).filter((r) => controllerRef(r)?.uid === ds.metadata.uid);
    const max = mine.reduce((m, r) => Math.max(m, r.revision), 0);
    const cur = mine.find((r) => r.metadata.name === name);
    if (!cur) {
      const cr: ControllerRevision = {
        apiVersion: 'apps/v1', kind: 'ControllerRevision', revision: max + 1,
        metadata: { name, namespace: ds.metadata.namespace, labels: { ...ds.spec?.template?.metadata?.labels, [REVISION_HASH]: hash }, ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')] },
        data: { spec: { template: { ...structuredClone(ds.spec?.template ?? {}), $patch: 'replace' } } },
      };
      await crApi.create(ds.metadata.namespace, cr).catch((e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      });
    } else if (cur.revision < max) {
      await crApi.update(ds.metadata.namespace, { ...structuredClone(cur), revision: max + 1 });
    }
    const limit = ds.spec?.revisionHistoryLimit ?? 10;
    const inUse = new Set(d.pods.list(ds.metadata.namespace).map((p) => p.metadata.labels?.[REVISION_HASH]));
    const old = mine.filter((r) => r.metadata.name !== name && !inUse.has(r.metadata.labels?.[REVISION_HASH])).sort((a, b) => a.revision - b.revision);
    for (const r of old.slice(0, Math.max(0, old.length - limit))) await crApi.delete(r.metadata.namespace, r.metadata.name ?? '').catch(ignore);
    return hash;
  }

  return async function reconcile(req) {
    const key = `${req.namespace}/${req.name}`;
    const cached = d.daemonsets.get(req.namespace, req.name);
    if (!cached) {
      d.expectations.delete(key);
      return {};
    }
    const ds = structuredClone(cached);
    const now = d.clock.now();
    const selector = selectorFromSpec(ds.spec?.selector);
    const pods = await claimObjects<Pod>(d.pods.list(req.namespace).filter((p) => !p.metadata.deletionTimestamp), {
      owner: ds, ownerRef: newControllerRef(ds, 'apps/v1', 'DaemonSet'), client: podsApi,
      matches: (p) => selector.matches(p.metadata.labels),
      canAdopt: async () => (await dsApi.get(req.namespace, req.name)).metadata?.uid === ds.metadata.uid,
    });
    if (ds.metadata.deletionTimestamp) return {};
    const hash = await syncRevisions(ds);
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) {
      const n = targetNode(p.spec) ?? '';
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const nodes = d.nodes.list();
    const create: string[] = [];
    const remove: Pod[] = [];
    const rolling = (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    const { maxSurge, maxUnavailable } = rollingCounts(ds, nodes.filter((n) => shouldRunOn(ds.spec?.template?.spec, n)).length);
    const surging = rolling && maxSurge > 0;
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    /** Per eligible node with pods: at most one pod of the current revision and one older (upstream findUpdatedPodsOnNode). */
    const onNode: Array<{ node: string; newPod?: Pod; oldPod?: Pod }> = [];
    const avail = (p: Pod): boolean => isPodAvailable(p, minReady, now);
    for (const node of nodes) {
      const name = node.metadata?.name ?? '';
      const here = byNode.get(name) ?? [];
      byNode.delete(name);
      if (!shouldRunOn(ds.spec?.template?.spec, node)) {
        if (here.length) misscheduled++;
        remove.push(...here);
        continue;
      }
      desired++;
      remove.push(...here.filter(terminalFailed));
      const live = here.filter((p) => !terminalFailed(p)).sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
      if (live.length === 0) {
        create.push(name);
        continue;
      }
      current++;
      // Status reads the oldest pod of each node (upstream updateDaemonSetStatus).
      const oldest = live[0]!;
      if (isPodReady(oldest)) ready++;
      if (isPodReady(oldest) && avail(oldest)) available++;
      if (oldest.metadata.labels?.[REVISION_HASH] === hash) updated++;
      if (surging) {
        // While surging a node may hold the oldest pod of the current revision and the oldest older one.
        const newPod = live.find((p) => p.metadata.labels?.[REVISION_HASH] === hash);
        const oldPod = live.find((p) => p.metadata.labels?.[REVISION_HASH] !== hash);
        remove.push(...live.filter((p) => p !== newPod && p !== oldPod));
        onNode.push({ node: name, newPod, oldPod });
      } else {
        remove.push(...live.slice(1));
        onNode.push({ node: name, ...(oldest.metadata.labels?.[REVISION_HASH] === hash ? { newPod: oldest } : { oldPod: oldest }) });
      }
    }
    for (const leftovers of byNode.values()) remove.push(...leftovers); // nodes that no longer exist

    if (rolling) {
      const plan = surging ? planSurge(onNode, maxSurge, avail) : planUnavailable(onNode, maxUnavailable, create.length, avail);
      remove.push(...plan.remove);
      create.push(...plan.create);
    }

    if (d.expectations.satisfied(key)) {
      if (create.length) {
        d.expectations.expectCreations(key, create.length);
        const t = ds.spec?.template ?? {};
        const results = await Promise.allSettled(create.map(async (node) => {
          const pod = await podsApi.create(req.namespace, {
            apiVersion: 'v1', kind: 'Pod',
            metadata: {
              generateName: `${ds.metadata.name ?? ''}-`, namespace: req.namespace,
              labels: { ...t.metadata?.labels, [REVISION_HASH]: hash }, ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
              ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
            },
            spec: specForNode(t.spec, node),
          });
          d.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name ?? ''}`);
        }));
        const failed = results.filter((r) => r.status === 'rejected');
        if (failed.length) d.expectations.lowerCreations(key, failed.length);
        if (failed[0]) {
          d.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${String((failed[0] as PromiseRejectedResult).reason)}`);
          throw (failed[0] as PromiseRejectedResult).reason;
        }
      }
      if (remove.length) {
        const uniq = [...new Set(remove)];
        d.expectations.expectDeletions(key, uniq.map(podKey));
        for (const p of uniq) {
          try {
            await podsApi.delete(p.metadata.namespace, p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } });
            d.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`);
          } catch (e) {
            d.expectations.deletionObserved(key, podKey(p));
            ignore(e);
          }
        }
      }
    }

    const status: NonNullable<DaemonSet['status']> = {
      ...ds.status, currentNumberScheduled: current, numberMisscheduled: misscheduled, desiredNumberScheduled: desired, numberReady: ready,
      updatedNumberScheduled: updated, numberAvailable: available, numberUnavailable: Math.max(0, desired - available), observedGeneration: ds.metadata.generation,
    };
    if (!semanticEqual(status, ds.status)) await dsApi.updateStatus(req.namespace, { ...ds, status }).catch(ignore);
    if (minReady > 0 && (available < ready || onNode.some((x) => x.newPod && isPodReady(x.newPod) && !avail(x.newPod)))) return { requeueAfterMs: minReady * 1000 };
    return {};
  };
}

export const daemonSetController: ControllerFactory = (ctx: ControllerContext) => {
  const dsInf = ctx.informers.informerFor<DaemonSet>(Resources.daemonsets);
  const nodeInf = ctx.informers.informerFor<Node>(Resources.nodes);
  const podInf = ctx.informers.informerFor<Pod>(Resources.pods);
  const crInf = ctx.informers.informerFor<ControllerRevision>(Resources.controllerrevisions);
  const expectations = new Expectations(() => ctx.clock.now());
  const key = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const all = (): void => {
    for (const ds of dsInf.lister.list()) ctx.enqueue(key(ds));
  };
  dsInf.addEventHandler({ onAdd: (x) => ctx.enqueue(key(x)), onUpdate: (_o, x) => ctx.enqueue(key(x)), onDelete: (x) => ctx.enqueue(key(deletedObject(x))) });
  nodeInf.addEventHandler({
    onAdd: all,
    onUpdate: (o, n) => {
      if (!semanticEqual(o.metadata?.labels, n.metadata?.labels) || !semanticEqual(o.spec?.taints, n.spec?.taints)) all();
    },
    onDelete: all,
  });
  const onPod = (p: Pod, observe?: 'create' | 'delete'): void => {
    const ref = controllerRef(p);
    if (ref?.kind !== 'DaemonSet') return;
    const ds = dsInf.lister.get(p.metadata.namespace, ref.name);
    if (ds?.metadata.uid !== ref.uid) return;
    if (observe === 'create') expectations.creationObserved(key(ds));
    if (observe === 'delete') expectations.deletionObserved(key(ds), podKey(p));
    ctx.enqueue(key(ds));
  };
  podInf.addEventHandler({
    onAdd: (p) => onPod(p, p.metadata.deletionTimestamp ? 'delete' : 'create'),
    onUpdate: (_o, p) => onPod(p, p.metadata.deletionTimestamp ? 'delete' : undefined),
    onDelete: (x) => onPod(deletedObject(x), 'delete'),
  });
  return {
    name: 'daemonset', workers: 2,
    reconcile: createDaemonSetReconciler({ client: ctx.client, daemonsets: dsInf.lister, nodes: nodeInf.lister, pods: podInf.lister, revisions: crInf.lister, expectations, recorder: ctx.recorder, clock: ctx.clock }),
  };
};
