// Pure: desired state → the nat-table chains of iptables mode, kube-proxy style.
//
//   PREROUTING, OUTPUT ─► BERTH-SERVICES ─┬─ -d clusterIP --dport p ─► BERTH-SVC-h (or BERTH-SVL-h, internal Local)
//                                         ├─ -d externalIP/lbIP --dport p ─► BERTH-EXT-h
//                                         └─ -d nodeIP ─► BERTH-NODEPORTS ─ --dport nodePort ─► BERTH-EXT-h
//   BERTH-EXT-h  ─► (Cluster) BERTH-MARK-MASQ, BERTH-SVC-h │ (Local) src LOCAL → BERTH-SVC-h, else BERTH-SVL-h
//   BERTH-SVC-h  ─► [recent --rcheck per SEP (affinity)] statistic random 1/n, 1/(n-1) … ─► BERTH-SEP-e
//   BERTH-SEP-e  ─► -s ip (hairpin) BERTH-MARK-MASQ; DNAT ip:port [recent --set]
//   POSTROUTING ─► BERTH-POSTROUTING ─► MASQUERADE packets marked 0x4000
//
// Chains are returned as name → rule lines (without the `-A name` prefix handled by the writer) so the
// proxier can diff per chain and rewrite only what changed.
import { createHash } from 'node:crypto';
import { endpointsForTraffic } from './service-map';
import type { Endpoint, ServicePortInfo } from './types';

export const CHAIN_SERVICES = 'BERTH-SERVICES';
export const CHAIN_NODEPORTS = 'BERTH-NODEPORTS';
export const CHAIN_MARK_MASQ = 'BERTH-MARK-MASQ';
export const CHAIN_POSTROUTING = 'BERTH-POSTROUTING';
export const MASQ_MARK = '0x4000';
export const CHAIN_PREFIX = 'BERTH-';
/** The kubelet's pod network chains (src/kubelet/cni/network.ts) share the prefix but are not the proxy's. */
const POD_NETWORK_CHAINS = /^BERTH-(PODNET|PN-)/;

/** True for a chain the proxy owns (creates, rewrites and removes). */
export function isProxyChain(name: string): boolean {
  return name.startsWith(CHAIN_PREFIX) && !POD_NETWORK_CHAINS.test(name);
}

export const CHAIN_FIREWALL = 'BERTH-FIREWALL';

/** Built-in chain → berth chain jumps installed once (and removed on cleanup). */
export const JUMPS: ReadonlyArray<{ table: 'nat' | 'filter'; chain: string; target: string; comment: string }> = [
  { table: 'nat', chain: 'PREROUTING', target: CHAIN_SERVICES, comment: 'berth service portals' },
  { table: 'nat', chain: 'OUTPUT', target: CHAIN_SERVICES, comment: 'berth service portals' },
  { table: 'nat', chain: 'POSTROUTING', target: CHAIN_POSTROUTING, comment: 'berth postrouting rules' },
  { table: 'filter', chain: 'INPUT', target: CHAIN_FIREWALL, comment: 'berth cluster IP firewall' },
  { table: 'filter', chain: 'OUTPUT', target: CHAIN_FIREWALL, comment: 'berth cluster IP firewall' },
];

/**
 * The filter table's one chain, hooked into INPUT and OUTPUT (filter runs after nat, so DNATed packets no
 * longer carry a ClusterIP). ClusterIPs are local addresses on berth0 (so host traffic can be DNATed in
 * OUTPUT); a new connection still addressed to one matched no service rule and must not reach a host
 * process listening on 0.0.0.0 — reject it, as kube-proxy rejects services without endpoints. Rejecting it
 * before conntrack confirms the entry (POSTROUTING for local packets, the end of INPUT for arriving ones)
 * also matters for UDP: a confirmed un-NATed entry would keep a client's later datagrams from being DNATed
 * once the rule appears (kube-proxy deletes such entries with `conntrack -D`; there is no conntrack tool here).
 */
export function firewallPayload(serviceCidr: string): string {
  return [
    '*filter',
    `:${CHAIN_FIREWALL} - [0:0]`,
    `-A ${CHAIN_FIREWALL} -d ${serviceCidr} -m conntrack --ctstate NEW -m comment --comment "berth: cluster IPs serve only service ports" -j REJECT`,
    'COMMIT',
    '',
  ].join('\n');
}

export interface RuleOptions {
  /** Addresses on which NodePorts are served (default: the node IP). */
  nodePortAddresses: string[];
}

/** kube-proxy's portProtoHash: sha256 → base32 → first 16 chars, so names fit iptables' 28-char limit. */
export function chainHash(s: string): string {
  const digest = createHash('sha256').update(s).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 16) break;
  }
  return out;
}

const svcId = (sp: ServicePortInfo): string => `${sp.key}/${sp.protocol}`;
export const svcChain = (sp: ServicePortInfo): string => `BERTH-SVC-${chainHash(svcId(sp))}`;
export const svlChain = (sp: ServicePortInfo): string => `BERTH-SVL-${chainHash(svcId(sp))}`;
export const extChain = (sp: ServicePortInfo): string => `BERTH-EXT-${chainHash(svcId(sp))}`;
export const sepChain = (sp: ServicePortInfo, ep: Endpoint): string => `BERTH-SEP-${chainHash(`${svcId(sp)}/${ep.ip}:${ep.port}`)}`;

const proto = (sp: ServicePortInfo): string => sp.protocol.toLowerCase();
const comment = (sp: ServicePortInfo, what: string): string => `-m comment --comment "${sp.key}${what ? ' ' + what : ''}"`;

