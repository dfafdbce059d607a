// Stale UDP conntrack entries, flushed after a sync as kube-proxy does (pkg/proxy/conntrack/cleanup.go).
//
// A UDP "connection" is a conntrack entry that keeps the DNAT chosen for its first datagram until it
// idles out (30 s, 120 s once replied to). Without a flush, a client that keeps sending from the same port
// (a DNS resolver, a game, a metrics agent) goes on talking to a removed endpoint, and one that sent
// while a Service had no endpoints stays un-NATed. After the new rules are in place:
//
//   endpoint ip:port gone from a UDP service port ─► conntrack -D -p udp --orig-dst <VIP> --dst-nat <ip>
//                                                    (VIP = ClusterIP, each externalIP and LB address)
//                                                  ─► conntrack -D -p udp --dport <nodePort> --dst-nat <ip>
//   UDP service port went from no endpoints to some ─► conntrack -D -p udp --orig-dst <VIP>
//                                                  ─► conntrack -D -p udp --dport <nodePort>
//
// Needs the `conntrack` command (Debian package `conntrack`); without it the proxy warns once and goes on.
// TCP needs nothing: a removed endpoint's connections fail and clients reconnect through the new rules.
import type { Exec } from './exec';
import type { LogFn, ServicePortInfo } from './types';

const endpointKeys = (sp: ServicePortInfo): Set<string> => {
  const out = new Set<string>();
  for (const e of sp.clusterEndpoints) out.add(`${e.ip}:${e.port}`);
  for (const e of sp.localEndpoints) out.add(`${e.ip}:${e.port}`);
  return out;
};

const vips = (sp: ServicePortInfo): string[] => [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs].filter((ip) => ip && ip !== 'None');

const ipOf = (hostPort: string): string => hostPort.slice(0, hostPort.lastIndexOf(':')).replace(/^\[|\]$/g, '');

const family = (ip: string): string[] => (ip.includes(':') ? ['-f', 'ipv6'] : []);

/**
 * The `conntrack` argument lists that flush the UDP entries made stale by going from `before` to `after`
 * (both as given to Proxier.sync). `before` undefined (the first sync) flushes nothing: entries made under
 * identical rules by a previous run are still right. Sorted and without duplicates. Pure.
 */
export function staleUdpFlows(before: readonly ServicePortInfo[] | undefined, after: readonly ServicePortInfo[]): string[][] {
  if (!before) return [];
  const out = new Map<string, string[]>();
  const add = (args: string[]): void => void out.set(args.join(' '), args);
  const afterByKey = new Map(after.filter((sp) => sp.protocol === 'UDP').map((sp) => [sp.key, sp]));
  const beforeByKey = new Map(before.filter((sp) => sp.protocol === 'UDP').map((sp) => [sp.key, sp]));
  for (const [key, old] of beforeByKey) {
    const now = afterByKey.get(key);
    const kept = now ? endpointKeys(now) : new Set<string>();
    for (const ep of endpointKeys(old)) {
      if (kept.has(ep)) continue;
      const ip = ipOf(ep);
      for (const vip of vips(old)) add(['-D', ...family(vip), '-p', 'udp', '--orig-dst', vip, '--dst-nat', ip]);
      if (old.nodePort !== undefined) add(['-D', ...family(ip), '-p', 'udp', '--dport', String(old.nodePort), '--dst-nat', ip]);
    }
  }
  for (const [key, now] of afterByKey) {
    if (endpointKeys(now).size === 0) continue;
    const old = beforeByKey.get(key);
    if (old && endpointKeys(old).size > 0) continue;
    for (const vip of vips(now)) add(['-D', ...family(vip), '-p', 'udp', '--orig-dst', vip]);
    if (now.nodePort !== undefined) add(['-D', '-p', 'udp', '--dport', String(now.nodePort)]);
  }
  return [...out.keys()].sort().map((k) => out.get(k)!);
}

export interface ConntrackFlusher {
  /** Runs each flush; failures are logged, never thrown (a stale flow is not worth failing a sync for). */
  flush(flows: readonly string[][]): Promise<void>;
}

export function createConntrackFlusher(exec: Exec, log: LogFn): ConntrackFlusher {
  let missingWarned = false;
  return {
    async flush(flows) {
      for (const args of flows) {
        let r;
        try {
          r = await exec('conntrack', args);
        } catch (e) {
          if (!missingWarned) {
            log('warn', `proxy: cannot run conntrack (${e instanceof Error ? e.message : String(e)}); install the Debian package \`conntrack\`: stale UDP flows to removed endpoints are not flushed`);
            missingWarned = true;
          }
          return;
        }
        // Exit 1 with "0 flow entries have been deleted" is the common, harmless case.
        if (r.code !== 0 && !/0 flow entries/.test(r.stderr)) log('warn', `proxy: conntrack ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
        else log('debug', `proxy: conntrack ${args.join(' ')}: ${r.stderr.trim()}`);
      }
    },
  };
}
