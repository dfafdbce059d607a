// VolumeBinding (upstream pkg/scheduler/framework/plugins/volumebinding), with delayed binding:
//
//   PreFilter  classify the pod's claims: missing / terminating / unbound Immediate ─► UnschedulableAndUnresolvable;
//              bound (with their PVs) and delayed (WaitForFirstConsumer, unbound); PVs per class snapshotted
//   Filter     per node: bound PVs' node affinity; each delayed claim gets the smallest fitting Available PV
//              (controllers/volume/matching.ts) or must be provisionable here (provisioner, allowedTopologies)
//   Reserve    assume the node's plan in memory (PV claimRef, claim selected-node) so later cycles skip them
//   Unreserve  drop those assumptions
//   PreBind    (binding cycle, async) write PV claimRefs and selected-node annotations, then wait until every
//              claim is Bound (bindTimeoutSeconds, default 600); a timeout or a provisioner giving up fails
//              the binding cycle and the pod goes back to the queue
import { realClock, Resources } from '../../../client/index';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../controllers/volume';
import { claimClass, volumeClass } from '../../../controllers/volume';
import type { FilterPlugin, Handle, PreBindPlugin, PreFilterPlugin, ReservePlugin } from '../../framework';
import type { PodInfo } from '../../pod-info';
import type { CycleState, Status } from '../../types';
import { skip, unresolvable } from '../../types';
import { AssumeCache } from './assume-cache';
import {
  bindVolumeToClaim, checkBindings, classifyClaims, claimNames, findPodVolumes, selectNode, volumeNode,
  type Class, type PodClaims, type PodVolumes, type VolumeLookup, type Written,
} from './pod-volumes';

export {
  ERR_BIND_CONFLICT, ERR_NODE_CONFLICT, ERR_PV_NOT_EXIST, ERR_UNBOUND_IMMEDIATE, pvcBeingDeleted, pvcNotFound,
} from './pod-volumes';
/** Kept for older imports: the PreFilter reason for unbound Immediate claims. */
export { ERR_UNBOUND_IMMEDIATE as ERR_UNBOUND } from './pod-volumes';

export const NAME = 'VolumeBinding';
export const DEFAULT_BIND_TIMEOUT_SECONDS = 600;
/** How often PreBind looks at the informer caches while waiting for the claims to bind. */
export const POLL_MS = 200;

const KEY = `${NAME}/state`;

/** KubeSchedulerConfiguration pluginConfig args (VolumeBindingArgs). */
export interface VolumeBindingArgs {
  bindTimeoutSeconds?: number;
}

interface Reserved {
  node: string;
  bindings: Array<{ pv: PersistentVolume; claim: PersistentVolumeClaim; dirty: boolean }>;
  provisions: PersistentVolumeClaim[];
}

/** One cycle's state: a plain object, so cloned CycleStates (preemption, nominated pods) share it. */
interface CycleData {
  claims: PodClaims;
  /** PersistentVolumes (assumed versions) per class, snapshotted at PreFilter. */
  byClass: Map<string, PersistentVolume[]>;
  /** Filter's plan per feasible node. */
  byNode: Map<string, PodVolumes>;
  reserved?: Reserved;
}

const claimKey = (c: PersistentVolumeClaim): string => `${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`;
const errorStatus = (msg: string): Status => ({ code: 'Error', reasons: [msg] });

export type VolumeBindingPlugin = PreFilterPlugin & FilterPlugin & ReservePlugin & PreBindPlugin;