/** Load-balancing rules of an SVC/SVL chain over the given endpoints (each gets its SEP chain). */
function balance(sp: ServicePortInfo, eps: readonly Endpoint[]): string[] {
  const rules: string[] = [];
  if (sp.affinityTimeoutSeconds !== undefined) {
    for (const ep of eps) {
      const sep = sepChain(sp, ep);
      rules.push(`${comment(sp, '')} -m recent --name ${sep} --mask 255.255.255.255 --rsource --rcheck --seconds ${sp.affinityTimeoutSeconds} --reap -j ${sep}`);
    }
  }
  eps.forEach((ep, i) => {
    const left = eps.length - i;
    const stat = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : '';
    rules.push(`${comment(sp, `-> ${ep.ip}:${ep.port}`)}${stat} -j ${sepChain(sp, ep)}`);
  });
  return rules;
}

function sepRules(sp: ServicePortInfo, ep: Endpoint): string[] {
  const sep = sepChain(sp, ep);
  const rules: string[] = [];
  if (!ep.ip.startsWith('127.')) rules.push(`${comment(sp, '')} -s ${ep.ip}/32 -j ${CHAIN_MARK_MASQ}`);
  const recent = sp.affinityTimeoutSeconds !== undefined ? ` -m recent --name ${sep} --mask 255.255.255.255 --rsource --set` : '';
  rules.push(`${comment(sp, '')} -p ${proto(sp)}${recent} -j DNAT --to-destination ${ep.ip}:${ep.port}`);
  return rules;
}

/**
 * All berth chains of the nat table for the desired state. Deterministic (the proxier diffs the output).
 * Services whose traffic class has no endpoints get no DNAT: the ClusterIP is a local address on berth0
 * (see addresses.ts) and the node address has nothing listening, so clients get a connection refused.
 */
export function buildNatChains(state: readonly ServicePortInfo[], opts: RuleOptions): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  const services: string[] = [];
  const nodePorts: string[] = [];
  chains.set(CHAIN_MARK_MASQ, [`-j MARK --or-mark ${MASQ_MARK}`]);
  chains.set(CHAIN_POSTROUTING, [
    `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
    `-j MARK --xor-mark ${MASQ_MARK}`,
    `-m comment --comment "berth service traffic requiring SNAT" -j MASQUERADE --random-fully`,
  ]);
  for (const sp of state) {
    const internal = endpointsForTraffic(sp, false);
    const external = endpointsForTraffic(sp, true);
    const needSvc = sp.clusterEndpoints.length > 0;
    const needSvl = (sp.internalPolicyLocal || sp.externalPolicyLocal) && sp.localEndpoints.length > 0;
    if (needSvc) chains.set(svcChain(sp), balance(sp, sp.clusterEndpoints));
    if (needSvl) chains.set(svlChain(sp), balance(sp, sp.localEndpoints));
    for (const ep of needSvc ? sp.clusterEndpoints : []) chains.set(sepChain(sp, ep), sepRules(sp, ep));
    for (const ep of needSvl ? sp.localEndpoints : []) chains.set(sepChain(sp, ep), sepRules(sp, ep));
    const match = `-p ${proto(sp)} -m ${proto(sp)} --dport`;
    if (internal.length > 0) {
      services.push(`${comment(sp, 'cluster IP')} -d ${sp.clusterIP}/32 ${match} ${sp.port} -j ${sp.internalPolicyLocal ? svlChain(sp) : svcChain(sp)}`);
    }
    const hasExternal = sp.nodePort !== undefined || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
    if (!hasExternal || external.length === 0) continue;
    const ext = extChain(sp);
    chains.set(
      ext,
      sp.externalPolicyLocal
        ? [
            ...(needSvc ? [`${comment(sp, 'local origin')} -m addrtype --src-type LOCAL -j ${svcChain(sp)}`] : []),
            `${comment(sp, 'local endpoints')} -j ${svlChain(sp)}`,
          ]
        : [`${comment(sp, '')} -j ${CHAIN_MARK_MASQ}`, `${comment(sp, '')} -j ${svcChain(sp)}`],
    );
    for (const ip of sp.externalIPs) services.push(`${comment(sp, 'external IP')} -d ${ip}/32 ${match} ${sp.port} -j ${ext}`);
    for (const ip of sp.loadBalancerIPs) services.push(`${comment(sp, 'loadbalancer IP')} -d ${ip}/32 ${match} ${sp.port} -j ${ext}`);
    if (sp.nodePort !== undefined) nodePorts.push(`${comment(sp, 'node port')} ${match} ${sp.nodePort} -j ${ext}`);
  }
  for (const addr of opts.nodePortAddresses) {
    services.push(`-m comment --comment "berth node ports; NOTE: this must be the last rule" -d ${addr}/32 -j ${CHAIN_NODEPORTS}`);
  }
  chains.set(CHAIN_SERVICES, services);
  chains.set(CHAIN_NODEPORTS, nodePorts);
  return chains;
}

/**
 * An iptables-restore --noflush payload that (re)writes only `changed` chains and deletes `removed` ones.
 * Declaring `:CHAIN - [0:0]` creates or flushes a chain; its rules follow; deleted chains are flushed first
 * (so references between them vanish) and then removed with -X.
 */
export function restorePayload(chains: ReadonlyMap<string, readonly string[]>, changed: readonly string[], removed: readonly string[], table = 'nat'): string {
  const lines = [`*${table}`];
  for (const c of [...changed, ...removed]) lines.push(`:${c} - [0:0]`);
  for (const c of changed) for (const r of chains.get(c) ?? []) lines.push(`-A ${c} ${r}`);
  for (const c of removed) lines.push(`-X ${c}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}
