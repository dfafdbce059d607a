// Where a daemon pod should run: nodeSelector, required node affinity and taints the pod (with the
// tolerations the DaemonSet controller always adds) tolerates. Pure functions over plain objects.
import { tolerates, type Taint, type Toleration } from '../nodelifecycle/taints';
import type { Node } from '../nodelifecycle/nodelifecycle';
import type { PodSpec } from '../common/types';

export interface NodeSelectorRequirement { key: string; operator: string; values?: string[] }
export interface NodeSelectorTerm { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] }
interface Affinity { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } }

/** Tolerations every daemon pod gets (upstream util.AddOrUpdateDaemonPodTolerations). */
export function daemonTolerations(spec: PodSpec | undefined): Toleration[] {
  const out: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec?.hostNetwork) out.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return out;
}

/** The pod's tolerations plus the daemon ones it lacks. */
export function withDaemonTolerations(spec: PodSpec | undefined): Toleration[] {
  const own = ((spec as { tolerations?: Toleration[] } | undefined)?.tolerations ?? []).map((t) => ({ ...t }));
  for (const d of daemonTolerations(spec)) if (!own.some((t) => t.key === d.key && t.effect === d.effect)) own.push(d);
  return own;
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && vals.includes(value);
    case 'NotIn': return value === undefined || !vals.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': return value !== undefined && Number.isInteger(Number(value)) && Number(value) > Number(vals[0]);
    case 'Lt': return value !== undefined && Number.isInteger(Number(value)) && Number(value) < Number(vals[0]);
    default: return false;
  }
}

export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  if (!term.matchExpressions?.length && !term.matchFields?.length) return false;
  return (term.matchExpressions ?? []).every((r) => requirementMatches(r, labels[r.key])) &&
    (term.matchFields ?? []).every((r) => requirementMatches(r, r.key === 'metadata.name' ? node.metadata?.name : undefined));
}

/** Upstream NodeShouldRunDaemonPod (without resource checks): selector, affinity, taints. */
export function shouldRunOn(spec: PodSpec | undefined, node: Node): boolean {
  const sel = (spec as { nodeSelector?: Record<string, string> } | undefined)?.nodeSelector ?? {};
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(sel)) if (labels[k] !== v) return false;
  const terms = (spec as { affinity?: Affinity } | undefined)?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((t) => termMatches(t, node))) return false;
  const tols = withDaemonTolerations(spec);
  return (node.spec?.taints ?? []).every((taint: Taint) => taint.effect === 'PreferNoSchedule' || tols.some((t) => tolerates(t, taint)));
}

/** The node a daemon pod is for: spec.nodeName, or the metadata.name matchFields term the controller set. */
export function targetNode(spec: PodSpec | undefined): string | undefined {
  if (spec?.nodeName) return spec.nodeName;
  const terms = (spec as { affinity?: Affinity } | undefined)?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  return undefined;
}

/** The pod spec for one node: daemon tolerations and required affinity to exactly that node. */
export function specForNode(spec: PodSpec | undefined, node: string): PodSpec {
  const out = structuredClone(spec ?? {}) as PodSpec & { affinity?: Affinity; tolerations?: Toleration[] };
  out.tolerations = withDaemonTolerations(spec);
  out.affinity = { ...out.affinity, nodeAffinity: { ...out.affinity?.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } };
  return out;
}