export function createVolumeBinding(args: VolumeBindingArgs, h: Handle): VolumeBindingPlugin {
  const timeoutMs = (args.bindTimeoutSeconds ?? DEFAULT_BIND_TIMEOUT_SECONDS) * 1000;
  const pvCache = new AssumeCache<PersistentVolume>((name) => h.getObject('pv', '', name) as PersistentVolume | undefined);
  const pvcCache = new AssumeCache<PersistentVolumeClaim>((key) => {
    const i = key.indexOf('/');
    return h.getObject('pvc', key.slice(0, i), key.slice(i + 1)) as PersistentVolumeClaim | undefined;
  });
  const look: VolumeLookup = {
    claim: (ns, name) => pvcCache.get(`${ns}/${name}`),
    volume: (name) => pvCache.get(name),
    storageClass: (name) => h.getObject('storageclass', '', name) as Class | undefined,
  };

  const volumesByClass = (classes: ReadonlySet<string>): Map<string, PersistentVolume[]> => {
    const out = new Map<string, PersistentVolume[]>([...classes].map((c) => [c, []]));
    if (classes.size === 0) return out;
    for (const raw of h.listObjects?.('pv') ?? []) {
      const v = pvCache.get(raw.metadata?.name ?? '');
      if (v) out.get(volumeClass(v))?.push(v);
    }
    return out;
  };

  const planFor = (d: CycleData, nodeName: string): PodVolumes | Status => {
    const planned = d.byNode.get(nodeName);
    if (planned) return planned;
    const ni = h.cache.nodes.get(nodeName);
    if (!ni) return errorStatus(`node "${nodeName}" not found`);
    const v = findPodVolumes(d.claims, ni, (c) => d.byClass.get(c) ?? [], look);
    if (v.error) return errorStatus(v.error);
    return v.reasons.length ? unresolvable(...v.reasons) : v.plan;
  };

  return {
    name: NAME,

    preFilter(state: CycleState, pod: PodInfo): Status | undefined {
      const names = claimNames(pod.pod.spec?.volumes);
      if (names.length === 0) return skip;
      const claims = classifyClaims(pod.namespace, names, look);
      if ('error' in claims) return unresolvable(claims.error);
      const classes = new Set(claims.delayed.map(claimClass));
      state.write(KEY, { claims, byClass: volumesByClass(classes), byNode: new Map() } satisfies CycleData);
      return undefined;
    },

    filter(state, _pod, node): Status | undefined {
      const d = state.read<CycleData>(KEY);
      if (!d) return undefined;
      const v = findPodVolumes(d.claims, node, (c) => d.byClass.get(c) ?? [], look);
      if (v.error) return errorStatus(v.error);
      if (v.reasons.length) return unresolvable(...v.reasons);
      d.byNode.set(node.name, v.plan);
      return undefined;
    },

    reserve(state, pod, nodeName): Status | undefined {
      const d = state.read<CycleData>(KEY);
      if (!d) return undefined;
      const plan = planFor(d, nodeName);
      if ('code' in plan) return plan;
      const r: Reserved = { node: nodeName, bindings: [], provisions: [] };
      for (const b of plan.bindings) {
        const { pv, dirty } = bindVolumeToClaim(b.pv, b.claim);
        if (dirty) pvCache.assume(pv.metadata.name ?? '', pv, pod.uid);
        r.bindings.push({ pv, claim: b.claim, dirty });
      }
      for (const c of plan.provisions) {
        const next = selectNode(c, nodeName);
        pvcCache.assume(claimKey(next), next, pod.uid);
        r.provisions.push(next);
      }
      d.reserved = r;
      return undefined;
    },

    unreserve(state, pod): void {
      const d = state.read<CycleData>(KEY);
      const r = d?.reserved;
      if (!d || !r) return;
      for (const b of r.bindings) pvCache.restore(b.pv.metadata.name ?? '', pod.uid);
      for (const c of r.provisions) pvcCache.restore(claimKey(c), pod.uid);
      d.reserved = undefined;
    },

    async preBind(state, pod, nodeName, signal): Promise<Status | undefined> {
      const r = state.read<CycleData>(KEY)?.reserved;
      if (!r || (r.bindings.length === 0 && r.provisions.length === 0)) return undefined; // all bound already
      const client = h.client;
      if (!client) return errorStatus('binding volumes: no API client');
      const written: Array<Written<PersistentVolume> & { claim: PersistentVolumeClaim }> = [];
      const provisions: Array<Written<PersistentVolumeClaim>> = [];
      try {
        // Merge patches carrying the assumed version's resourceVersion: a volume or claim changed since
        // Reserve is a 409, and the pod is retried, never bound to a volume someone else took.
        const pvApi = client.resource<PersistentVolume>(Resources.persistentvolumes);
        for (const b of r.bindings) {
          let rv: string | undefined;
          if (b.dirty) {
            const u = await pvApi.patch(undefined, b.pv.metadata.name ?? '', 'merge', {
              metadata: { resourceVersion: b.pv.metadata.resourceVersion, annotations: b.pv.metadata.annotations ?? {} },
              spec: { claimRef: b.pv.spec?.claimRef },
            });
            rv = u.metadata.resourceVersion;
          }
          written.push({ obj: b.pv, rv, claim: b.claim });
        }
        const pvcApi = client.resource<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
        for (const c of r.provisions) {
          const u = await pvcApi.patch(c.metadata.namespace, c.metadata.name ?? '', 'merge', {
            metadata: { resourceVersion: c.metadata.resourceVersion, annotations: c.metadata.annotations ?? {} },
          });
          provisions.push({ obj: c, rv: u.metadata.resourceVersion });
        }
      } catch (e) {
        return errorStatus(`binding volumes: ${(e as Error).message}`);
      }
      const clock = h.clock ?? realClock;
      const deadline = clock.now() + timeoutMs;
      for (;;) {
        const live = h.getObject('pod', pod.namespace, pod.name);
        if (!live || live.metadata?.uid !== pod.uid) return errorStatus('binding volumes: pod does not exist any more');
        const ni = h.cache.nodes.get(nodeName);
        if (!ni) return errorStatus(`binding volumes: node "${nodeName}" not found`);
        const c = checkBindings(written, provisions, volumeNode(ni), look);
        if (c === true) return undefined;
        if (c !== false) return errorStatus(`binding volumes: ${c.error}`);
        if (clock.now() >= deadline) return errorStatus('binding volumes: context deadline exceeded');
        await clock.sleep(POLL_MS, signal);
        if (signal?.aborted) return errorStatus('binding volumes: scheduler stopping');
      }
    },
  };
}

