// Helpers for the scheduler's integration tests and benchmark: Node and Pod builders, a poller, a
// stand-in for kubelets that finishes graceful deletions, and the invariant checker.
import { Resources, createInformer, type Client } from '../client/index';
import { createPodInfo } from './pod-info';
import { resourceAmount } from './quantity';
import type { Node, Pod, Taint } from './types';

export interface NodeSpec {
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  images?: Array<{ names: string[]; sizeBytes: number }>;
}

export function makeNode(name: string, s: NodeSpec = {}): Node {
  const res = { cpu: s.cpu ?? '4', memory: s.memory ?? '8Gi', pods: String(s.pods ?? 110), 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...s.labels } },
    spec: { ...(s.taints ? { taints: s.taints } : {}), ...(s.unschedulable ? { unschedulable: true } : {}) },
    status: { capacity: res, allocatable: res, conditions: [{ type: 'Ready', status: 'True' }], ...(s.images ? { images: s.images } : {}) },
  };
}

export function makePod(name: string, spec: Partial<NonNullable<Pod['spec']>> & { cpu?: string; memory?: string; labels?: Record<string, string>; namespace?: string } = {}): Pod {
  const { cpu, memory, labels, namespace, ...rest } = spec;
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: namespace ?? 'default', labels: labels ?? {} },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests } }], ...rest },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Finishes graceful deletions the way kubelets would (DELETE with gracePeriodSeconds=0) until signal aborts. */
export async function runFakeKubelets(client: Client, signal: AbortSignal): Promise<void> {
  const pods = client.resource<Pod>(Resources.pods);
  while (!signal.aborted) {
    try {
      const list = await pods.list(undefined, { signal });
      await Promise.all(list.items.filter((p) => p.metadata?.deletionTimestamp && p.spec?.nodeName).map((p) =>
        pods.delete(p.metadata!.namespace, p.metadata!.name!, { gracePeriodSeconds: 0 }).catch(() => undefined)));
    } catch {
      /* aborted or transient */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Nodes whose bound, non-terminal pods request more than allocatable (cpu, memory, pods): must be empty. */
export function overcommitted(nodes: readonly Node[], pods: readonly Pod[]): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const name = n.metadata?.name ?? '';
    const mine = pods.filter((p) => p.spec?.nodeName === name && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const alloc = n.status?.allocatable ?? {};
    const used: Record<string, number> = {};
    for (const p of mine) for (const [k, v] of Object.entries(createPodInfo(p).requests)) used[k] = (used[k] ?? 0) + v;
    for (const [k, v] of Object.entries(used)) if (v > resourceAmount(k, alloc[k])) out.push(`${name}: ${k} requested ${v} > allocatable ${resourceAmount(k, alloc[k])}`);
    if (mine.length > resourceAmount('pods', alloc.pods)) out.push(`${name}: ${mine.length} pods > ${String(alloc.pods)}`);
  }
  return out;
}

/**
 * Watch-based stand-in for kubelets (cheap at thousands of pods): a bound pod that gets a
 * deletionTimestamp is deleted with gracePeriodSeconds=0 at once. Resolves when signal aborts.
 */
export async function runWatchingKubelets(client: Client, signal: AbortSignal): Promise<void> {
  const inf = createInformer<Pod>({ client, resource: Resources.pods, freeze: false, onError: () => undefined });
  const pods = client.resource<Pod>(Resources.pods);
  const finish = (p: Pod): void => {
    if (!p.metadata?.deletionTimestamp || !p.spec?.nodeName) return;
    pods.delete(p.metadata.namespace, p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
  };
  inf.addEventHandler({ onAdd: finish, onUpdate: (_a, b) => finish(b) });
  await inf.run(signal);
}
