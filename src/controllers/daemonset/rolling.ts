// DaemonSet RollingUpdate, as upstream's rollingUpdate (pkg/controller/daemon/update.go):
//   maxSurge = 0: delete old pods (unavailable ones at once, available ones while fewer than maxUnavailable
//                 nodes are unavailable); the manage loop then creates the new pod on the emptied node.
//   maxSurge > 0: create the new pod beside the old one (unavailable old pods at once, available ones on at
//                 most maxSurge nodes at a time); delete the old pod once the new one is available.
import type { Pod } from '../common/types';
import { scaledValue } from '../deployment/util';
import type { DaemonSet } from './daemonset';

export interface NodePods {
  node: string;
  /** The pod of the current revision, if any. */
  newPod?: Pod;
  /** A pod of an older revision, if any. */
  oldPod?: Pod;
}

export interface RollingPlan {
  create: string[];
  remove: Pod[];
}

/** maxSurge and maxUnavailable against the number of nodes that should run the daemon (percentages round up). */
export function rollingCounts(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge, desired, true, '0');
  let maxUnavailable = scaledValue(ru?.maxUnavailable, desired, true, '1');
  // An impossible configuration (both zero) behaves as upstream's default.
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** maxSurge = 0. `empty` is the number of eligible nodes without any daemon pod (they count as unavailable). */
export function planUnavailable(nodes: NodePods[], maxUnavailable: number, empty: number, available: (p: Pod) => boolean): RollingPlan {
  let unavailable = empty;
  const replace: Pod[] = [];
  const candidates: Pod[] = [];
  for (const { newPod, oldPod } of nodes) {
    if (newPod && oldPod) unavailable++;
    else if (newPod) {
      if (!available(newPod)) unavailable++;
    } else if (oldPod) {
      if (!available(oldPod)) replace.push(oldPod);
      else if (unavailable < maxUnavailable) candidates.push(oldPod);
    }
  }
  const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
  return { create: [], remove: [...replace, ...candidates.slice(0, room)] };
}

/** maxSurge > 0: new pods are created next to old ones; old ones go when their node's new pod is available. */
export function planSurge(nodes: NodePods[], maxSurge: number, available: (p: Pod) => boolean): RollingPlan {
  let surge = 0;
  const remove: Pod[] = [];
  const allowed: string[] = [];
  const candidates: string[] = [];
  for (const { node, newPod, oldPod } of nodes) {
    if (!oldPod) continue; // up to date, or empty: the manage loop's business
    if (!newPod) {
      if (!available(oldPod)) allowed.push(node); // an unavailable old pod may be replaced at once
      else if (surge < maxSurge) candidates.push(node);
    } else if (!available(newPod)) {
      surge++; // surged here, waiting for the new pod
    } else {
      remove.push(oldPod);
    }
  }
  const room = Math.min(Math.max(0, maxSurge - surge), candidates.length);
  return { create: [...allowed, ...candidates.slice(0, room)], remove };
}
