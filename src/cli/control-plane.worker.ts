// The scheduler, the controller manager and this node's networking (service proxy, DNS, ingress), run in a
// worker thread of `berth server` so their CPU never stalls the API server's event loop. They reach the API
// server over its normal HTTPS API, like any client.
import { setMaxListeners } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { defaultControllerMetrics, runControllers } from '../controllers';
import { runLocalPathProvisioner } from '../controllers/volume';
import { runScheduler } from '../scheduler';
import { runNodeNetworking, type NodeNetworkingOptions } from './networking';
import type { ClientConfig } from '../client';

export interface ControlPlaneWorkerData {
  server: string;
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

type Level = ControlPlaneWorkerData['logLevel'];
const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

const d = workerData as ControlPlaneWorkerData;
const ac = new AbortController();
// Every informer, watch and queue listens on this one signal.
setMaxListeners(0, ac.signal);
const log = (level: Level, msg: string) => {
  if (ORDER[level] <= ORDER[d.logLevel]) parentPort?.postMessage({ type: 'log', level, msg });
};
parentPort?.on('message', (m: { type: string }) => {
  if (m.type === 'stop') ac.abort();
});

const config: ClientConfig = { server: d.server, ca: Buffer.from(d.caPem), token: d.token, userAgent: 'berth-control-plane' };
const runs: Array<Promise<void>> = [];
if (!d.disableScheduler) runs.push(runScheduler({ config, signal: ac.signal, log, leaderElect: d.leaderElect, schedulerConfig: d.schedulerConfig }));
if (!d.disableControllers) runs.push(runControllers({ config, signal: ac.signal, log, leaderElect: d.leaderElect, ...(d.clusterCidr ? { clusterCidr: d.clusterCidr } : {}) }));
if (d.networking) runs.push(runNodeNetworking({ ...d.networking, config, signal: ac.signal, log }));
if (d.localStorage) runs.push(runLocalPathProvisioner({ ...d.localStorage, config, signal: ac.signal, log }));
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
);
