// Which pod network a kubelet uses: CNI (each pod in its own network namespace with an address from the
// node's pod CIDR) when the machine allows it, otherwise the host network (pod IP = node IP). The choice is
// stated in the kubelet's log and in the node annotation berth.io/pod-network.
import { join } from 'node:path';
import { cniUnavailableReasons, CniPodNetwork, DEFAULT_CNI_BIN_DIRS } from './cni/network';
import type { LogFn } from './types';

export type PodNetworkMode = 'auto' | 'cni' | 'host';

export interface PodNetworkChoice {
  /** The CNI network, when pods get their own namespaces. */
  cni?: CniPodNetwork;
  /** Value of the berth.io/pod-network node annotation. */
  annotation: 'cni' | 'host';
  message: string;
}

export interface ChoosePodNetworkOptions {
  mode: PodNetworkMode;
  /** The runtime name; only the process and oci drivers can put pods in namespaces. */
  runtime: string;
  dataDir: string;
  binDirs?: string[];
  clusterCidr?: string;
  bridge?: string;
  /** Pods reach addresses outside the cluster, masqueraded (default true). */
  egress?: boolean;
  log: LogFn;
}

/** Decides the pod network; `mode: 'cni'` on a machine that cannot do it is an error naming what is missing. */
export function choosePodNetwork(o: ChoosePodNetworkOptions): PodNetworkChoice {
  const host = (why: string): PodNetworkChoice => ({ annotation: 'host', message: `pods use host networking (pod IP = node IP): ${why}` });
  if (o.mode === 'host') return host('--pod-network host');
  const reasons = o.runtime === 'process' || o.runtime === 'oci' ? cniUnavailableReasons(o.binDirs ?? DEFAULT_CNI_BIN_DIRS) : [`the ${o.runtime} runtime has no network namespaces`];
  if (reasons.length > 0) {
    if (o.mode === 'cni') throw new Error(`--pod-network cni: ${reasons.join('; ')}`);
    return host(reasons.join('; '));
  }
  const cni = new CniPodNetwork({ stateDir: join(o.dataDir, 'cni'), log: o.log, ...(o.binDirs ? { binDirs: o.binDirs } : {}), ...(o.clusterCidr ? { clusterCidr: o.clusterCidr } : {}), ...(o.bridge ? { bridge: o.bridge } : {}), ...(o.egress === false ? { egress: false } : {}) });
  return { cni, annotation: 'cni', message: 'pods get their own network namespace and an address from the node\'s pod CIDR through CNI' };
}
