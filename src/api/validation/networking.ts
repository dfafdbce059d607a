// networking.k8s.io/v1: Ingress, IngressClass, NetworkPolicy; discovery.k8s.io/v1 EndpointSlice.

import { type FieldError, duplicate, forbidden, invalid, notSupported, required, tooLong } from './field-error';
import { validateLabelSelector } from './label-selector';
import {
  isCIDR, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isIP, isIPv4, isIPv6, isQualifiedName, isValidPortName, isValidPortNum,
  nameIsDNSSubdomain,
} from './names';
import { type Obj, arr, index, isObj, num, obj, objs, str } from './util';

const wildcardRe = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const WILDCARD_MSG =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateHost(host: string, path: string, errs: FieldError[]): void {
  if (isIP(host)) {
    errs.push(invalid(path, host, 'must be a DNS name, not an IP address'));
    return;
  }
  if (host.includes('*')) {
    if (!wildcardRe.test(host)) errs.push(invalid(path, host, WILDCARD_MSG));
    return;
  }
  for (const m of isDNS1123Subdomain(host)) errs.push(invalid(path, host, m));
}

function validateBackend(b: Obj, path: string, errs: FieldError[]): void {
  const svc = obj(b.service);
  const res = obj(b.resource);
  if (svc && res) {
    errs.push(invalid(path, '', 'cannot set both resource and service backends'));
    return;
  }
  if (res) {
    if (str(res.kind).length === 0) errs.push(required(`${path}.resource.kind`));
    if (str(res.name).length === 0) errs.push(required(`${path}.resource.name`));
    return;
  }
  if (!svc) {
    errs.push(invalid(path, '', 'resource or service backend is required'));
    return;
  }
  const name = str(svc.name);
  if (name.length === 0) errs.push(required(`${path}.service.name`));
  else for (const m of isDNS1035Label(name)) errs.push(invalid(`${path}.service.name`, name, m));
  const port = obj(svc.port) ?? {};
  const pn = str(port.name);
  const pnum = num(port.number) ?? 0;
  if (pn.length > 0 && pnum !== 0) errs.push(invalid(path, '', 'cannot set both port name & port number'));
  else if (pn.length > 0) for (const m of isValidPortName(pn)) errs.push(invalid(`${path}.service.port.name`, pn, m));
  else if (pnum !== 0) for (const m of isValidPortNum(pnum)) errs.push(invalid(`${path}.service.port.number`, pnum, m));
  else errs.push(required(path, 'port name or number is required'));
}

