// The two rollout strategies (upstream rolling.go and recreate.go) over a DeploymentSync.
import { controllerRef } from '../common/owners';
import type { ReplicaSet } from '../common/types';
import type { DeploymentSync } from './sync';
import { activeSets, byCreation, deploymentComplete, maxUnavailable, newRSNewReplicas, replicasOf, rsReplicas, sumReplicas } from './util';

/** Sum of available replicas, never more than a set's own spec (a set being scaled down still reports its old count). */
function availableCapped(sets: ReadonlyArray<ReplicaSet | undefined>): number {
  return sets.reduce((n, rs) => n + Math.min(rs?.status?.availableReplicas ?? 0, rsReplicas(rs)), 0);
}

export async function rolloutRolling(s: DeploymentSync): Promise<void> {
  const newRS = await s.newReplicaSet(true);
  if (!newRS) throw new Error('rolling update: no new ReplicaSet');
  let olds = s.split().olds;
  // Scale up the new set as far as maxSurge allows.
  let cur = s.sets.find((x) => x.metadata.uid === newRS.metadata.uid) ?? newRS;
  const want = replicasOf(s.d);
  if (rsReplicas(cur) !== want) {
    const to = rsReplicas(cur) > want ? want : newRSNewReplicas(s.d, s.sets, cur, s.ownedPods().length);
    const r = await s.scale(cur, to);
    if (r.scaled) return s.syncRolloutStatus(r.rs, s.split().olds);
    cur = r.rs;
  }
  if (await reconcileOldReplicaSets(s, olds, cur)) return s.syncRolloutStatus(cur, s.split().olds);
  olds = s.split().olds;
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanup(olds);
  await s.syncRolloutStatus(cur, olds);
}

async function reconcileOldReplicaSets(s: DeploymentSync, olds: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  if (sumReplicas(olds) === 0) return false;
  const allPods = sumReplicas([...olds, newRS]);
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const newUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  // First get rid of old pods that are not available: they do not count towards availability anyway.
  let cleaned = 0;
  for (const rs of activeSets(olds).sort(byCreation)) {
    if (cleaned >= maxScaledDown) break;
    const unavailable = rsReplicas(rs) - (rs.status?.availableReplicas ?? 0);
    if (unavailable <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unavailable);
    await s.scale(rs, rsReplicas(rs) - n);
    cleaned += n;
  }
  // Then scale down available old pods while availability stays at or above minAvailable.
  const sets = s.split();
  const all = [...sets.olds, sets.newRS];
  const available = Math.min(availableCapped(all), s.availablePods());
  let scaled = 0;
  if (available > minAvailable) {
    const total = available - minAvailable;
    for (const rs of activeSets(sets.olds).sort(byCreation)) {
      if (scaled >= total) break;
      const n = Math.min(rsReplicas(rs), total - scaled);
      await s.scale(rs, rsReplicas(rs) - n);
      scaled += n;
    }
  }
  return cleaned + scaled > 0;
}

export async function rolloutRecreate(s: DeploymentSync): Promise<void> {
  let newRS = await s.newReplicaSet(false);
  let olds = s.split().olds;
  let scaledDown = false;
  for (const rs of activeSets(olds)) {
    const r = await s.scale(rs, 0);
    scaledDown ||= r.scaled;
  }
  if (scaledDown) return s.syncRolloutStatus(newRS, s.split().olds);
  // Wait until every old pod is gone (terminal pods do not count).
  const oldUids = new Set(s.split().olds.map((rs) => rs.metadata.uid));
  const oldRunning = s.split().olds.some((rs) => (rs.status?.replicas ?? 0) > 0) ||
    s.pods.some((p) => oldUids.has(controllerRef(p)?.uid) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  if (oldRunning) return s.syncRolloutStatus(newRS, s.split().olds);
  newRS ??= await s.newReplicaSet(true);
  if (!newRS) throw new Error('recreate: no new ReplicaSet');
  const cur = s.sets.find((x) => x.metadata.uid === newRS!.metadata.uid) ?? newRS;
  const r = await s.scale(cur, replicasOf(s.d));
  olds = s.split().olds;
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanup(olds);
  await s.syncRolloutStatus(r.rs, olds);
}
