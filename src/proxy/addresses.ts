// Host addresses and routes berth owns (root only):
//   - interface berth0 (dummy, or an empty bridge where the dummy module is missing) holding every ClusterIP
//     as a /32, so host processes can reach ClusterIPs (iptables mode DNATs them in OUTPUT; userspace mode
//     binds listeners on them) — the same trick as kube-proxy's ipvs mode (kube-ipvs0);
//   - an `unreachable` route for the service CIDR when no more specific route exists, so traffic to an
//     unallocated ClusterIP fails at once instead of leaking to the default gateway.
// Both are removed on cleanup.
import { mustExec, type Exec } from './exec';
import type { LogFn } from './types';

export const DUMMY_INTERFACE = 'berth0';

export interface AddressManager {
  /** Creates berth0 and the unreachable route. Idempotent. */
  setup(): Promise<void>;
  /** Makes berth0 hold exactly `ips` (adds missing, removes stale). */
  sync(ips: ReadonlySet<string>): Promise<void>;
  cleanup(): Promise<void>;
}

export function createAddressManager(opts: { exec: Exec; serviceCidr: string; log: LogFn; iface?: string }): AddressManager {
  const iface = opts.iface ?? DUMMY_INTERFACE;
  const { exec, log } = opts;
  let current = new Set<string>();
  let addedRoute = false;

  async function listAddresses(): Promise<Set<string>> {
    const r = await exec('ip', ['-o', '-4', 'addr', 'show', 'dev', iface]);
    const out = new Set<string>();
    for (const m of r.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/32/g)) out.add(m[1]!);
    return out;
  }

  return {
    async setup() {
      const has = await exec('ip', ['link', 'show', iface]);
      if (has.code !== 0) {
        const dummy = await exec('ip', ['link', 'add', iface, 'type', 'dummy']);
        if (dummy.code !== 0) {
          log('debug', `proxy: no dummy interfaces (${dummy.stderr.trim()}); using an empty bridge for ${iface}`);
          await mustExec(exec, 'ip', ['link', 'add', iface, 'type', 'bridge']);
        }
      }
      await mustExec(exec, 'ip', ['link', 'set', iface, 'up']);
      current = await listAddresses();
      const routes = await exec('ip', ['-4', 'route', 'show', 'exact', opts.serviceCidr]);
      if (routes.stdout.trim() === '') {
        await mustExec(exec, 'ip', ['route', 'add', 'unreachable', opts.serviceCidr]);
        addedRoute = true;
      } else if (routes.stdout.startsWith('unreachable')) {
        addedRoute = true; // left by an earlier run of ours; ours to remove
      } else {
        log('info', `proxy: ${opts.serviceCidr} already routed (${routes.stdout.trim()}); not adding an unreachable route`);
      }
    },
    async sync(ips) {
      for (const ip of current) {
        if (ips.has(ip)) continue;
        await exec('ip', ['addr', 'del', `${ip}/32`, 'dev', iface]);
        current.delete(ip);
      }
      for (const ip of ips) {
        if (current.has(ip)) continue;
        const r = await exec('ip', ['addr', 'add', `${ip}/32`, 'dev', iface]);
        if (r.code === 0 || /exists/i.test(r.stderr)) current.add(ip);
        else log('warn', `proxy: cannot add ${ip} to ${iface}: ${r.stderr.trim()}`);
      }
    },
    async cleanup() {
      await exec('ip', ['link', 'del', iface]);
      current.clear();
      if (addedRoute) await exec('ip', ['route', 'del', 'unreachable', opts.serviceCidr]);
      addedRoute = false;
    },
  };
}
