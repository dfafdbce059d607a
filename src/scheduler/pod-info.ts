// PodInfo: everything the plugins read from a pod, computed once when the pod enters the scheduler
// (requests, host ports, parsed affinity terms, tolerations, the equivalence class), so Filter and Score
// never parse a spec.
import { selectorFromSpec, type LabelSelector } from '../api/selectors';
import { resourceAmount } from './quantity';
import type { Container, PodAffinityTerm, Pod, Toleration, TopologySpreadConstraint } from './types';

export const DEFAULT_MILLI_CPU_REQUEST = 100; // kube-scheduler's non-zero defaults, for scoring only
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export type Resources = Record<string, number>;

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** A pod (anti-)affinity term with its selector parsed and namespaces resolved. `namespaces` null = all. */
export interface AffinityTerm {
  selector: LabelSelector;
  /** Namespaces named by the term (null: all). With a namespaceSelector, those it selects count too. */
  namespaces: ReadonlySet<string> | null;
  /** A non-empty namespaceSelector, resolved against namespace labels when matching (see SchedulerCache). */
  nsSelector: LabelSelector | null;
  topologyKey: string;
  /** Canonical text: equal keys select the same pods in the same domains. */
  key: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  hard: boolean;
  selector: LabelSelector;
  minDomains: number;
  honorNodeAffinity: boolean;
  honorTaints: boolean;
  key: string;
}

export interface PodInfo {
  readonly key: string;
  readonly pod: Pod;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly priority: number;
  readonly requests: Resources;
  readonly nonZeroCpu: number;
  readonly nonZeroMem: number;
  readonly hostPorts: readonly HostPort[];
  readonly images: readonly string[];
  readonly tolerations: readonly Toleration[];
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
  readonly spreadConstraints: readonly SpreadConstraint[];
  /** Equivalence class: pods with equal classes get equal answers from node-local plugins. */
  readonly classKey: string;
  readonly createdAt: number;
  /** Parse problems (bad selectors): the pod is unschedulable with this message. */
  readonly invalid?: string;
}

function addInto(into: Resources, c: Container): { cpu: boolean; mem: boolean } {
  const req = c.resources?.requests ?? {};
  for (const [k, v] of Object.entries(req)) into[k] = (into[k] ?? 0) + resourceAmount(k, v);
  return { cpu: req.cpu !== undefined, mem: req.memory !== undefined };
}

/** Effective requests: max(sum of app containers + sidecars, each init container + sidecars before it) + overhead. */
export function podRequests(pod: Pod): { requests: Resources; nonZeroCpu: number; nonZeroMem: number } {
  const requests: Resources = {};
  let nonZeroCpu = 0;
  let nonZeroMem = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r: Resources = {};
    addInto(r, c);
    for (const [k, v] of Object.entries(r)) requests[k] = (requests[k] ?? 0) + v;
    nonZeroCpu += r.cpu ?? DEFAULT_MILLI_CPU_REQUEST;
    nonZeroMem += r.memory ?? DEFAULT_MEMORY_REQUEST;
  }
  const sidecars: Resources = {};
  for (const c of pod.spec?.initContainers ?? []) {
    const r: Resources = {};
    addInto(r, c);
    if (c.restartPolicy === 'Always') {
      for (const [k, v] of Object.entries(r)) {
        sidecars[k] = (sidecars[k] ?? 0) + v;
        requests[k] = (requests[k] ?? 0) + v;
      }
      continue;
    }
    for (const [k, v] of Object.entries(r)) requests[k] = Math.max(requests[k] ?? 0, v + (sidecars[k] ?? 0));
  }
  for (const [k, v] of Object.entries(pod.spec?.overhead ?? {})) requests[k] = (requests[k] ?? 0) + resourceAmount(k, v);
  return { requests, nonZeroCpu: Math.max(nonZeroCpu, requests.cpu ?? 0), nonZeroMem: Math.max(nonZeroMem, requests.memory ?? 0) };
}

function term(t: PodAffinityTerm, ns: string): AffinityTerm {
  // As upstream: namespaceSelector {} selects all namespaces; a non-empty one selects by namespace labels,
  // merged with `namespaces`; with neither, the pod's own namespace.
  let namespaces: Set<string> | null;
  let nsSelector: LabelSelector | null = null;
  const nsSel = t.namespaceSelector;
  if (nsSel && Object.keys(nsSel.matchLabels ?? {}).length === 0 && (nsSel.matchExpressions ?? []).length === 0) namespaces = null;
  else if (nsSel) {
    nsSelector = selectorFromSpec(nsSel);
    namespaces = new Set(t.namespaces ?? []);
  } else namespaces = new Set(t.namespaces?.length ? t.namespaces : [ns]);
  const selector = selectorFromSpec(t.labelSelector ?? null);
  const nsText = `${namespaces ? [...namespaces].sort().join(',') : '*'}${nsSelector ? `+{${nsSelector.toString()}}` : ''}`;
  return { selector, namespaces, nsSelector, topologyKey: t.topologyKey, key: `${nsText}|${selector.toString()}|${t.topologyKey}` };
}

