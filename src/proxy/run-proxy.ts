// runProxy: informers on Services and EndpointSlices → desired state (service-map.ts) → a Proxier.
//
//   services informer ─┐                       bounded-frequency loop (kube-proxy's minSyncPeriod):
//                      ├─ any event ─► dirty ─► at most one sync per minSyncPeriod, a full resync every
//   slices informer ───┘                        syncPeriod; a failed sync is retried after minSyncPeriod
//                                               ─► proxier.sync(buildServicePorts(...)) ─► LB status
import { createClient, createInformer, realClock, Resources, type ClientConfig, type Clock } from '../client';
import { createAddressManager, type AddressManager } from './addresses';
import { realExec, type Exec } from './exec';
import { createIptablesProxier, iptablesUsable } from './iptables-proxier';
import { publishLoadBalancerStatus } from './lb-status';
import { buildServicePorts } from './service-map';
import { createSyncRunner } from './sync-runner';
import type { EndpointSlice, LogFn, Proxier, Service, ServicePortInfo } from './types';
import { createUserspaceProxier } from './userspace-proxier';

export type ProxyMode = 'iptables' | 'userspace' | 'auto';

export interface RunProxyOptions {
  config: ClientConfig;
  nodeName: string;
  nodeIP: string;
  /** auto (default): iptables when root and iptables works, else userspace. */
  mode?: ProxyMode;
  /** The API server's service CIDR (default 10.43.0.0/16); gets an unreachable route when root. */
  serviceCidr?: string;
  signal: AbortSignal;
  log?: LogFn;
  clock?: Clock;
  /** Minimum time between syncs (default 1000 ms in iptables mode, kube-proxy's minSyncPeriod; 100 ms in userspace mode). */
  minSyncPeriodMs?: number;
  /** Full resync period, repairing rules changed behind our back (default 30 s). */
  syncPeriodMs?: number;
  /** Addresses NodePorts are served on (default [nodeIP]). */
  nodePortAddresses?: string[];
  /** Put ClusterIPs on berth0 and route the service CIDR unreachable (default: when root). */
  manageAddresses?: boolean;
  /** Called after every successful sync with the state applied (tests, benchmarks). */
  onSynced?: (state: readonly ServicePortInfo[], proxier: Proxier) => void;
  /** Command runner (tests). */
  exec?: Exec;
}

const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

async function chooseProxier(opts: RunProxyOptions, exec: Exec, log: LogFn, addresses: AddressManager | undefined): Promise<Proxier> {
  const mode = opts.mode ?? 'auto';
  const common = { nodeIP: opts.nodeIP, log, ...(opts.nodePortAddresses ? { nodePortAddresses: opts.nodePortAddresses } : {}) };
  if (mode === 'iptables' || (mode === 'auto' && (await iptablesUsable(exec)))) {
    if (mode === 'iptables' && !(await iptablesUsable(exec))) throw new Error('proxy: iptables mode needs root and a working `iptables` (nat table)');
    // The firewall matters only where ClusterIPs are local addresses, i.e. when berth0 is managed.
    return createIptablesProxier({ ...common, exec, ...(addresses ? { addresses, serviceCidr: opts.serviceCidr ?? DEFAULT_SERVICE_CIDR } : {}) });
  }
  const userspace = createUserspaceProxier({ ...common, ...(opts.clock ? { clock: opts.clock } : {}) });
  if (!addresses) return userspace;
  return {
    mode: 'userspace',
    async sync(state) {
      await addresses.sync(new Set(state.map((s) => s.clusterIP)));
      await userspace.sync(state);
    },
    async cleanup() {
      await userspace.cleanup();
      await addresses.cleanup();
    },
    describe: () => userspace.describe(),
  };
}

/**
 * Runs this node's service proxy until `signal` aborts, then removes what it installed (chains, listeners,
 * berth0, the unreachable route) and resolves. Rejects only if the requested mode cannot start.
 */
export async function runProxy(opts: RunProxyOptions): Promise<void> {
  const log: LogFn = opts.log ?? (() => undefined);
  const clock = opts.clock ?? realClock;
  const exec = opts.exec ?? realExec;
  const { signal } = opts;
  const serviceCidr = opts.serviceCidr ?? DEFAULT_SERVICE_CIDR;
  const manage = opts.manageAddresses ?? isRoot();
  let addresses: AddressManager | undefined;
  if (manage) {
    addresses = createAddressManager({ exec, serviceCidr, log });
    try {
      await addresses.setup();
    } catch (err) {
      log('warn', `proxy: cannot set up berth0/unreachable route (${String(err)}); ClusterIPs reachable only through rules`);
      await addresses.cleanup().catch(() => undefined);
      addresses = undefined;
    }
  }
  let proxier: Proxier;
  try {
    proxier = await chooseProxier(opts, exec, log, addresses);
  } catch (err) {
    await addresses?.cleanup();
    throw err;
  }
  log('info', `proxy: ${proxier.mode} mode on node ${opts.nodeName} (${opts.nodeIP}), service CIDR ${serviceCidr}`);
  // iptables-restore costs a process spawn and a kernel table swap; listener updates in userspace mode are
  // in-memory, so that mode can follow changes more closely.
  const minSync = opts.minSyncPeriodMs ?? (proxier.mode === 'iptables' ? 1000 : 100);
  const period = opts.syncPeriodMs ?? 30_000;

  const client = createClient(opts.config, { clock });
  const onError = (err: unknown, where: string): void => log('warn', `proxy: informer ${where}: ${String(err)}`);
  const services = createInformer<Service>({ client, resource: Resources.services, clock, onError });
  const slices = createInformer<EndpointSlice>({ client, resource: Resources.endpointslices, clock, onError });
  // LoadBalancer status is written off the sync path (an API call must never delay rules); one write pass
  // at a time, and one more after it when a sync asked meanwhile.
  let statusPass: Promise<void> | undefined;
  let statusAgain = false;
  const publishStatus = (): void => {
    if (statusPass) {
      statusAgain = true;
      return;
    }
    statusPass = publishLoadBalancerStatus(client, services.lister.list(), opts.nodeIP, log).finally(() => {
      statusPass = undefined;
      if (statusAgain && !signal.aborted) {
        statusAgain = false;
        publishStatus();
      }
    });
  };
  const runner = createSyncRunner({
    clock,
    minIntervalMs: minSync,
    periodMs: period,
    async sync() {
      const svcs = services.lister.list();
      const state = buildServicePorts(svcs, slices.lister.list(), { nodeName: opts.nodeName, nodeIP: opts.nodeIP });
      let ok = true;
      try {
        await proxier.sync(state);
        opts.onSynced?.(state, proxier);
      } catch (err) {
        log('error', `proxy: sync failed: ${err instanceof Error ? err.message : String(err)}`);
        ok = false;
      }
      publishStatus();
      return ok;
    },
  });
  const request = (): void => runner.request();
  services.addEventHandler({ onAdd: request, onUpdate: request, onDelete: request });
  slices.addEventHandler({ onAdd: request, onUpdate: request, onDelete: request });
  const running = [services.run(signal), slices.run(signal)];
  try {
    await Promise.all([services.waitForSync(signal), slices.waitForSync(signal)]);
    await runner.run(signal);
  } finally {
    await Promise.allSettled(running);
    while (statusPass) await statusPass;
    try {
      await proxier.cleanup();
    } catch (err) {
      log('warn', `proxy: cleanup: ${String(err)}`);
    }
    client.close();
    log('info', 'proxy: stopped');
  }
}
