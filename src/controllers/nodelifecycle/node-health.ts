// Pure helpers of the node lifecycle controller: how healthy a node looks (heartbeat → Ready as observed),
// the conditions of a silent node, and the lifecycle taints a node should carry.
import type { KubeObject } from '../../client';
import { rfc3339 } from '../common/conditions';
import type { Condition } from '../common/types';
import { NOT_READY, UNREACHABLE, type Taint } from './taints';

export interface Node extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean };
  status?: { conditions?: Condition[] };
}

export interface Lease extends KubeObject {
  spec?: { renewTime?: string };
}

/** Nodes with this label are left out of zone disruption counting (upstream isNodeExcludedFromDisruptionChecks). */
export const EXCLUDE_DISRUPTION_LABEL = 'node.kubernetes.io/exclude-disruption';

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface ObservedHealth {
  /** Ready as the controller sees it: the node's own Ready status, or 'Unknown' once its heartbeat is stale. */
  ready: string | undefined;
  /** No heartbeat (Lease renewTime, Ready lastHeartbeatTime, creation, `floorMs`) within the grace period. */
  stale: boolean;
}

/**
 * How a node looks now: stale when its newest sign of life (Lease renewal, Ready heartbeat, creation, or
 * `floorMs` — the moment the controller last gave every node a fresh grace period) is older than graceMs.
 */
export function observeNode(node: Node, lease: Lease | undefined, now: number, graceMs: number, floorMs = 0): ObservedHealth {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const beats = [lease?.spec?.renewTime, (ready as { lastHeartbeatTime?: string } | undefined)?.lastHeartbeatTime, node.metadata?.creationTimestamp]
    .map((t) => (t ? Date.parse(t) : NaN)).filter((t) => !Number.isNaN(t));
  const heartbeat = Math.max(floorMs, beats.length ? Math.max(...beats) : now);
  const stale = now - heartbeat > graceMs;
  return { ready: stale ? 'Unknown' : ready?.status, stale };
}

/** Pure: the conditions of a node whose kubelet went silent (upstream tryUpdateNodeHealth). */
export function unknownConditions(conds: readonly Condition[] | undefined, now: number): Condition[] {
  const t = rfc3339(now);
  const out = (conds ?? []).map((c) => ({ ...c }));
  for (const type of ['Ready', ...PRESSURE]) {
    const c = out.find((x) => x.type === type);
    if (!c) {
      out.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: t, lastTransitionTime: t } as Condition);
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: t });
    }
  }
  return out;
}

const isLifecycle = (t: Pick<Taint, 'key'>): boolean => t.key === UNREACHABLE || t.key === NOT_READY;

/** The lifecycle taint key for a Ready status (Unknown → unreachable, False → not-ready, else none). */
export function lifecycleTaintKey(ready: string | undefined): string | undefined {
  return ready === 'Unknown' ? UNREACHABLE : ready === 'False' ? NOT_READY : undefined;
}

/** Whether the node carries a NoExecute taint of this controller (unreachable or not-ready). */
export function hasLifecycleNoExecute(taints: readonly Taint[] | undefined): boolean {
  return (taints ?? []).some((t) => t.effect === 'NoExecute' && isLifecycle(t));
}

/**
 * Pure: the node's taints with the lifecycle taints matching its Ready status; other taints and the
 * timeAdded of kept taints stay. The NoSchedule variant follows Ready at once; the NoExecute variant only
 * when `noExecute` (the zone's rate limiter let the node through, or the node already carries one of ours,
 * which is then swapped for the matching key with a fresh timeAdded).
 */
export function desiredTaints(taints: readonly Taint[] | undefined, ready: string | undefined, now: number, noExecute = true): Taint[] {
  const key = lifecycleTaintKey(ready);
  const want: Array<Pick<Taint, 'key' | 'effect'>> = [];
  if (key) {
    if (noExecute) want.push({ key, effect: 'NoExecute' });
    want.push({ key, effect: 'NoSchedule' });
  }
  const out = (taints ?? []).filter((t) => !isLifecycle(t) || want.some((w) => w.key === t.key && w.effect === t.effect));
  for (const w of want) {
    if (!out.some((t) => t.key === w.key && t.effect === w.effect)) out.push({ ...w, ...(w.effect === 'NoExecute' ? { timeAdded: rfc3339(now) } : {}) });
  }
  return out;
}
