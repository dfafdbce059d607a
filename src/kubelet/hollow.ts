// Hollow nodes (kubemark's idea) for scale tests: N kubelets in one process that register a Node, keep its
// Lease fresh, report status, and make their pods Running at once without running anything. They share one
// pod informer (every pod, filtered by the set of hollow node names) instead of N watches, and keep each
// Lease in memory so a renewal is one PUT.
import { cpus } from 'node:os';
import {
  createClient, createInformer, deletedObject, isAlreadyExists, isConflict, isNotFound, microTime, realClock, Resources,
  type ClientConfig, type Clock, type Lease,
} from '../client';
import { KUBELET_VERSION, nodeConditions } from './node-status';
import { k8sTime } from './pod-status';
import type { LogFn, Node, Pod, PodStatus } from './types';

export interface HollowNodesOptions {
  config: ClientConfig;
  count: number;
  signal: AbortSignal;
  /** Node names are `<prefix>-<i>` (default hollow-node). */
  prefix?: string;
  log?: LogFn;
  clock?: Clock;
  /** Most registrations in flight at once (default 50). */
  concurrency?: number;
  onReady?: () => void;
}

const LEASE_MS = 10_000;
const STATUS_MS = 5 * 60_000;

function hollowNode(name: string, i: number): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'berth.io/hollow': 'true' } },
    spec: {},
    status: {
      capacity: { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      allocatable: { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      addresses: [{ type: 'InternalIP', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }, { type: 'Hostname', address: name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: '', systemUUID: '', bootID: '', kernelVersion: 'hollow', osImage: 'hollow', containerRuntimeVersion: 'fake://berth-0.1.0',
        kubeletVersion: KUBELET_VERSION, kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64',
      },
    },
  };
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>, signal: AbortSignal): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length && !signal.aborted) await fn(items[i++]!);
  }));
}

export function runningStatus(pod: Pod, hostIP: string, now: number): PodStatus {
  const t = k8sTime(now)!;
  const c = (type: string) => ({ type, status: 'True' as const, lastProbeTime: null, lastTransitionTime: t });
  return {
    phase: 'Running',
    conditions: [c('PodReadyToStartContainers'), c('Initialized'), c('Ready'), c('ContainersReady'), c('PodScheduled')],
    hostIP, hostIPs: [{ ip: hostIP }], podIP: hostIP, podIPs: [{ ip: hostIP }], startTime: pod.status?.startTime ?? t,
    containerStatuses: pod.spec.containers.map((ct, i) => ({
      name: ct.name, state: { running: { startedAt: t } }, lastState: {}, ready: true, restartCount: 0, started: true,
      image: ct.image ?? '', imageID: ct.image ?? '', containerID: `fake://${pod.metadata.uid}-${i}`,
    })),
    ...(pod.status?.qosClass ? { qosClass: pod.status.qosClass } : {}),
  };
}

