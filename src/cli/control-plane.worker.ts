// The scheduler, the controller manager and this node's networking (service proxy, DNS, ingress), run in a
// worker thread of `berth server` so their CPU never stalls the API server's event loop. They reach the API
// server over its normal HTTPS API, like any client.
//
// The thread starts before the API server listens (its module loading overlaps the main thread's start-up)
// and waits for a `run` message with the server's URL. Then the service proxy and the node IPAM controller
// start, and the other controllers, the scheduler, DNS, ingress and local-path volumes once this machine's
// node has its pod CIDR (which the CNI pod network, hence the node's readiness, waits for), or after
// NODE_CIDR_HOLD_MS.
import { setMaxListeners } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { defaultControllerMetrics, runControllers } from '../controllers';
import { runLocalPathProvisioner } from '../controllers/volume';
import { runScheduler } from '../scheduler';
import { runNodeNetworking, type NodeNetworkingOptions } from './networking';
import { nodeCidrGate } from './node-cidr-gate';
import type { ClientConfig } from '../client';

export interface ControlPlaneWorkerData {
  caPem: string;
  token: string;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  leaderElect: boolean;
  schedulerConfig?: string;
  disableScheduler?: boolean;
  disableControllers?: boolean;
  /** Pod CIDR of the cluster: the node IPAM controller gives each node a /24 of it. */
  clusterCidr?: string;
  /** This machine's service proxy, DNS and ingress (they run here so their traffic stays off the API's thread). */
  networking?: Omit<NodeNetworkingOptions, 'config' | 'signal' | 'log'>;
  /** This machine's local-path volume provisioner: PersistentVolumes as directories under `baseDir`. */
  localStorage?: { nodeName: string; baseDir: string };
}

/** Messages from the main thread: `run` (once the API server listens at `server`) and `stop`. */
export type ControlPlaneMessage = { type: 'run'; server: string } | { type: 'stop' };

type Level = ControlPlaneWorkerData['logLevel'];
const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

const d = workerData as ControlPlaneWorkerData;
const ac = new AbortController();
// Every informer, watch and queue listens on this one signal.
setMaxListeners(0, ac.signal);
const log = (level: Level, msg: string) => {
  if (ORDER[level] <= ORDER[d.logLevel]) parentPort?.postMessage({ type: 'log', level, msg });
};

let running = false;
function run(server: string): void {
  if (running || ac.signal.aborted) return;
  running = true;
  const config: ClientConfig = { server, ca: Buffer.from(d.caPem), token: d.token, userAgent: 'berth-control-plane' };
  const runs: Array<Promise<void>> = [];
  // This machine's node gets its pod CIDR first: the node IPAM controller and the service proxy start at
  // once, everything else waits for that CIDR, at most NODE_CIDR_HOLD_MS (node-cidr-gate.ts).
  const localNode = d.localStorage?.nodeName ?? d.networking?.nodeName;
  const gate = !d.disableControllers && d.clusterCidr && localNode ? nodeCidrGate(localNode) : undefined;
  const later = (start: () => Promise<void>): Promise<void> =>
    gate ? gate.passed.then(() => (ac.signal.aborted ? undefined : start())) : start();
  const networking = d.networking;
  if (networking) runs.push(runNodeNetworking({ ...networking, config, signal: ac.signal, log, ...(gate ? { startOthers: gate.passed } : {}) }));
  if (!d.disableControllers) {
    runs.push(runControllers({
      config, signal: ac.signal, log, leaderElect: d.leaderElect,
      ...(d.clusterCidr ? { clusterCidr: d.clusterCidr } : {}),
      ...(gate ? { holdUntil: gate.holdUntil } : {}),
    }));
  }
  if (!d.disableScheduler) runs.push(later(() => runScheduler({ config, signal: ac.signal, log, leaderElect: d.leaderElect, schedulerConfig: d.schedulerConfig })));
  const localStorage = d.localStorage;
  if (localStorage) runs.push(later(() => runLocalPathProvisioner({ ...localStorage, config, signal: ac.signal, log })));
  // The controller manager's metrics, pushed to the main thread, which serves them on the API server's /metrics.
  if (!d.disableControllers) {
    const push = (): void => parentPort?.postMessage({ type: 'metrics', text: defaultControllerMetrics.text() });
    const t = setInterval(push, 5000);
    t.unref();
    ac.signal.addEventListener('abort', () => clearInterval(t), { once: true });
  }
  Promise.all(runs).then(
    () => parentPort?.postMessage({ type: 'stopped' }),
    (e: unknown) => {
      parentPort?.postMessage({ type: 'fatal', msg: e instanceof Error ? e.message : String(e) });
    },
  ).finally(() => {
    // Everything stopped: let the thread end without waiting for the main thread to terminate it.
    if (ac.signal.aborted) parentPort?.unref();
  });
}

parentPort?.on('message', (m: ControlPlaneMessage) => {
  if (m.type === 'run') run(m.server);
  else if (m.type === 'stop') {
    ac.abort();
    if (!running) parentPort?.unref();
  }
});