export function validateIngress(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  const rules = objs(spec.rules);
  if (!isObj(spec.defaultBackend) && rules.length === 0) errs.push(invalid('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  if (isObj(spec.defaultBackend)) validateBackend(spec.defaultBackend, 'spec.defaultBackend', errs);
  rules.forEach((r, i) => {
    const rp = index('spec.rules', i);
    const host = str(r.host);
    if (host.length > 0) validateHost(host, `${rp}.host`, errs);
    const http = obj(r.http);
    if (!http) return;
    const paths = objs(http.paths);
    if (paths.length === 0) errs.push(required(`${rp}.http.paths`));
    paths.forEach((p, j) => {
      const pp = index(`${rp}.http.paths`, j);
      const pt = p.pathType;
      const path = str(p.path);
      if (pt === undefined || pt === null) errs.push(required(`${pp}.pathType`, 'pathType must be specified'));
      else if (pt === 'Exact' || pt === 'Prefix') {
        if (!path.startsWith('/')) errs.push(invalid(`${pp}.path`, path, 'must be an absolute path'));
      } else if (pt === 'ImplementationSpecific') {
        if (path.length > 0 && !path.startsWith('/')) errs.push(invalid(`${pp}.path`, path, 'must be an absolute path'));
      } else errs.push(notSupported(`${pp}.pathType`, pt, PATH_TYPES));
      validateBackend(obj(p.backend) ?? {}, `${pp}.backend`, errs);
    });
  });
  objs(spec.tls).forEach((t, i) => {
    arr(t.hosts).forEach((h, j) => validateHost(str(h), index(`${index('spec.tls', i)}.hosts`, j), errs));
  });
  const cls = spec.ingressClassName;
  if (typeof cls === 'string') for (const m of nameIsDNSSubdomain(cls, false)) errs.push(invalid('spec.ingressClassName', cls, m));
}

export function validateIngressClass(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  const c = str(spec.controller);
  if (c.length === 0) errs.push(required('spec.controller'));
  else if (c.length > 250) errs.push(tooLong('spec.controller', c, 250));
  else {
    const i = c.indexOf('/');
    if (i <= 0 || i === c.length - 1) errs.push(invalid('spec.controller', c, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    else for (const m of isDNS1123Subdomain(c.slice(0, i))) errs.push(invalid('spec.controller', c.slice(0, i), m));
  }
}

export function validateIngressClassUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  const c = str(obj(o.spec)?.controller);
  if (c !== str(obj(old.spec)?.controller)) errs.push(invalid('spec.controller', c, 'field is immutable'));
}


function validatePeers(peers: unknown, path: string, errs: FieldError[]): void {
  objs(peers).forEach((p, i) => {
    const pp = index(path, i);
    let n = 0;
    if (isObj(p.podSelector)) {
      n++;
      validateLabelSelector(p.podSelector, `${pp}.podSelector`, errs);
    }
    if (isObj(p.namespaceSelector)) {
      n++;
      validateLabelSelector(p.namespaceSelector, `${pp}.namespaceSelector`, errs);
    }
    const ipb = obj(p.ipBlock);
    if (ipb) {
      if (n > 0) errs.push(forbidden(pp, 'may not specify both ipBlock and another peer'));
      n++;
      const cidr = str(ipb.cidr);
      if (cidr.length === 0) errs.push(required(`${pp}.ipBlock.cidr`));
      else if (!isCIDR(cidr)) errs.push(invalid(`${pp}.ipBlock.cidr`, cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
      arr(ipb.except).forEach((e, j) => {
        if (!isCIDR(str(e))) errs.push(invalid(index(`${pp}.ipBlock.except`, j), str(e), 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
      });
    }
    if (n === 0) errs.push(required(pp, 'must specify a peer'));
  });
}

function validateNPPorts(ports: unknown, path: string, errs: FieldError[]): void {
  objs(ports).forEach((p, i) => {
    const pp = index(path, i);
    const proto = p.protocol;
    if (proto !== undefined && proto !== null && !PROTOCOLS.includes(str(proto))) errs.push(notSupported(`${pp}.protocol`, proto, PROTOCOLS));
    if (typeof p.port === 'number') for (const m of isValidPortNum(p.port)) errs.push(invalid(`${pp}.port`, p.port, m));
    else if (typeof p.port === 'string') for (const m of isValidPortName(p.port)) errs.push(invalid(`${pp}.port`, p.port, m));
    const end = num(p.endPort);
    if (end !== undefined) {
      if (typeof p.port !== 'number') errs.push(required(`${pp}.port`, 'must specify port when specifying endPort'));
      else if (end < p.port) errs.push(invalid(`${pp}.endPort`, end, 'must be greater than or equal to `port`'));
      else for (const m of isValidPortNum(end)) errs.push(invalid(`${pp}.endPort`, end, m));
    }
  });
}

export function validateNetworkPolicy(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  validateLabelSelector(spec.podSelector, 'spec.podSelector', errs);
  objs(spec.ingress).forEach((r, i) => {
    validateNPPorts(r.ports, `${index('spec.ingress', i)}.ports`, errs);
    validatePeers(r.from, `${index('spec.ingress', i)}.from`, errs);
  });
  objs(spec.egress).forEach((r, i) => {
    validateNPPorts(r.ports, `${index('spec.egress', i)}.ports`, errs);
    validatePeers(r.to, `${index('spec.egress', i)}.to`, errs);
  });
  const types = arr(spec.policyTypes).map(str);
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(notSupported(index('spec.policyTypes', i), t, ['Ingress', 'Egress']));
  });
  if (types.length > 2) errs.push(invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
}

export function validateEndpointSlice(o: Obj, errs: FieldError[]): void {
  const at = str(o.addressType);
  if (at === '') errs.push(required('addressType'));
  else if (!['IPv4', 'IPv6', 'FQDN'].includes(at)) errs.push(notSupported('addressType', at, ['FQDN', 'IPv4', 'IPv6']));
  objs(o.endpoints).forEach((e, i) => {
    const ep = index('endpoints', i);
    const addrs = arr(e.addresses).map(str);
    if (addrs.length === 0) errs.push(required(`${ep}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push({ type: 'FieldValueTooMany', field: `${ep}.addresses`, value: addrs.length, detail: 'must have at most 100 items' });
    addrs.forEach((a, j) => {
      const ap = index(`${ep}.addresses`, j);
      if (at === 'IPv4' && !isIPv4(a)) errs.push(invalid(ap, a, 'must be a valid IPv4 address'));
      if (at === 'IPv6' && !isIPv6(a)) errs.push(invalid(ap, a, 'must be a valid IPv6 address'));
      if (at === 'FQDN') for (const m of isDNS1123Subdomain(a)) errs.push(invalid(ap, a, m));
    });
    const h = str(e.hostname);
    if (h.length > 0) for (const m of isDNS1123Label(h)) errs.push(invalid(`${ep}.hostname`, h, m));
  });
  const names = new Set<string>();
  objs(o.ports).forEach((p, i) => {
    const pp = index('ports', i);
    const n = str(p.name);
    if (n.length > 0) for (const m of isDNS1123Label(n)) errs.push(invalid(`${pp}.name`, n, m));
    if (names.has(n)) errs.push(duplicate(`${pp}.name`, n));
    names.add(n);
    const port = num(p.port);
    if (port !== undefined) for (const m of isValidPortNum(port)) errs.push(invalid(`${pp}.port`, port, m));
    const proto = p.protocol;
    if (proto !== undefined && proto !== null && !PROTOCOLS.includes(str(proto))) errs.push(notSupported(`${pp}.protocol`, proto, PROTOCOLS));
    if (typeof p.appProtocol === 'string') for (const m of isQualifiedName(p.appProtocol)) errs.push(invalid(`${pp}.appProtocol`, p.appProtocol, m));
  });
}