/** Runs `count` hollow kubelets until `signal` aborts. */
export async function runHollowNodes(opts: HollowNodesOptions): Promise<void> {
  const clock = opts.clock ?? realClock;
  const log: LogFn = opts.log ?? ((l, m) => { if (l === 'error' || l === 'warn') console.error(`hollow ${l}: ${m}`); });
  const { signal } = opts;
  const client = createClient({ ...opts.config, userAgent: 'kubelet/v1.32.4 (berth hollow)', maxInFlight: opts.config.maxInFlight ?? 128 });
  const prefix = opts.prefix ?? 'hollow-node';
  const names = Array.from({ length: opts.count }, (_, i) => `${prefix}-${i}`);
  const index = new Map(names.map((n, i) => [n, i]));
  const nodes = client.resource<Node>(Resources.nodes);
  const leases = client.resource<Lease>(Resources.leases);
  const pods = client.resource<Pod>(Resources.pods);
  const leaseObj = new Map<string, Lease>();
  const nodeUid = new Map<string, string>();

  const register = async (name: string): Promise<void> => {
    const tmpl = hollowNode(name, index.get(name)!);
    let node: Node;
    try {
      node = await nodes.create(undefined, tmpl);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      node = await nodes.get(undefined, name);
    }
    nodeUid.set(name, node.metadata.uid ?? '');
    await reportStatus(name);
  };
  const reportStatus = async (name: string): Promise<void> => {
    const status = hollowNode(name, index.get(name)!).status!;
    const conditions = nodeConditions({ memory: false, disk: false, pid: false }, true, 'kubelet is posting ready status', undefined, clock.now());
    await nodes.patch(undefined, name, 'merge', { status: { ...status, conditions } }, { subresource: 'status' });
  };
  const renew = async (name: string): Promise<void> => {
    const renewTime = microTime(clock.now());
    const cur = leaseObj.get(name);
    try {
      if (cur) {
        const next = { ...cur, spec: { ...cur.spec, renewTime } };
        leaseObj.set(name, await leases.update('kube-node-lease', next));
        return;
      }
      const uid = nodeUid.get(name);
      leaseObj.set(name, await leases.create('kube-node-lease', {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: { name, namespace: 'kube-node-lease', ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid }] } : {}) },
        spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime },
      } as Lease));
    } catch (e) {
      if (isConflict(e) || isAlreadyExists(e)) leaseObj.set(name, await leases.get('kube-node-lease', name));
      else if (isNotFound(e)) leaseObj.delete(name);
      else throw e;
    }
  };

  const started = new Set<string>();
  const deleting = new Set<string>();
  const onPod = (p: Pod): void => {
    const node = p.spec.nodeName;
    if (!node || !index.has(node)) return;
    const uid = p.metadata.uid;
    const hostIP = hollowNode(node, index.get(node)!).status!.addresses![0]!.address;
    if (p.metadata.deletionTimestamp) {
      if (deleting.has(uid)) return;
      deleting.add(uid);
      pods.delete(p.metadata.namespace, p.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid } })
        .catch((e: unknown) => { if (!isNotFound(e) && !isConflict(e)) log('warn', `delete ${p.metadata.name}: ${String(e)}`); deleting.delete(uid); });
      return;
    }
    if (started.has(uid) || p.status?.phase === 'Running' || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return;
    started.add(uid);
    pods.patch(p.metadata.namespace, p.metadata.name, 'merge', { metadata: { uid }, status: runningStatus(p, hostIP, clock.now()) }, { subresource: 'status' })
      .catch((e: unknown) => { started.delete(uid); if (!isNotFound(e) && !isConflict(e)) log('warn', `status ${p.metadata.name}: ${String(e)}`); });
  };
  const informer = createInformer<Pod>({
    client, resource: Resources.pods, clock, freeze: false,
    transform: (p) => ({ metadata: p.metadata, spec: { nodeName: p.spec?.nodeName, containers: (p.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image })) }, status: { phase: p.status?.phase, qosClass: p.status?.qosClass, startTime: p.status?.startTime } }) as Pod,
    onError: (e, w) => log('debug', `pod informer ${w}: ${String(e)}`),
  });
  informer.addEventHandler({
    onAdd: onPod,
    onUpdate: (_o, p) => onPod(p),
    onDelete: (x) => { const p = deletedObject(x); started.delete(p.metadata.uid); deleting.delete(p.metadata.uid); },
  });

  await pool(names, opts.concurrency ?? 50, async (n) => {
    for (let tries = 0; !signal.aborted; tries++) {
      try {
        await register(n);
        return;
      } catch (e) {
        if (tries % 10 === 0) log('warn', `register ${n}: ${String(e)}`);
        await clock.sleep(1000, signal);
      }
    }
  }, signal);
  const running = informer.run(signal);
  log('info', `${names.length} hollow nodes registered (${cpus().length} cpus)`);
  opts.onReady?.();

  // one loop per duty, each spreading its nodes over its period
  const spread = async (periodMs: number, fn: (n: string) => Promise<void>): Promise<void> => {
    while (!signal.aborted) {
      const start = clock.now();
      const batch = Math.max(1, Math.ceil(names.length / (periodMs / 100)));
      for (let i = 0; i < names.length && !signal.aborted; i += batch) {
        await Promise.all(names.slice(i, i + batch).map((n) => fn(n).catch((e: unknown) => log('debug', `${n}: ${String(e)}`))));
        const due = start + ((i + batch) / names.length) * periodMs;
        if (due > clock.now()) await clock.sleep(due - clock.now(), signal);
      }
      if (start + periodMs > clock.now()) await clock.sleep(start + periodMs - clock.now(), signal);
    }
  };
  await Promise.all([spread(LEASE_MS, renew), spread(STATUS_MS, reportStatus), running]);
  client.close();
}
