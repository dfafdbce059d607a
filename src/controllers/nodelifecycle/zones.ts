// Zones and their disruption state (upstream node_lifecycle_controller.go: ComputeZoneState, handleDisruption,
// setLimiterInZone, ReducedQPSFunc). Pure: the controller feeds each monitor pass's Ready statuses per zone
// and applies the returned plan to its per-zone tainting queues.
//
//   Ready statuses per zone ─► computeZoneState ─► planDisruption(previous states) ─► { states, qps per zone,
//                                                                                         markAllReachable? }
//   Normal            → evictionLimiterQPS
//   PartialDisruption → secondaryEvictionLimiterQPS if the zone has > largeClusterSizeThreshold nodes, else 0
//   FullDisruption    → evictionLimiterQPS, unless EVERY zone is fully disrupted: then 0 everywhere and the
//                       NoExecute taints placed by the controller are removed (the control plane, not the
//                       nodes, is the likely culprit — Borg's lesson)

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface ZoneRateOptions {
  /** Nodes per second tainted NoExecute in a healthy zone (upstream --node-eviction-rate, 0.1). */
  evictionLimiterQPS: number;
  /** Nodes per second in a partially disrupted large zone (upstream --secondary-node-eviction-rate, 0.01). */
  secondaryEvictionLimiterQPS: number;
  /** A zone with more nodes than this is "large" (upstream --large-cluster-size-threshold, 50). */
  largeClusterSizeThreshold: number;
  /** Share of not-ready nodes from which a zone is partially disrupted (upstream --unhealthy-zone-threshold, 0.55). */
  unhealthyZoneThreshold: number;
}

export const DEFAULT_ZONE_RATES: ZoneRateOptions = {
  evictionLimiterQPS: 0.1,
  secondaryEvictionLimiterQPS: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};

/** The zone of a node: region and zone labels joined as upstream's GetZoneKey does; "" when neither is set. */
export function zoneKey(labels: Readonly<Record<string, string>> | undefined): string {
  const region = labels?.[REGION_LABEL] ?? '';
  const zone = labels?.[ZONE_LABEL] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\x00:${zone}`;
}

/** A zone key as people read it ("region/zone", or "(no zone)"). */
export function zoneName(key: string): string {
  return key === '' ? '(no zone)' : key.replace(':\x00:', '/');
}

/**
 * The state of one zone from its nodes' Ready statuses (undefined: no Ready condition, counted not ready).
 * FullDisruption: no node Ready and at least one not; PartialDisruption: more than 2 not ready and their
 * share ≥ threshold; Normal otherwise.
 */
export function computeZoneState(ready: ReadonlyArray<string | undefined>, unhealthyZoneThreshold: number): { notReady: number; state: ZoneState } {
  let readyNodes = 0;
  let notReady = 0;
  for (const r of ready) {
    if (r === 'True') readyNodes++;
    else notReady++;
  }
  if (readyNodes === 0 && notReady > 0) return { notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / (notReady + readyNodes) >= unhealthyZoneThreshold) return { notReady, state: 'PartialDisruption' };
  return { notReady, state: 'Normal' };
}

/** The NoExecute tainting rate of a zone in a state (upstream setLimiterInZone + ReducedQPSFunc); 0 stops it. */
export function zoneTaintQPS(state: ZoneState, zoneSize: number, o: ZoneRateOptions): number {
  if (state === 'PartialDisruption') return zoneSize > o.largeClusterSizeThreshold ? o.secondaryEvictionLimiterQPS : 0;
  return o.evictionLimiterQPS;
}

export interface DisruptionPlan {
  /** The zone states to remember for the next pass (zones without nodes dropped). */
  states: Map<string, ZoneState>;
  /** New tainting rates for zones whose limiter must change (absent: keep). */
  qps: Map<string, number>;
  /** Every zone just became fully disrupted: remove the controller's NoExecute taints everywhere. */
  markAllReachable: boolean;
  /** Some node answered again after every zone was fully disrupted: give every node a fresh grace period. */
  exitedAllDisrupted: boolean;
  /** Human-readable state changes for the log. */
  changes: string[];
}

/**
 * Upstream handleDisruption as a pure function: from the previous zone states and this pass's Ready statuses
 * per zone, the new states, the rate changes and whether the cluster entered or left "all zones down".
 */
export function planDisruption(prev: ReadonlyMap<string, ZoneState>, zones: ReadonlyMap<string, ReadonlyArray<string | undefined>>, o: ZoneRateOptions): DisruptionPlan {
  const next = new Map<string, ZoneState>();
  const prevStates = new Map<string, ZoneState>();
  let allAre = true;
  for (const [k, ready] of zones) {
    const { state } = computeZoneState(ready, o.unhealthyZoneThreshold);
    if (state !== 'FullDisruption') allAre = false;
    next.set(k, state);
    prevStates.set(k, prev.get(k) ?? 'Initial');
  }
  let allWas = true;
  for (const v of prevStates.values()) if (v !== 'FullDisruption') allWas = false;
  const plan: DisruptionPlan = { states: prevStates, qps: new Map(), markAllReachable: false, exitedAllDisrupted: false, changes: [] };
  if (allAre && allWas) return plan;
  if (allAre) {
    plan.markAllReachable = true;
    for (const k of prevStates.keys()) {
      plan.qps.set(k, 0);
      prevStates.set(k, 'FullDisruption');
    }
    plan.changes.push('all zones are fully disrupted (every node not Ready): entering master disruption mode, NoExecute tainting stopped');
    return plan;
  }
  if (allWas) {
    plan.exitedAllDisrupted = true;
    for (const [k, state] of next) {
      plan.qps.set(k, zoneTaintQPS(state, zones.get(k)?.length ?? 0, o));
      prevStates.set(k, state);
    }
    plan.changes.push('some nodes are Ready again: exiting master disruption mode');
    return plan;
  }
  for (const [k, state] of next) {
    if (prevStates.get(k) === state) continue;
    plan.qps.set(k, zoneTaintQPS(state, zones.get(k)?.length ?? 0, o));
    prevStates.set(k, state);
    plan.changes.push(`zone ${zoneName(k)} is now in state ${state}`);
  }
  return plan;
}
