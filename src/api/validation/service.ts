// core/v1 Service validation (ValidateService, ValidateServiceUpdate). ClusterIP/nodePort allocation is the
// API server's; here user-given values are checked syntactically.

import { validatePortNumOrName } from './containers';
import { type FieldError, GoLiteral, duplicate, forbidden, goQuote, invalid, notSupported, required } from './field-error';
import { isCIDR, isDNS1123Label, isDNS1123Subdomain, isIP, isQualifiedName, isValidPortNum } from './names';
import { validateLabels } from './object-meta';
import { type Obj, arr, index, isObj, num, obj, objs, str } from './util';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const CIDR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

function goServicePortKey(protocol: string, port: number): GoLiteral {
  return new GoLiteral(
    `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
  );
}

function clusterIPs(spec: Obj): string[] {
  const ips = arr(spec.clusterIPs).map(str);
  if (ips.length === 0 && str(spec.clusterIP) !== '') return [str(spec.clusterIP)];
  return ips;
}


export function validateService(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  const type = str(spec.type);
  const ips = clusterIPs(spec);
  const headless = ips[0] === 'None';
  const ports = objs(spec.ports);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  if (type === 'LoadBalancer' && headless) errs.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
  if (type === 'NodePort' && headless) errs.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
  if (type === 'ExternalName') {
    if (ips.length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (arr(spec.ipFamilies).length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const cname = str(spec.externalName).replace(/\.$/, '');
    if (cname.length > 0) for (const m of isDNS1123Subdomain(cname)) errs.push(invalid('spec.externalName', cname, m));
    else errs.push(required('spec.externalName'));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = index('spec.ports', i);
    const name = str(p.name);
    if (ports.length > 1 && name.length === 0) errs.push(required(`${pp}.name`));
    else if (name.length !== 0) {
      for (const m of isDNS1123Label(name)) errs.push(invalid(`${pp}.name`, name, m));
      if (names.has(name)) errs.push(duplicate(`${pp}.name`, name));
      else names.add(name);
    }
    const port = num(p.port) ?? 0;
    for (const m of isValidPortNum(port)) errs.push(invalid(`${pp}.port`, port, m));
    const proto = str(p.protocol);
    if (proto.length === 0) errs.push(required(`${pp}.protocol`));
    else if (!PROTOCOLS.includes(proto)) errs.push(notSupported(`${pp}.protocol`, proto, PROTOCOLS));
    validatePortNumOrName(p.targetPort, `${pp}.targetPort`, errs);
    if (typeof p.appProtocol === 'string') for (const m of isQualifiedName(p.appProtocol)) errs.push(invalid(`${pp}.appProtocol`, p.appProtocol, m));
    const np = num(p.nodePort) ?? 0;
    if (np !== 0) for (const m of isValidPortNum(np)) errs.push(invalid(`${pp}.nodePort`, np, m));
  });
  if (isObj(spec.selector)) validateLabels(spec.selector, 'spec.selector', errs);
  const sa = str(spec.sessionAffinity);
  if (sa.length === 0) errs.push(required('spec.sessionAffinity'));
  else if (sa !== 'ClientIP' && sa !== 'None') errs.push(notSupported('spec.sessionAffinity', sa, ['ClientIP', 'None']));
  if (sa === 'ClientIP') {
    const cfg = obj(spec.sessionAffinityConfig);
    const cip = obj(cfg?.clientIP);
    const t = num(cip?.timeoutSeconds);
    if (!cfg) errs.push(required('spec.sessionAffinityConfig', 'when session affinity type is ClientIP'));
    else if (!cip) errs.push(required('spec.sessionAffinityConfig.clientIP', 'when session affinity type is ClientIP'));
    else if (t === undefined) errs.push(required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'when session affinity type is ClientIP'));
    else if (t <= 0 || t > 86400) errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, 'must be greater than 0 and less than 86400'));
  } else if (sa === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  validateClusterIPFields(spec, ips, errs);
  arr(spec.externalIPs).forEach((ip, i) => {
    if (!isIP(str(ip))) errs.push(invalid(index('spec.externalIPs', i), str(ip), IP_MSG));
  });
  if (type.length === 0) errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if ((num(p.nodePort) ?? 0) !== 0) errs.push(forbidden(`${index('spec.ports', i)}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    const np = num(p.nodePort) ?? 0;
    const proto = str(p.protocol);
    if (np !== 0) {
      const k = `${proto}/${np}`;
      if (nodePorts.has(k)) errs.push(duplicate(`${index('spec.ports', i)}.nodePort`, np));
      nodePorts.add(k);
    }
    const port = num(p.port) ?? 0;
    const k = `${proto}/${port}`;
    if (seenPorts.has(k)) errs.push(duplicate(index('spec.ports', i), goServicePortKey(proto, port)));
    seenPorts.add(k);
  });
  // Upstream really reports these at `spec.LoadBalancerSourceRanges` (capitalised).
  const ranges = arr(spec.loadBalancerSourceRanges).map(str);
  if (ranges.length > 0) {
    if (type !== 'LoadBalancer') errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => {
      const v = r.trim();
      if (!isCIDR(v)) errs.push(invalid(index('spec.LoadBalancerSourceRanges', i), v, CIDR_MSG));
    });
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && type !== 'LoadBalancer') {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    errs.push(required('allocateLoadBalancerNodePorts'));
  }
  const td = spec.trafficDistribution;
  if (td !== undefined && td !== null && td !== 'PreferClose') errs.push(notSupported('spec.trafficDistribution', td, ['PreferClose']));
  validateTrafficPolicies(spec, type, errs);
}

