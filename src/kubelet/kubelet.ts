// runKubelet: the node agent. Wires the pieces together —
//
//   pod informer (spec.nodeName=<node>) ─┐
//   static pod manifests (polled) ───────┼─► pod workers (one per UID) ─► runtime ─► status manager ─► pods/status
//   PLEG (relist the runtime every 1 s) ─┘        ▲ probes, backoff timers
//   node status + lease loops ─► nodes/status, kube-node-lease/<node>
//   HTTPS server (:10250) ─► logs, exec/attach/portForward, pods, stats
//
// Borg's rule: nothing here stops a container because the API server is unreachable. Pods are only torn
// down when the (synced) informer or the manifest directory says they are gone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  createClient, createEventRecorder, createInformer, deletedObject, isNotFound, isConflict, realClock, Resources,
  type Client, type ClientConfig, type Clock, type Informer,
} from '../client';
import { CrashBackoff, type BackoffOptions } from './backoff';
import { ApiConfigSource } from './config-source';
import { bootID, buildNode, nodeConditions, measurePressure, patchNodeStatus, registerNode, renewLease, POD_NETWORK_ANNOTATION } from './node-status';
import { PodWorker, type PodWorkerDeps } from './pod-worker';
import { createRuntime, type ContainerRuntime } from './runtime';
import { startKubeletServer, type KubeletServer } from './server';
import { StatusManager } from './status-manager';
import { StaticPodSource } from './static-pods';
import { createApiClaimSource } from './pvc-volume';
import { createServiceAccountTokenManager } from './sa-token';
import { choosePodNetwork, type PodNetworkMode } from './pod-network';
import { NETWORK_NOT_READY } from './cni/network';
import { peerOf } from './cni/routes';
import { LABEL_POD_UID, type LogFn, type Node, type Pod, type Service, type Taint } from './types';

export interface KubeletOptions {
  config: ClientConfig;
  nodeName: string;
  nodeIP: string;
  runtime: ContainerRuntime | 'process' | 'oci' | 'fake';
  dataDir: string;
  clusterCaPem: string;
  /** HTTPS port of the kubelet server (default 10250; 0 = random). */
  kubeletPort?: number;
  podManifestPath?: string;
  nodeLabels?: Record<string, string>;
  registerWithTaints?: Taint[];
  clusterDNS?: string;
  clusterDomain?: string;
  signal: AbortSignal;
  log?: LogFn;
  clock?: Clock;
  /** CrashLoopBackOff timing (tests shorten it); upstream's 10 s doubling to 5 min by default. */
  backoff?: BackoffOptions;
  /** 'auto' (CNI when root with the CNI plugins, else host networking), 'cni' (required) or 'host'. Default
   * 'host' for the library (tests embed many kubelets on one machine); `berth server` and `berth agent` pass 'auto'. */
  podNetwork?: PodNetworkMode;
  /** A fixed pod CIDR for this node (upstream kubelet's --pod-cidr, for standalone use); default: Node.spec.podCIDR. */
  podCidr?: string;
  /** The CNI bridge's name (default berth-cni0; tests running several kubelets at once give each its own). */
  cniBridge?: string;
  /** Where the CNI plugin binaries are (default /usr/lib/cni, /opt/cni/bin). */
  cniBinDirs?: string[];
  /** The cluster's pod CIDR (routed unreachable where nothing more specific exists); the node's own comes from Node.spec.podCIDR. */
  clusterCidr?: string;
  /** With CNI, pods reach addresses outside the cluster, masqueraded behind the node's address (default true). */
  podEgress?: boolean;
  /** Debug/bench hook: a pod reached a startup stage ('informer', then the pod worker's stages). */
  trace?: (uid: string, stage: string) => void;
  /** Called once the kubelet is up (tests): the HTTPS port and the pod worker map. */
  onReady?: (info: KubeletHandle) => void;
}

export interface KubeletHandle {
  port: number;
  runtime: ContainerRuntime;
  statusManager: StatusManager;
  workers: Map<string, PodWorker>;
}

const NODE_STATUS_MS = 10_000;
const NODE_STATUS_FORCE_MS = 5 * 60_000;
const LEASE_MS = 10_000;

