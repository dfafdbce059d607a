// DefaultPreemption (PostFilter): when no node fits, find the node where evicting the fewest, least
// important lower-priority pods makes room, respecting PodDisruptionBudgets where possible.
//
//   for each node rejected as Unschedulable (not Unresolvable):
//     remove every lower-priority pod → still no fit? not a candidate
//     add them back, most important first (PDB-protected ones first), keeping each that still fits
//     what could not be added back are the victims
//   pick: fewest PDB violations, lowest top victim priority, lowest priority sum, fewest victims
import type { FilterRunner, Handle, PostFilterPlugin, PostFilterResult } from '../../framework';
import type { NodeInfo } from '../../node-info';
import type { PodInfo } from '../../pod-info';
import { isSuccess, unschedulable, type CycleState, type Status } from '../../types';
import { selectorFromSpec } from '../../../api/selectors';
import type { LabelSelectorSpec } from '../../types';

export const NAME = 'DefaultPreemption';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';
export const NOT_ELIGIBLE = 'not eligible due to preemptionPolicy=Never.';
export const NOT_ELIGIBLE_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';
/** The condition the scheduler puts on a victim before deleting it (upstream's DisruptionTarget). */
export const DISRUPTION_TARGET = 'DisruptionTarget';
export const REASON_PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';

export interface Pdb {
  namespace: string;
  selector: LabelSelectorSpec | undefined;
  disruptionsAllowed: number;
}

export interface Candidate {
  node: string;
  victims: PodInfo[];
  violations: number;
}

const terminating = (p: PodInfo): boolean => !!p.pod.metadata?.deletionTimestamp;
/** Being deleted because a scheduler preempted it (upstream's podTerminatingByPreemption). */
const terminatingByPreemption = (p: PodInfo): boolean =>
  terminating(p) && (p.pod.status?.conditions ?? []).some((c) => c.type === DISRUPTION_TARGET && c.status === 'True' && c.reason === REASON_PREEMPTION_BY_SCHEDULER);

/** The victims on one node, or undefined when removing every lower-priority pod does not help. */
export function selectVictims(cycleState: CycleState, pod: PodInfo, node: NodeInfo, fw: FilterRunner, pdbs: readonly Pdb[]): Candidate | undefined {
  const clone = node.clone();
  const potential = [...clone.pods.values()].filter((p) => p.priority < pod.priority && !terminating(p));
  if (potential.length === 0) return undefined;
  // Like upstream's SelectVictimsOnNode: a state of its own, kept in step with the what-if node through
  // the PreFilterExtensions, so cluster-wide PreFilter values (spread minimum, affinity counts) follow.
  const state = cycleState.clone();
  for (const p of potential) {
    clone.removePod(p.key);
    fw.removePod(state, pod, p, clone);
  }
  if (!isSuccess(fw.runFilters(state, pod, clone))) return undefined;
  potential.sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt);
  const budget = pdbs.map((b) => ({ ...b, sel: selectorFromSpec(b.selector ?? null) }));
  const violating: PodInfo[] = [];
  const fine: PodInfo[] = [];
  for (const p of potential) {
    const hit = budget.filter((b) => b.namespace === p.namespace && b.sel.matches(p.labels));
    if (hit.some((b) => b.disruptionsAllowed <= 0)) violating.push(p);
    else {
      for (const b of hit) b.disruptionsAllowed--;
      fine.push(p);
    }
  }
  const victims: PodInfo[] = [];
  let violations = 0;
  const reprieve = (p: PodInfo): boolean => {
    clone.addPod(p);
    fw.addPod(state, pod, p, clone);
    if (isSuccess(fw.runFilters(state, pod, clone))) return true;
    clone.removePod(p.key);
    fw.removePod(state, pod, p, clone);
    victims.push(p);
    return false;
  };
  for (const p of violating) if (!reprieve(p)) violations++;
  for (const p of fine) reprieve(p);
  return { node: node.name, victims, violations };
}

export function pickCandidate(cands: readonly Candidate[]): Candidate | undefined {
  const top = (c: Candidate): number => Math.max(...c.victims.map((v) => v.priority), -Infinity);
  const sum = (c: Candidate): number => c.victims.reduce((a, v) => a + v.priority + 2 ** 31, 0);
  return [...cands].sort((a, b) => a.violations - b.violations || top(a) - top(b) || sum(a) - sum(b) || a.victims.length - b.victims.length)[0];
}

export function createDefaultPreemption(_args: unknown, h: Handle & { pdbs?(): Pdb[] }): PostFilterPlugin {
  let offset = 0;
  return {
    name: NAME,
    postFilter(state, pod, statuses, fw): PostFilterResult {
      const n = statuses.size;
      // Upstream's DefaultPreemption prefixes every message of the evaluator with "preemption: ".
      if (pod.pod.spec?.preemptionPolicy === 'Never') return { status: unschedulable(`preemption: ${NOT_ELIGIBLE}`) };
      // Upstream's PodEligibleToPreemptOthers: while victims preempted for this pod on its nominated node
      // are still terminating, wait for them rather than preempt more (unless that node is now
      // unresolvable for it). The pod keeps its nomination.
      const nominated = pod.pod.status?.nominatedNodeName;
      if (nominated && statuses.get(nominated)?.code !== 'UnschedulableAndUnresolvable') {
        const ni = h.cache.nodes.get(nominated);
        if (ni && [...ni.pods.values()].some((p) => p.priority < pod.priority && terminatingByPreemption(p))) {
          return { status: unschedulable(`preemption: ${NOT_ELIGIBLE_TERMINATING}`) };
        }
      }
      const pdbs = h.pdbs?.() ?? [];
      const cands: Candidate[] = [];
      let notHelpful = 0;
      let noVictims = 0;
      const potential: NodeInfo[] = [];
      for (const [name, st] of statuses) {
        const ni = h.cache.nodes.get(name);
        if (st.code === 'UnschedulableAndUnresolvable' || !ni) notHelpful++;
        else potential.push(ni);
      }
      // Like upstream's dry run: look at candidates from a rotating offset and stop after
      // max(minCandidateNodesAbsolute=100, minCandidateNodesPercentage=10 %) of them.
      const want = Math.max(100, Math.ceil(potential.length * 0.1));
      const start = potential.length ? offset++ % potential.length : 0;
      let seen = 0;
      for (; seen < potential.length && cands.length < want; seen++) {
        const c = selectVictims(state, pod, potential[(start + seen) % potential.length]!, fw, pdbs);
        if (c && c.victims.length > 0) cands.push(c);
        else noVictims++;
      }
      const best = pickCandidate(cands);
      if (best) return { nominatedNodeName: best.node, victims: best.victims, status: { code: 'Success', reasons: [] } };
      const parts: string[] = [];
      if (notHelpful) parts.push(`${notHelpful} ${NOT_HELPFUL}`);
      if (noVictims) parts.push(`${noVictims} ${NO_VICTIMS}`);
      parts.sort();
      return { status: unschedulable(`preemption: 0/${n} nodes are available: ${parts.join(', ')}.`) } satisfies { status: Status };
    },
  };
}