function validateClusterIPFields(spec: Obj, ips: string[], errs: FieldError[]): void {
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) errs.push(invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
      return;
    }
    if (!isIP(ip)) errs.push(invalid(index('spec.clusterIPs', i), ip, IP_MSG));
  });
  const cip = str(spec.clusterIP);
  if (cip.length !== 0 && arr(spec.clusterIPs).length > 0 && cip !== str(arr(spec.clusterIPs)[0])) {
    errs.push(invalid('spec.clusterIP', cip, 'must match first value in `clusterIPs`'));
  }
  const fams = arr(spec.ipFamilies).map(str);
  fams.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(notSupported(index('spec.ipFamilies', i), f, ['IPv4', 'IPv6']));
  });
  if (fams.length === 2 && fams[0] === fams[1]) errs.push(duplicate(index('spec.ipFamilies', 1), fams[1]));
  const pol = spec.ipFamilyPolicy;
  if (pol !== undefined && pol !== null && !['SingleStack', 'PreferDualStack', 'RequireDualStack'].includes(str(pol))) {
    errs.push(notSupported('spec.ipFamilyPolicy', pol, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  }
}

function validateTrafficPolicies(spec: Obj, type: string, errs: FieldError[]): void {
  const external = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
  const etp = str(spec.externalTrafficPolicy);
  if (!external) {
    if (etp !== '') errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp === '' && (type === 'LoadBalancer' || type === 'NodePort')) {
    errs.push(required('spec.externalTrafficPolicy'));
  } else if (etp !== '' && etp !== 'Cluster' && etp !== 'Local') {
    errs.push(notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  }
  const hc = num(spec.healthCheckNodePort) ?? 0;
  if (hc !== 0 && !(type === 'LoadBalancer' && etp === 'Local')) {
    errs.push(invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') errs.push(required('spec.internalTrafficPolicy'));
  } else if (itp !== 'Cluster' && itp !== 'Local') {
    errs.push(notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  }
}

function goStrings(list: string[]): GoLiteral {
  return new GoLiteral(list.length === 0 ? '[]string(nil)' : `[]string{${list.map(goQuote).join(', ')}}`);
}

/** ValidateServiceUpdate's extra rules: cluster IPs may not change once set (ExternalName aside). */
export function validateServiceUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  if (str(spec.type) === 'ExternalName' || str(oldSpec.type) === 'ExternalName') return;
  const oldIPs = clusterIPs(oldSpec);
  const newIPs = clusterIPs(spec);
  if (oldIPs[0] === 'None' && newIPs[0] === 'None') return;
  if (oldIPs.length === newIPs.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== newIPs[i]) errs.push(invalid(index('spec.clusterIPs', i), goStrings(newIPs), 'may not change once set'));
    });
  } else if (oldIPs.length > newIPs.length) {
    if (newIPs.length === 0) errs.push(invalid('spec.clusterIPs[0]', goStrings(newIPs), 'primary clusterIP can not be unset'));
    else if (newIPs[0] !== oldIPs[0]) errs.push(invalid('spec.clusterIPs[0]', goStrings(newIPs), 'may not change once set'));
  } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    errs.push(invalid('spec.clusterIPs[0]', goStrings(newIPs), 'may not change once set'));
  }
  const needsHC = (sp: Obj): boolean => str(sp.type) === 'LoadBalancer' && str(sp.externalTrafficPolicy) === 'Local';
  if (needsHC(spec) && needsHC(oldSpec) && (num(spec.healthCheckNodePort) ?? 0) !== (num(oldSpec.healthCheckNodePort) ?? 0)) {
    errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
}
