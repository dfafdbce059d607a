// Networking: Service, Endpoints, EndpointSlice, Ingress, IngressClass, NetworkPolicy. Ports of the
// matching print* functions of Kubernetes' pkg/printers/internalversion (v1.32), printed wide as the
// API server does (load-balancer addresses are never clipped).

import { DOC } from './descriptions';
import { AGE_COL, NAME_COL, col } from './types';
import type { Printer } from './types';
import { age, arr, formatLabelSelector, formatLabels, int, isNum, joinHostPort, listWithMore, nameOf, obj, str } from './util';

/** Sorted, de-duplicated ingress points (IP, else hostname) joined by ','. */
function loadBalancerAddresses(lbStatus: unknown): string {
  const ingress = arr(obj(lbStatus)['ingress']);
  if (ingress.length === 0) return '';
  const set = new Set<string>();
  for (const i of ingress) {
    const x = obj(i);
    const ip = str(x['ip']);
    const host = str(x['hostname']);
    if (ip !== '') set.add(ip);
    else if (host !== '') set.add(host);
  }
  return [...set].sort().join(',');
}

function joinStrings(v: unknown): string {
  return arr(v).map(str).join(',');
}

function serviceExternalIP(spec: Readonly<Record<string, unknown>>, status: Readonly<Record<string, unknown>>): string {
  const externalIPs = arr(spec['externalIPs']);
  switch (str(spec['type']) || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? joinStrings(externalIPs) : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(status['loadBalancer']);
      if (externalIPs.length > 0) return lb === '' ? joinStrings(externalIPs) : `${lb},${joinStrings(externalIPs)}`;
      return lb === '' ? '<pending>' : lb;
    }
    case 'ExternalName':
      return str(spec['externalName']);
    default:
      return '<unknown>';
  }
}

/** makePortString: '80/TCP', '80:30080/TCP', joined by ','. */
function servicePorts(ports: unknown): string {
  let out = '';
  const list = arr(ports);
  for (let i = 0; i < list.length; i++) {
    const p = obj(list[i]);
    const protocol = str(p['protocol']) || 'TCP';
    const nodePort = int(p['nodePort']);
    if (i > 0) out += ',';
    out += nodePort > 0 ? `${int(p['port'])}:${nodePort}/${protocol}` : `${int(p['port'])}/${protocol}`;
  }
  return out;
}

export const servicePrinter: Printer = {
  columns: [
    NAME_COL,
    col('Type', 'string', DOC.svcType),
    col('Cluster-IP', 'string', DOC.svcClusterIP),
    col('External-IP', 'string', DOC.svcExternalIPs),
    col('Port(s)', 'string', DOC.svcPorts),
    AGE_COL,
    col('Selector', 'string', DOC.svcSelector, 1),
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const clusterIPs = arr(spec['clusterIPs']);
    let internalIP = clusterIPs.length > 0 ? str(clusterIPs[0]) : str(spec['clusterIP']);
    if (clusterIPs.length === 0 && internalIP === '') internalIP = '<none>';
    const ports = servicePorts(spec['ports']);
    return [
      nameOf(o),
      str(spec['type']) || 'ClusterIP',
      internalIP,
      serviceExternalIP(spec, obj(o['status'])),
      ports === '' ? '<none>' : ports,
      age(o, now),
      formatLabels(spec['selector']),
    ];
  },
};

/** formatEndpoints(endpoints, nil): up to 3 'ip:port' (or bare IPs for port-less subsets). */
function formatEndpoints(subsets: unknown): string {
  const list = arr(subsets);
  if (list.length === 0) return '<none>';
  const out: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const s of list) {
    const ss = obj(s);
    const addresses = arr(ss['addresses']);
    const ports = arr(ss['ports']);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (out.length === max) {
          more = true;
          break;
        }
        out.push(str(obj(a)['ip']));
      }
      continue;
    }
    for (const p of ports) {
      const port = int(obj(p)['port']);
      count += addresses.length;
      for (const a of addresses) {
        if (out.length === max) {
          more = true;
          break;
        }
        out.push(joinHostPort(str(obj(a)['ip']), port));
      }
    }
  }
  const ret = out.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsPrinter: Printer = {
  columns: [NAME_COL, col('Endpoints', 'string', DOC.epSubsets), AGE_COL],
  cells(o, now) {
    return [nameOf(o), formatEndpoints(o['subsets']), age(o, now)];
  },
};

function formatDiscoveryPorts(ports: unknown): string {
  const out: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const p of arr(ports)) {
    const x = obj(p);
    if (out.length < max) {
      let portNum = '*';
      if (isNum(x['port'])) portNum = String(int(x['port']));
      else if (typeof x['name'] === 'string') portNum = x['name'];
      out.push(portNum);
    } else if (out.length === max) {
      more = true;
    }
    count++;
  }
  return listWithMore(out, more, count, max);
}

function formatDiscoveryEndpoints(endpoints: unknown): string {
  const out: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const e of arr(endpoints)) {
    for (const a of arr(obj(e)['addresses'])) {
      if (out.length < max) out.push(str(a));
      else if (out.length === max) more = true;
      count++;
    }
  }
  return listWithMore(out, more, count, max);
}

export const endpointSlicePrinter: Printer = {
  columns: [
    NAME_COL,
    col('AddressType', 'string', DOC.esAddressType),
    col('Ports', 'string', DOC.esPorts),
    col('Endpoints', 'string', DOC.esEndpoints),
    AGE_COL,
  ],
  cells(o, now) {
    return [nameOf(o), str(o['addressType']), formatDiscoveryPorts(o['ports']), formatDiscoveryEndpoints(o['endpoints']), age(o, now)];
  },
};

function formatHosts(rules: unknown): string {
  const list = arr(rules);
  const out: string[] = [];
  const max = 3;
  let more = false;
  for (const r of list) {
    if (out.length === max) more = true;
    const host = str(obj(r)['host']);
    if (!more && host !== '') out.push(host);
  }
  if (out.length === 0) return '*';
  const ret = out.join(',');
  return more ? `${ret} + ${list.length - max} more...` : ret;
}

export const ingressPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    AGE_COL,
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const className = spec['ingressClassName'];
    return [
      nameOf(o),
      typeof className === 'string' ? className : '<none>',
      formatHosts(spec['rules']),
      loadBalancerAddresses(obj(o['status'])['loadBalancer']),
      arr(spec['tls']).length > 0 ? '80, 443' : '80',
      age(o, now),
    ];
  },
};

export const ingressClassPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    AGE_COL,
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    let parameters = '<none>';
    if (typeof spec['parameters'] === 'object' && spec['parameters'] !== null) {
      const p = obj(spec['parameters']);
      parameters = str(p['kind']);
      if (typeof p['apiGroup'] === 'string') parameters += `.${p['apiGroup']}`;
      parameters += `/${str(p['name'])}`;
    }
    return [nameOf(o), str(spec['controller']), parameters, age(o, now)];
  },
};

export const networkPolicyPrinter: Printer = {
  columns: [NAME_COL, col('Pod-Selector', 'string', DOC.npPodSelector), AGE_COL],
  cells(o, now) {
    return [nameOf(o), formatLabelSelector(obj(o['spec'])['podSelector'] ?? {}), age(o, now)];
  },
};