/** Runs the kubelet until `signal` aborts; never stops running containers on the way out. */
export async function runKubelet(opts: KubeletOptions): Promise<void> {
  const clock = opts.clock ?? realClock;
  const log: LogFn = opts.log ?? ((level, msg) => { if (level !== 'debug') console.error(`kubelet ${level}: ${msg}`); });
  const { signal, nodeName, nodeIP, dataDir } = opts;
  mkdirSync(dataDir, { recursive: true });
  const net = choosePodNetwork({
    mode: opts.podNetwork ?? 'host', runtime: typeof opts.runtime === 'string' ? opts.runtime : opts.runtime.name, dataDir, log,
    ...(opts.cniBinDirs ? { binDirs: opts.cniBinDirs } : {}), ...(opts.clusterCidr ? { clusterCidr: opts.clusterCidr } : {}),
    ...(opts.cniBridge ? { bridge: opts.cniBridge } : {}), ...(opts.podEgress === false ? { egress: false } : {}),
  });
  // a reboot since the last run: every sandbox is stale (its processes died); the runtime reports them exited
  const bootFile = join(dataDir, 'boot_id');
  const boot = bootID();
  const rebooted = existsSync(bootFile) && readFileSync(bootFile, 'utf8').trim() !== boot && boot !== '';
  if (rebooted) net.cni?.resetAllocations(); // every namespace is gone, so are its addresses
  const runtime = typeof opts.runtime === 'string'
    ? await createRuntime(opts.runtime, { rootDir: join(dataDir, 'runtime'), hostIP: nodeIP, ...(net.cni ? { network: net.cni } : {}) })
    : opts.runtime;
  const caps = runtime.capabilities();
  const client = createClient({ ...opts.config, userAgent: opts.config.userAgent ?? `kubelet/v1.32.4 (berth) ${nodeName}` });
  const podNetns = net.cni !== undefined;
  const podNetwork = net.annotation;
  log('info', `node ${nodeName}: runtime ${runtime.name}; ${net.message}; ${caps.notes.join('; ')}`);

  writeFileSync(bootFile, boot);
  if (rebooted) {
    log('info', 'the node rebooted since the last run: restarting its pods');
    for (const s of await runtime.listPodSandboxes()) await runtime.stopPodSandbox(s.id, 0);
  }

  const recorder = createEventRecorder(client, { component: 'kubelet', host: nodeName, clock, onError: (e) => log('debug', `event: ${String(e)}`) });
  const statusManager = new StatusManager(client, clock, log);
  if (opts.trace) statusManager.trace = opts.trace;
  const serviceInformer = createInformer<Service>({ client, resource: Resources.services, clock, onError: (e, w) => log('debug', `services informer ${w}: ${String(e)}`) });
  const configSource = new ApiConfigSource(client, clock, serviceInformer);
  const allocatable = { cpu: cpus().length, memory: totalmem() };
  const workers = new Map<string, PodWorker>();
  const staticPods = opts.podManifestPath ? new StaticPodSource(opts.podManifestPath, nodeName, clock, log) : undefined;
  const pods = client.resource<Pod>(Resources.pods);
  const dnsConfig = (pod: Pod): string | undefined => {
    if (!opts.clusterDNS || pod.spec.dnsPolicy === 'Default' || pod.spec.hostNetwork && pod.spec.dnsPolicy !== 'ClusterFirstWithHostNet') return undefined;
    const domain = opts.clusterDomain ?? 'cluster.local';
    const ns = pod.metadata.namespace;
    return `search ${ns}.svc.${domain} svc.${domain} ${domain}\nnameserver ${opts.clusterDNS}\noptions ndots:5\n`;
  };
  const deps: PodWorkerDeps = {
    runtime, clock, hostIP: nodeIP, backoff: new CrashBackoff(opts.backoff), config: configSource, status: statusManager, log,
    nodeAllocatable: allocatable, podNetns, dnsConfig, networkReady: () => net.cni?.ready() ?? true,
    volumeHost: { podDir: (uid) => join(dataDir, 'pods', uid), isRoot: process.getuid?.() === 0, event: (p, t, r, m) => recorder.event(p, t, r, m), claims: createApiClaimSource(client, { clock }), tokens: createServiceAccountTokenManager({ client, clock }) },
    logDir: (pod) => join(dataDir, 'logs', `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`),
    event: (p, t, r, m) => recorder.event(p, t, r, m),
    async deletePod(pod) {
      if (staticPods?.isStatic(pod)) return;
      try {
        await pods.delete(pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    },
    mirrorName: (pod) => (staticPods?.isStatic(pod) ? pod.metadata.name : undefined),
    onDone: (uid) => workers.delete(uid),
    ...(opts.trace ? { trace: opts.trace } : {}),
  };
  const upsert = (pod: Pod): void => {
    const w = workers.get(pod.metadata.uid);
    if (w) w.update(pod);
    else {
      opts.trace?.(pod.metadata.uid, 'informer');
      const nw = new PodWorker(pod, deps);
      workers.set(pod.metadata.uid, nw);
      nw.kick();
    }
  };
  const podInformer: Informer<Pod> = createInformer<Pod>({
    client, resource: Resources.pods, fieldSelector: `spec.nodeName=${nodeName}`, clock,
    onError: (e, w) => log('debug', `pod informer ${w}: ${String(e)}`),
  });
  podInformer.addEventHandler({
    onAdd: (p) => { if (!staticPods?.isMirror(p)) upsert(p); },
    onUpdate: (_o, p) => { if (!staticPods?.isMirror(p)) upsert(p); },
    onDelete: (x) => {
      const p = deletedObject(x);
      if (staticPods?.isMirror(p)) return;
      workers.get(p.metadata.uid)?.remove();
    },
  });
  void podInformer.run(signal);
  void serviceInformer.run(signal);
  if (staticPods) {
    staticPods.onChange = (added, removed) => {
      for (const p of added) upsert(p);
      for (const uid of removed) workers.get(uid)?.remove();
    };
    staticPods.start(client, signal);
  }

  let server: KubeletServer | undefined;
  try {
    server = await startKubeletServer({
      host: nodeIP, port: opts.kubeletPort ?? 10250, dataDir, clusterCaPem: opts.clusterCaPem, runtime, log,
      findPod: (ns, name) => [...workers.values()].map((w) => w.pod).find((p) => p.metadata.namespace === ns && (p.metadata.name === name || staticPods?.mirrorNameOf(p) === name)),
      pods: () => [...workers.values()].map((w) => ({ ...w.pod, status: statusManager.latest(w.uid) ?? w.pod.status })),
      signal,
    });
  } catch (e) {
    log('error', `kubelet server: ${(e as Error).message}`);
  }
  const port = server?.port ?? 0;

  // PLEG: relist the runtime and wake the workers of pods whose containers changed
  const seen = new Map<string, string>();
  const pleg = async (): Promise<void> => {
    const sig = new Map<string, string>();
    for (const c of await runtime.listContainers()) {
      const uid = c.labels[LABEL_POD_UID];
      if (!uid) continue;
      sig.set(uid, `${sig.get(uid) ?? ''}${c.id}:${c.state};`);
    }
    for (const [uid, s] of sig) if (seen.get(uid) !== s) workers.get(uid)?.kick();
    seen.clear();
    for (const [k, v] of sig) seen.set(k, v);
  };
  // Housekeeping: sandboxes of pods the (synced) API no longer has are torn down
  const housekeeping = async (): Promise<void> => {
    if (!podInformer.hasSynced()) return;
    for (const sb of await runtime.listPodSandboxes()) {
      const uid = sb.labels[LABEL_POD_UID];
      if (!uid || workers.has(uid) || staticPods?.hasUid(uid)) continue;
      const live = podInformer.lister.list().some((p) => p.metadata.uid === uid);
      if (live) continue;
      log('info', `removing sandbox ${sb.id} of pod ${sb.namespace}/${sb.name} (${uid}): the pod no longer exists`);
      await runtime.stopPodSandbox(sb.id, 0);
      await runtime.removePodSandbox(sb.id);
    }
  };
  const loops: Array<Promise<void>> = [];
  const every = (ms: number, fn: () => Promise<void>, name: string): void => {
    loops.push((async () => {
      while (!signal.aborted) {
        try {
          await fn();
        } catch (e) {
          log('debug', `${name}: ${(e as Error).message}`);
        }
        await clock.sleep(ms, signal);
      }
    })());
  };
  every(1000, pleg, 'pleg');
  every(5000, housekeeping, 'housekeeping');

  // node registration, status, lease
  const runtimeVersion = `${runtime.name}://berth-${(await runtime.version()).runtimeVersion}`;
  const nodeTemplate = buildNode({ nodeName, nodeIP, dataDir, kubeletPort: port, runtimeVersion, labels: opts.nodeLabels, taints: opts.registerWithTaints, podNetwork, podNetworkMessage: net.message });
  let node: Node | undefined;
  let lastStatusJson = '';
  let lastStatusAt = 0;
  let statusRun: Promise<void> = Promise.resolve();
  const syncNodeStatus = (): Promise<void> => (statusRun = statusRun.catch(() => undefined).then(nodeStatusOnce));
  // CNI needs the node's pod CIDR (Node.spec.podCIDR, set by the node IPAM controller): until then the node
  // is NotReady with upstream's "network plugin not ready" message and no pod gets a namespace.
  const configureNetwork = async (n: Node | undefined): Promise<void> => {
    const cidr = n?.spec?.podCIDR;
    if (!net.cni || !cidr || (net.cni.cidr === cidr && net.cni.ready())) return;
    if (net.cni.cidr && net.cni.cidr !== cidr) log('warn', `node ${nodeName}: pod CIDR changed from ${net.cni.cidr} to ${cidr}; running pods keep their addresses`);
    await net.cni.configure(cidr);
    await syncNodeStatus().catch((e: unknown) => log('debug', `node status: ${String(e)}`));
    for (const w of workers.values()) w.kick();
  };
  let nodeInformer: Informer<Node> | undefined;
  if (net.cni && opts.podCidr) await net.cni.configure(opts.podCidr);
  if (net.cni && (!opts.podCidr || opts.clusterCidr)) {
    // this node's pod CIDR, and (with a cluster CIDR) every node's, routed through it (cni/routes.ts)
    const cni = net.cni;
    const allNodes = opts.clusterCidr !== undefined;
    nodeInformer = createInformer<Node>({
      client, resource: Resources.nodes, clock, onError: (e, w) => log('debug', `node informer ${w}: ${String(e)}`),
      ...(allNodes ? {} : { fieldSelector: `metadata.name=${nodeName}` }),
    });
    const inf = nodeInformer;
    const failed = (e: unknown): void => log('error', `pod network: ${e instanceof Error ? e.message : String(e)}`);
    const routes = (): void => {
      if (allNodes && inf.hasSynced()) cni.syncPeerRoutes(inf.lister.list().map(peerOf), { name: nodeName, ip: nodeIP }).catch(failed);
    };
    const onNode = (n: Node): void => {
      if (n.metadata.name === nodeName && !opts.podCidr) configureNetwork(n).then(routes, failed);
      else routes();
    };
    nodeInformer.addEventHandler({ onAdd: onNode, onUpdate: (_o, n) => onNode(n), onDelete: routes });
    void nodeInformer.run(signal);
    void nodeInformer.waitForSync(signal).then((ok) => { if (ok) routes(); });
  }
  const nodeStatusOnce = async (): Promise<void> => {
    if (!node) {
      node = await registerNode(client, nodeTemplate);
      log('info', `registered node ${nodeName}`);
      await renewLease(client, nodeName, clock, node.metadata.uid).catch((e: unknown) => log('debug', `lease: ${String(e)}`));
    }
    const status = structuredClone(nodeTemplate.status!);
    const pressure = measurePressure(dataDir);
    const networkReady = net.cni?.ready() ?? true;
    const conditions = nodeConditions(pressure, networkReady, networkReady ? 'kubelet is posting ready status' : NETWORK_NOT_READY, node.status?.conditions, clock.now());
    const compare = JSON.stringify({ ...status, conditions: conditions.map((c) => ({ ...c, lastHeartbeatTime: '' })) });
    if (compare === lastStatusJson && clock.now() - lastStatusAt < NODE_STATUS_FORCE_MS) return;
    node = await patchNodeStatus(client, nodeName, { ...status, conditions });
    lastStatusJson = compare;
    lastStatusAt = clock.now();
  };
  every(NODE_STATUS_MS, syncNodeStatus, 'node status');
  every(LEASE_MS, async () => {
    if (node) await renewLease(client, nodeName, clock, node.metadata.uid);
  }, 'lease');

  opts.onReady?.({ port, runtime, statusManager, workers });
  log('info', `kubelet on node ${nodeName} (${nodeIP}) serving on :${port}; ${POD_NETWORK_ANNOTATION}=${podNetwork}`);
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  for (const w of workers.values()) w.stopProbes();
  await Promise.allSettled(loops);
  statusManager.close();
  await server?.close();
  await recorder.flush().catch(() => undefined);
  if (net.cni) {
    // a clean stop with no pod network left (every pod gone) leaves the host as it was found
    const wired = (await runtime.listPodSandboxes().catch(() => [])).some((sb) => sb.state === 'ready' && sb.netnsPath);
    if (!wired) await net.cni.cleanupHost().catch((e: unknown) => log('warn', `pod network cleanup: ${String(e)}`));
  }
  if (typeof opts.runtime === 'string') await runtime.close();
  client.close();
}

export type { Client };
