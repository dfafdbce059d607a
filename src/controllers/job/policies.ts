// podFailurePolicy and successPolicy matching, as upstream's matchPodFailurePolicy / matchSuccessPolicy.
import type { ContainerStatus, Pod } from '../common/types';
import { parseIndexes } from './indexes';
import type { JobSpec, PodFailurePolicyAction, PodFailurePolicyRule } from './types';

export interface PodFailureMatch {
  /** The matched rule's action; undefined when no rule matched (the failure counts). */
  action?: PodFailurePolicyAction;
  /** Whether the failure counts towards backoffLimit / backoffLimitPerIndex (false only for Ignore). */
  countFailed: boolean;
  /** For FailJob: the message the Job's FailureTarget/Failed conditions carry. */
  failJobMessage?: string;
}

interface Terminated { exitCode?: number }
const terminated = (c: ContainerStatus): Terminated | undefined => (c.state as { terminated?: Terminated } | undefined)?.terminated;

function matchExitCodes(p: Pod, req: NonNullable<PodFailurePolicyRule['onExitCodes']>): ContainerStatus | undefined {
  const lists = [p.status?.containerStatuses, p.status?.initContainerStatuses as ContainerStatus[] | undefined];
  for (const list of lists) {
    for (const c of list ?? []) {
      const code = terminated(c)?.exitCode;
      if (code === undefined || code === 0) continue;
      if (req.containerName !== undefined && req.containerName !== c.name) continue;
      if (req.values.includes(code) === (req.operator === 'In')) return c;
    }
  }
  return undefined;
}

function matchPodConditions(p: Pod, patterns: NonNullable<PodFailurePolicyRule['onPodConditions']>): string | undefined {
  for (const c of p.status?.conditions ?? []) {
    if (patterns.some((x) => x.type === c.type && (x.status ?? 'True') === c.status)) return c.type;
  }
  return undefined;
}

/** Evaluates a failed pod against spec.podFailurePolicy: the first matching rule decides. */
export function matchPodFailurePolicy(spec: JobSpec, p: Pod): PodFailureMatch {
  const rules = spec.podFailurePolicy?.rules;
  if (!rules) return { countFailed: true };
  const who = `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
  for (const [i, r] of rules.entries()) {
    let failJobMessage: string | undefined;
    if (r.onExitCodes) {
      const c = matchExitCodes(p, r.onExitCodes);
      if (!c) continue;
      failJobMessage = `Container ${c.name} for pod ${who} failed with exit code ${terminated(c)?.exitCode ?? 0} matching FailJob rule at index ${i}`;
    } else if (r.onPodConditions) {
      const t = matchPodConditions(p, r.onPodConditions);
      if (!t) continue;
      failJobMessage = `Pod ${who} has condition ${t} matching FailJob rule at index ${i}`;
    } else continue;
    switch (r.action) {
      case 'Ignore': return { action: 'Ignore', countFailed: false };
      case 'Count': return { action: 'Count', countFailed: true };
      case 'FailJob': return { action: 'FailJob', countFailed: true, failJobMessage };
      // FailIndex needs backoffLimitPerIndex (upstream skips the rule otherwise).
      case 'FailIndex': if (spec.backoffLimitPerIndex !== undefined) return { action: 'FailIndex', countFailed: true }; break;
    }
  }
  return { countFailed: true };
}

/** The index of the first successPolicy rule the succeeded indexes satisfy, if any (Indexed Jobs only). */
export function matchSuccessPolicy(spec: JobSpec, succeeded: Set<number>): number | undefined {
  const rules = spec.successPolicy?.rules;
  if (!rules || spec.completionMode !== 'Indexed') return undefined;
  for (const [i, r] of rules.entries()) {
    if (r.succeededIndexes !== undefined) {
      const want = parseIndexes(r.succeededIndexes);
      let have = 0;
      for (const x of want) if (succeeded.has(x)) have++;
      if (r.succeededCount !== undefined ? have >= r.succeededCount : have === want.size && want.size > 0) return i;
    } else if (r.succeededCount !== undefined && succeeded.size >= r.succeededCount) return i;
  }
  return undefined;
}
