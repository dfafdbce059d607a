import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildServicePorts, endpointsForTraffic, usableEndpoints } from './service-map';
import type { Endpoint, EndpointSlice, Service } from './types';

const svc = (name: string, spec: Service['spec']): Service => ({ metadata: { name, namespace: 'ns' }, spec });
const slice = (service: string, eps: Array<{ ip: string; ready?: boolean; serving?: boolean; terminating?: boolean; node?: string }>, port = 8080, portName = 'http'): EndpointSlice => ({
  metadata: { name: `${service}-${Math.random().toString(36).slice(2, 7)}`, namespace: 'ns', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: eps.map((e) => ({
    addresses: [e.ip],
    conditions: { ...(e.ready !== undefined ? { ready: e.ready } : {}), ...(e.serving !== undefined ? { serving: e.serving } : {}), ...(e.terminating !== undefined ? { terminating: e.terminating } : {}) },
    ...(e.node ? { nodeName: e.node } : {}),
  })),
  ports: [{ name: portName, protocol: 'TCP', port }],
});
const ep = (ip: string, o: Partial<Endpoint> = {}): Endpoint => ({ ip, port: 80, ready: true, serving: true, terminating: false, ...o });
const ips = (eps: readonly Endpoint[]): string[] => eps.map((e) => e.ip);
const opts = { nodeName: 'n1', nodeIP: '192.168.50.1' };

test('usableEndpoints: ready first, terminating+serving only as a fallback', () => {
  const cases: Array<{ name: string; in: Endpoint[]; want: string[] }> = [
    { name: 'all ready', in: [ep('a'), ep('b')], want: ['a', 'b'] },
    { name: 'ready wins over terminating', in: [ep('a', { ready: false, terminating: true }), ep('b')], want: ['b'] },
    { name: 'terminating serving fallback', in: [ep('a', { ready: false, terminating: true }), ep('b', { ready: false, serving: false, terminating: true })], want: ['a'] },
    { name: 'not ready, not terminating: unused', in: [ep('a', { ready: false, serving: false })], want: [] },
    { name: 'none', in: [], want: [] },
  ];
  for (const c of cases) assert.deepEqual(ips(usableEndpoints(c.in)), c.want, `${c.name}: got ${ips(usableEndpoints(c.in))}, want ${c.want}`);
});

test('buildServicePorts', () => {
  const cases: Array<{ name: string; services: Service[]; slices: EndpointSlice[]; check: (r: ReturnType<typeof buildServicePorts>) => void }> = [
    {
      name: 'headless and ExternalName services get nothing',
      services: [svc('h', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }), svc('x', { type: 'ExternalName', ports: [{ port: 80 }] })],
      slices: [slice('h', [{ ip: '10.0.0.1' }])],
      check: (r) => assert.equal(r.length, 0, `ports: got ${r.length}, want 0`),
    },
    {
      name: 'endpoints merge across slices, de-duplicated and sorted; nil ready means ready',
      services: [svc('web', { clusterIP: '10.43.0.9', ports: [{ name: 'http', port: 80 }] })],
      slices: [slice('web', [{ ip: '10.0.0.2' }, { ip: '10.0.0.1' }]), slice('web', [{ ip: '10.0.0.1' }, { ip: '10.0.0.3', ready: false }])],
      check: (r) => assert.deepEqual(ips(r[0]!.clusterEndpoints), ['10.0.0.1', '10.0.0.2'], `got ${ips(r[0]!.clusterEndpoints)}`),
    },
    {
      name: 'slice ports are matched by port name; other services slices ignored',
      services: [svc('web', { clusterIP: '10.43.0.9', ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] })],
      slices: [slice('web', [{ ip: '10.0.0.1' }], 8080, 'http'), slice('web', [{ ip: '10.0.0.5' }], 9100, 'metrics'), slice('other', [{ ip: '10.0.0.9' }])],
      check: (r) => {
        assert.deepEqual(r.map((p) => `${p.key}=${p.clusterEndpoints.map((e) => `${e.ip}:${e.port}`).join(',')}`), ['ns/web:http=10.0.0.1:8080', 'ns/web:metrics=10.0.0.5:9100']);
      },
    },
    {
      name: 'NodePort, LoadBalancer, affinity and policies are carried over',
      services: [svc('lb', {
        type: 'LoadBalancer', clusterIP: '10.43.0.7', externalIPs: ['192.168.60.5'], sessionAffinity: 'ClientIP',
        externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30080 }],
      })],
      slices: [slice('lb', [{ ip: '10.0.0.1', node: 'n1' }, { ip: '10.0.0.2', node: 'n2' }])],
      check: (r) => {
        const p = r[0]!;
        assert.equal(p.nodePort, 30080, 'nodePort');
        assert.deepEqual(p.loadBalancerIPs, ['192.168.50.1'], 'LB address is the node IP');
        assert.deepEqual(p.externalIPs, ['192.168.60.5'], 'externalIPs');
        assert.equal(p.affinityTimeoutSeconds, 10800, 'default ClientIP timeout');
        assert.deepEqual(ips(p.localEndpoints), ['10.0.0.1'], `local endpoints: got ${ips(p.localEndpoints)}`);
        assert.deepEqual(ips(endpointsForTraffic(p, false)), ['10.0.0.1'], 'internal Local → local endpoints');
        assert.deepEqual(ips(endpointsForTraffic(p, true)), ['10.0.0.1'], 'external Local → local endpoints');
      },
    },
    {
      name: 'LoadBalancer of another loadBalancerClass: NodePort served, no address of ours',
      services: [svc('other', { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb', clusterIP: '10.43.0.9', ports: [{ name: 'http', port: 80, nodePort: 30081 }] })],
      slices: [slice('other', [{ ip: '10.0.0.1', node: 'n1' }])],
      check: (r) => {
        assert.equal(r[0]!.nodePort, 30081, `nodePort got ${r[0]!.nodePort}`);
        assert.deepEqual(r[0]!.loadBalancerIPs, [], `LB addresses got ${JSON.stringify(r[0]!.loadBalancerIPs)}, want none`);
      },
    },
    {
      name: 'ClusterIP type ignores a stray nodePort; Cluster policies use every endpoint',
      services: [svc('c', { type: 'ClusterIP', clusterIP: '10.43.0.8', ports: [{ name: 'http', port: 80, nodePort: 30001 }] })],
      slices: [slice('c', [{ ip: '10.0.0.1', node: 'n1' }, { ip: '10.0.0.2', node: 'n2' }])],
      check: (r) => {
        assert.equal(r[0]!.nodePort, undefined, 'nodePort on a ClusterIP service');
        assert.deepEqual(ips(endpointsForTraffic(r[0]!, true)), ['10.0.0.1', '10.0.0.2']);
      },
    },
  ];
  for (const c of cases) {
    try {
      c.check(buildServicePorts(c.services, c.slices, opts));
    } catch (err) {
      (err as Error).message = `${c.name}: ${(err as Error).message}`;
      throw err;
    }
  }
});
