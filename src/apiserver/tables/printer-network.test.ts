import assert from 'node:assert/strict';
import { test } from 'node:test';

import { tableCells } from './index';
import { NOW, metaOf } from './testing';

type Json = Record<string, unknown>;

function svc(name: string, spec: Json, status: Json = {}): Json {
  return { metadata: metaOf(name, 600), spec, status };
}

const cases: Array<{ name: string; group: string; plural: string; obj: Json; want: unknown[] }> = [
  {
    name: 'ClusterIP service',
    group: '', plural: 'services',
    obj: svc('web', { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'web' } }),
    want: ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '10m', 'app=web'],
  },
  {
    name: 'NodePort service with several ports',
    group: '', plural: 'services',
    obj: svc('np', {
      type: 'NodePort', clusterIPs: ['10.96.1.1'],
      ports: [{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' }, { name: 'dns', port: 53, nodePort: 30053, protocol: 'UDP' }],
      selector: { app: 'np', tier: 'edge' },
    }),
    want: ['np', 'NodePort', '10.96.1.1', '<none>', '80:30080/TCP,53:30053/UDP', '10m', 'app=np,tier=edge'],
  },
  {
    name: 'LoadBalancer pending',
    group: '', plural: 'services',
    obj: svc('lb', { type: 'LoadBalancer', clusterIPs: ['10.96.2.2'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] }),
    want: ['lb', 'LoadBalancer', '10.96.2.2', '<pending>', '443:31443/TCP', '10m', '<none>'],
  },
  {
    name: 'LoadBalancer with ingress points (sorted, de-duplicated, never clipped) and external IPs',
    group: '', plural: 'services',
    obj: svc('lb2', { type: 'LoadBalancer', clusterIPs: ['10.96.2.3'], externalIPs: ['192.0.2.9'], ports: [{ port: 80, protocol: 'TCP' }] }, {
      loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'a-very-long-hostname.elb.example.com' }, { ip: '203.0.113.7' }] },
    }),
    want: ['lb2', 'LoadBalancer', '10.96.2.3', '203.0.113.7,a-very-long-hostname.elb.example.com,192.0.2.9', '80/TCP', '10m', '<none>'],
  },
  {
    name: 'ExternalName service',
    group: '', plural: 'services',
    obj: svc('ext', { type: 'ExternalName', externalName: 'db.example.com' }),
    want: ['ext', 'ExternalName', '<none>', 'db.example.com', '<none>', '10m', '<none>'],
  },
  {
    name: 'headless service, defaults for type and protocol, clusterIP fallback',
    group: '', plural: 'services',
    obj: svc('headless', { clusterIP: 'None', ports: [{ port: 5432 }], externalIPs: ['198.51.100.1', '198.51.100.2'] }),
    want: ['headless', 'ClusterIP', 'None', '198.51.100.1,198.51.100.2', '5432/TCP', '10m', '<none>'],
  },
  {
    name: 'endpoints with more than three addresses',
    group: '', plural: 'endpoints',
    obj: {
      metadata: metaOf('web', 600),
      subsets: [{
        addresses: [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }],
      }],
    },
    want: ['web', '10.1.0.1:8080,10.1.0.2:8080,10.1.0.1:9090 + 1 more...', '10m'],
  },
  {
    name: 'endpoints without ports and with IPv6',
    group: '', plural: 'endpoints',
    obj: { metadata: metaOf('hl', 600), subsets: [{ addresses: [{ ip: '10.1.0.3' }] }, { addresses: [{ ip: 'fd00::1' }], ports: [{ port: 53 }] }] },
    want: ['hl', '10.1.0.3,[fd00::1]:53', '10m'],
  },
  {
    name: 'endpoints without subsets',
    group: '', plural: 'endpoints',
    obj: { metadata: metaOf('empty', 600) },
    want: ['empty', '<none>', '10m'],
  },
  {
    name: 'endpoint slice',
    group: 'discovery.k8s.io', plural: 'endpointslices',
    obj: {
      metadata: metaOf('web-abc12', 600), addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080 }, { name: 'named' }, {}, { port: 1 }],
      endpoints: [{ addresses: ['10.1.0.1'] }, { addresses: ['10.1.0.2', '10.1.0.3', '10.1.0.4'] }],
    },
    want: ['web-abc12', 'IPv4', '8080,named,* + 1 more...', '10.1.0.1,10.1.0.2,10.1.0.3 + 1 more...', '10m'],
  },
  {
    name: 'empty endpoint slice',
    group: 'discovery.k8s.io', plural: 'endpointslices',
    obj: { metadata: metaOf('none', 600), addressType: 'IPv6', endpoints: [] },
    want: ['none', 'IPv6', '<unset>', '<unset>', '10m'],
  },
  {
    name: 'ingress with TLS and address',
    group: 'networking.k8s.io', plural: 'ingresses',
    obj: {
      metadata: metaOf('ing', 600),
      spec: { ingressClassName: 'nginx', tls: [{ hosts: ['a.example.com'] }], rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }, {}, { host: 'c.example.com' }, { host: 'd.example.com' }] },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
    },
    want: ['ing', 'nginx', 'a.example.com,b.example.com,c.example.com + 2 more...', '192.0.2.1', '80, 443', '10m'],
  },
  {
    name: 'ingress without class, hosts or address',
    group: 'networking.k8s.io', plural: 'ingresses',
    obj: { metadata: metaOf('plain', 600), spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } } },
    want: ['plain', '<none>', '*', '', '80', '10m'],
  },
  {
    name: 'ingress class with parameters',
    group: 'networking.k8s.io', plural: 'ingressclasses',
    obj: { metadata: metaOf('nginx', 600), spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' } } },
    want: ['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/p', '10m'],
  },
  {
    name: 'network policy selecting all pods',
    group: 'networking.k8s.io', plural: 'networkpolicies',
    obj: { metadata: metaOf('deny-all', 600), spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    want: ['deny-all', '<none>', '10m'],
  },
  {
    name: 'network policy with a selector',
    group: 'networking.k8s.io', plural: 'networkpolicies',
    obj: { metadata: metaOf('allow', 600), spec: { podSelector: { matchLabels: { role: 'db' } } } },
    want: ['allow', 'role=db', '10m'],
  },
];

for (const c of cases) {
  test(`${c.plural}: ${c.name}`, () => {
    const got = tableCells(c.group, c.plural, c.obj, NOW);
    assert.deepEqual(got, c.want, `cells: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  });
}
