// Node registration, status and heartbeat (pkg/kubelet/kubelet_node_status.go, nodelease):
// - registers the Node (labels, taints, capacity, addresses, nodeInfo, daemonEndpoints);
// - renews the Lease kube-node-lease/<node> every 10 s (the heartbeat the node lifecycle controller reads);
// - patches nodes/status when something changed, and at least every 5 minutes otherwise
//   (nodeStatusReportFrequency), with Ready/MemoryPressure/DiskPressure/PIDPressure conditions.
import { readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, hostname, platform, release, totalmem, freemem } from 'node:os';
import type { Client, Clock } from '../client';
import { isAlreadyExists, isConflict, isNotFound, microTime, Resources, type Lease } from '../client';
import type { Condition, Node, Taint } from './types';

export const KUBELET_VERSION = 'v1.32.4+berth';
export const POD_NETWORK_ANNOTATION = 'berth.io/pod-network';

export interface NodeInfoOptions {
  nodeName: string;
  nodeIP: string;
  dataDir: string;
  kubeletPort: number;
  runtimeVersion: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** 'netns' (pods get their own network namespace) or 'host'. */
  podNetwork: string;
  podNetworkMessage: string;
}

function readId(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

export function nodeCapacity(dataDir: string): Record<string, string> {
  let storage = 0;
  try {
    const s = statfsSync(dataDir);
    storage = s.blocks * s.bsize;
  } catch {
    storage = 0;
  }
  return {
    cpu: String(cpus().length),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    'ephemeral-storage': `${Math.floor(storage / 1024)}Ki`,
    pods: '110',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
  };
}

export function bootID(): string {
  return readId('/proc/sys/kernel/random/boot_id');
}

/** The Node object the kubelet registers. */
export function buildNode(o: NodeInfoOptions): Node {
  const capacity = nodeCapacity(o.dataDir);
  const taints = o.taints?.length ? { taints: o.taints } : {};
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: o.nodeName,
      labels: {
        'beta.kubernetes.io/arch': goArch(),
        'beta.kubernetes.io/os': platform(),
        'kubernetes.io/arch': goArch(),
        'kubernetes.io/hostname': o.nodeName,
        'kubernetes.io/os': platform(),
        ...o.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', [POD_NETWORK_ANNOTATION]: o.podNetwork },
    },
    spec: { ...taints },
    status: {
      capacity,
      allocatable: { ...capacity },
      addresses: [{ type: 'InternalIP', address: o.nodeIP }, { type: 'Hostname', address: o.nodeName }],
      daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort } },
      nodeInfo: {
        machineID: readId('/etc/machine-id'),
        systemUUID: readId('/sys/class/dmi/id/product_uuid') || readId('/etc/machine-id'),
        bootID: bootID(),
        kernelVersion: release(),
        osImage: osImage(),
        containerRuntimeVersion: o.runtimeVersion,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: '',
        operatingSystem: platform(),
        architecture: goArch(),
      },
    },
  };
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readId('/etc/os-release'));
  return m?.[1] ?? `${platform()} ${release()}`;
}

interface Pressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

export function measurePressure(dataDir: string): Pressure {
  let disk = false;
  try {
    const s = statfsSync(dataDir);
    disk = s.bavail / s.blocks < 0.1;
  } catch {
    disk = false;
  }
  const memory = freemem() < 100 * 1024 * 1024;
  return { memory, disk, pid: false };
}

/** The four node conditions, keeping lastTransitionTime while a status holds. */
export function nodeConditions(p: Pressure, ready: boolean, readyMessage: string, old: Condition[] | undefined, now: number): Condition[] {
  const t = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const mk = (type: string, status: boolean, reason: string, message: string): Condition => {
    const prev = old?.find((c) => c.type === type);
    const s = status ? 'True' : 'False';
    return { type, status: s, lastHeartbeatTime: t, lastTransitionTime: prev?.status === s && prev.lastTransitionTime ? prev.lastTransitionTime : t, reason, message };
  };
  return [
    mk('MemoryPressure', p.memory, p.memory ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory',
      p.memory ? 'kubelet has insufficient memory available' : 'kubelet has sufficient memory available'),
    mk('DiskPressure', p.disk, p.disk ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure', p.disk ? 'kubelet has disk pressure' : 'kubelet has no disk pressure'),
    mk('PIDPressure', p.pid, p.pid ? 'KubeletHasInsufficientPID' : 'KubeletHasSufficientPID', p.pid ? 'kubelet has insufficient PID available' : 'kubelet has sufficient PID available'),
    mk('Ready', ready, ready ? 'KubeletReady' : 'KubeletNotReady', readyMessage),
  ];
}

/** Creates the Node, or brings an existing one's labels/taints/annotations up to date. */
export async function registerNode(client: Client, node: Node): Promise<Node> {
  const nodes = client.resource<Node>(Resources.nodes);
  try {
    return await nodes.create(undefined, node);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  for (;;) {
    const cur = await nodes.get(undefined, node.metadata.name);
    const next: Node = structuredClone(cur);
    next.metadata.labels = { ...cur.metadata.labels, ...node.metadata.labels };
    next.metadata.annotations = { ...cur.metadata.annotations, ...node.metadata.annotations };
    if (node.spec?.taints && !cur.spec?.taints) next.spec = { ...next.spec, taints: node.spec.taints };
    if (JSON.stringify(next.metadata) === JSON.stringify(cur.metadata) && JSON.stringify(next.spec) === JSON.stringify(cur.spec)) return cur;
    try {
      return await nodes.update(undefined, next);
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }
}

/** Patches nodes/status. */
export async function patchNodeStatus(client: Client, name: string, status: Node['status']): Promise<Node> {
  return client.resource<Node>(Resources.nodes).patch(undefined, name, 'merge', { status }, { subresource: 'status' });
}

/** Renews (creating if needed) the node's Lease in kube-node-lease. */
export async function renewLease(client: Client, nodeName: string, clock: Clock, uid?: string): Promise<void> {
  const leases = client.resource<Lease>(Resources.leases);
  const now = microTime(clock.now());
  try {
    const cur = await leases.get('kube-node-lease', nodeName);
    const next = structuredClone(cur);
    next.spec = { ...next.spec, holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: now };
    await leases.update('kube-node-lease', next);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    const owner = uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid }] } : {};
    await leases.create('kube-node-lease', {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { name: nodeName, namespace: 'kube-node-lease', ...owner },
      spec: { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: now },
    } as Lease);
  }
}

export { hostname };
