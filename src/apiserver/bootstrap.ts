// What the API server makes sure exists on every start (idempotently), as upstream's bootstrap controllers
// do: the system namespaces, the system priority classes, the `kubernetes` Service with its Endpoints and
// EndpointSlice pointing at this API server, and an APIService per served group-version.
import { groupVersions } from '../api/resources';
import { ApiError } from './errors';
import type { Allocator } from './registry/allocator';
import type { Obj } from './registry/object';
import type { Registry } from './registry/registry';
import type { LogLevel } from './server';

export interface BootstrapDeps {
  registry(group: string, plural: string): Registry | undefined;
  allocator: Allocator;
  advertiseAddress: string;
  port: number;
  log: (level: LogLevel, msg: string) => void;
}

async function ensure(reg: Registry | undefined, ns: string, obj: Obj, version: string): Promise<void> {
  if (!reg) return;
  const name = String((obj.metadata as Obj).name);
  if (reg.peek(ns, name)) return;
  try {
    await reg.create(ns, obj, { fieldManager: 'berth-apiserver', version });
  } catch (e) {
    if (e instanceof ApiError && e.reason === 'AlreadyExists') return;
    throw e;
  }
}

export async function bootstrap(d: BootstrapDeps): Promise<void> {
  const nsReg = d.registry('', 'namespaces');
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    await ensure(nsReg, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } }, 'v1');
  }
  const pcReg = d.registry('scheduling.k8s.io', 'priorityclasses');
  for (const [name, value, description] of [
    ['system-node-critical', 2000001000, 'Used for system critical pods that must not be moved from their current node.'],
    ['system-cluster-critical', 2000000000, 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'],
  ] as const) {
    await ensure(pcReg, '', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, description, preemptionPolicy: 'PreemptLowerPriority', globalDefault: false }, 'v1');
  }
  const kubernetesIp = d.allocator.nth(1);
  await ensure(d.registry('', 'services'), 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: kubernetesIp, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: d.port }], sessionAffinity: 'None' },
  }, 'v1');
  const addr = d.advertiseAddress;
  const epReg = d.registry('', 'endpoints');
  const subsets = [{ addresses: [{ ip: addr }], ports: [{ name: 'https', port: d.port, protocol: 'TCP' }] }];
  const existing = epReg?.peek('default', 'kubernetes');
  if (!existing) {
    await ensure(epReg, 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets }, 'v1');
  } else if (JSON.stringify(existing.obj.subsets) !== JSON.stringify(subsets)) {
    await epReg!.update('default', 'kubernetes', (cur) => ({ ...cur!, subsets }), { fieldManager: 'berth-apiserver', version: 'v1' });
  }
  const sliceReg = d.registry('discovery.k8s.io', 'endpointslices');
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'berth-apiserver' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [addr], conditions: { ready: true } }],
    ports: [{ name: 'https', port: d.port, protocol: 'TCP' }],
  };
  const existingSlice = sliceReg?.peek('default', 'kubernetes');
  if (!existingSlice) await ensure(sliceReg, 'default', slice, 'v1');
  else if (JSON.stringify(existingSlice.obj.ports) !== JSON.stringify(slice.ports) || JSON.stringify(existingSlice.obj.endpoints) !== JSON.stringify(slice.endpoints)) {
    await sliceReg!.update('default', 'kubernetes', (cur) => ({ ...cur!, endpoints: slice.endpoints, ports: slice.ports }), { fieldManager: 'berth-apiserver', version: 'v1' });
  }
  const apisvc = d.registry('apiregistration.k8s.io', 'apiservices');
  for (const gv of groupVersions()) {
    const name = `${gv.version}.${gv.group}`.replace(/\.$/, '');
    await ensure(apisvc, '', {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name, labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } },
      spec: { group: gv.group, version: gv.version, groupPriorityMinimum: gv.group === '' ? 18000 : 17000, versionPriority: 15 },
      status: { conditions: [{ type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available', lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }] },
    }, 'v1');
  }
  d.log('debug', 'bootstrap objects ensured');
}