function spread(c: TopologySpreadConstraint, pod: Pod): SpreadConstraint {
  let spec = c.labelSelector ?? null;
  if (c.matchLabelKeys?.length && spec) {
    const labels = pod.metadata?.labels ?? {};
    const extra = c.matchLabelKeys.filter((k) => labels[k] !== undefined).map((k) => ({ key: k, operator: 'In', values: [labels[k]!] }));
    spec = { ...spec, matchExpressions: [...(spec.matchExpressions ?? []), ...extra] };
  }
  const selector = selectorFromSpec(spec);
  const ns = pod.metadata?.namespace ?? 'default';
  return {
    maxSkew: c.maxSkew, topologyKey: c.topologyKey, hard: c.whenUnsatisfiable !== 'ScheduleAnyway', selector,
    minDomains: c.minDomains ?? 1, honorNodeAffinity: c.nodeAffinityPolicy !== 'Ignore', honorTaints: c.nodeTaintsPolicy === 'Honor',
    key: `${ns}|${selector.toString()}|${c.topologyKey}`,
  };
}

/** The equivalence class: owner plus every spec field a node-local plugin reads. */
function classOf(pod: Pod): string {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller)?.uid ?? `ns:${pod.metadata?.namespace ?? ''}`;
  const s = pod.spec ?? {};
  const containers = (s.containers ?? []).map((c) => [c.image, c.resources?.requests, c.ports]);
  const inits = (s.initContainers ?? []).map((c) => [c.resources?.requests, c.restartPolicy]);
  return `${owner}|${JSON.stringify([containers, inits, s.overhead, s.nodeSelector, s.affinity?.nodeAffinity, s.tolerations, s.volumes, s.schedulerName, s.priority])}`;
}

export function createPodInfo(pod: Pod): PodInfo {
  const m = pod.metadata ?? {};
  const namespace = m.namespace ?? 'default';
  const name = m.name ?? '';
  const s = pod.spec ?? {};
  let invalid: string | undefined;
  const safe = <T>(fn: () => T[]): T[] => {
    try {
      return fn();
    } catch (e) {
      invalid = `invalid pod spec: ${(e as Error).message}`;
      return [];
    }
  };
  const aff = s.affinity;
  const hostPorts: HostPort[] = [];
  for (const c of [...(s.initContainers ?? []), ...(s.containers ?? [])]) {
    for (const p of c.ports ?? []) if (p.hostPort && p.hostPort > 0) hostPorts.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
  }
  const { requests, nonZeroCpu, nonZeroMem } = podRequests(pod);
  return {
    key: `${namespace}/${name}`, pod, namespace, name, uid: m.uid ?? '',
    labels: m.labels ?? {}, priority: s.priority ?? 0, requests, nonZeroCpu, nonZeroMem, hostPorts,
    images: (s.containers ?? []).map((c) => c.image ?? '').filter((i) => i !== ''),
    tolerations: s.tolerations ?? [],
    requiredAffinity: safe(() => (aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => term(t, namespace))),
    requiredAntiAffinity: safe(() => (aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => term(t, namespace))),
    preferredAffinity: safe(() => (aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ ...term(w.podAffinityTerm, namespace), weight: w.weight }))),
    preferredAntiAffinity: safe(() => (aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ ...term(w.podAffinityTerm, namespace), weight: w.weight }))),
    spreadConstraints: safe(() => (s.topologySpreadConstraints ?? []).map((c) => spread(c, pod))),
    classKey: classOf(pod),
    createdAt: Date.parse(m.creationTimestamp ?? '') || 0,
    ...(invalid ? { invalid } : {}),
  };
}

/** Does `term` (declared by a pod) select `target`? */
export function termMatches(t: AffinityTerm, target: PodInfo, nsLabels?: (ns: string) => Readonly<Record<string, string>> | undefined): boolean {
  const inNs = t.namespaces === null || t.namespaces.has(target.namespace) || (t.nsSelector !== null && nsLabels !== undefined && t.nsSelector.matches(nsLabels(target.namespace) ?? {}));
  return inNs && t.selector.matches(target.labels);
}
