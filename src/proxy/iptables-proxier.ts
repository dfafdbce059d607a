// iptables mode: kube-proxy-style NAT chains (iptables-rules.ts) written with `iptables-restore --noflush`,
// rewriting only the chains whose rules changed since the last successful sync.
import type { AddressManager } from './addresses';
import { createConntrackFlusher, staleUdpFlows } from './conntrack';
import { mustExec, type Exec } from './exec';
import { buildNatChains, CHAIN_PREFIX, firewallPayload, isProxyChain, JUMPS, restorePayload } from './iptables-rules';
import type { LogFn, Proxier, ServicePortInfo } from './types';

export interface IptablesProxierOptions {
  exec: Exec;
  nodeIP: string;
  addresses?: AddressManager;
  nodePortAddresses?: string[];
  /** When set, new connections to a ClusterIP that no rule DNATed are rejected (filter INPUT). */
  serviceCidr?: string;
  /** Flush UDP conntrack entries made stale by a sync (conntrack.ts; default true). */
  flushConntrack?: boolean;
  log: LogFn;
}

export interface IptablesProxier extends Proxier {
  /** Chains written by the last sync (name → rules), for tests and the benchmark. */
  readonly lastWrite: { changed: string[]; removed: string[] };
}

/** True when this process can run iptables mode here: iptables-restore exists and the nat table answers. */
export async function iptablesUsable(exec: Exec): Promise<boolean> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return false;
  try {
    const r = await exec('iptables', ['-w', '5', '-t', 'nat', '-S', 'OUTPUT']);
    return r.code === 0;
  } catch {
    return false;
  }
}

async function existingBerthChains(exec: Exec, table = 'nat'): Promise<string[]> {
  const out = await mustExec(exec, 'iptables-save', ['-t', table]);
  const chains: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^:(\S+) /.exec(line);
    if (m && isProxyChain(m[1]!)) chains.push(m[1]!);
  }
  return chains;
}

function jumpArgs(j: (typeof JUMPS)[number]): string[] {
  return ['-m', 'comment', '--comment', j.comment, '-j', j.target];
}

export function createIptablesProxier(opts: IptablesProxierOptions): IptablesProxier {
  const { exec, log } = opts;
  const nodePortAddresses = opts.nodePortAddresses ?? [opts.nodeIP];
  /** Chain → joined rules as last written; undefined means "unknown: rewrite everything". */
  let written: Map<string, string> | undefined;
  const lastWrite = { changed: [] as string[], removed: [] as string[] };
  const conntrack = opts.flushConntrack === false ? undefined : createConntrackFlusher(exec, log);
  /** The state the kernel's rules reflect, to find UDP flows a sync made stale. */
  let applied: readonly ServicePortInfo[] | undefined;
  /** After the rules changed: entries still pointing at removed endpoints go (kube-proxy's cleanup). */
  const flushStale = async (state: ServicePortInfo[]): Promise<void> => {
    const flows = staleUdpFlows(applied, state);
    applied = state;
    if (conntrack && flows.length) await conntrack.flush(flows);
  };

  async function ensureJumps(): Promise<void> {
    for (const j of JUMPS) {
      if (j.table === 'filter' && !opts.serviceCidr) continue;
      const check = await exec('iptables', ['-w', '5', '-t', j.table, '-C', j.chain, ...jumpArgs(j)]);
      if (check.code !== 0) await mustExec(exec, 'iptables', ['-w', '5', '-t', j.table, '-I', j.chain, '1', ...jumpArgs(j)]);
    }
  }

  return {
    mode: 'iptables',
    lastWrite,
    async sync(state: ServicePortInfo[]) {
      const chains = buildNatChains(state, { nodePortAddresses });
      const joined = new Map<string, string>();
      for (const [name, rules] of chains) joined.set(name, rules.join('\n'));
      const first = written === undefined;
      const before = written ?? new Map<string, string>();
      const changed = [...joined.keys()].filter((c) => first || before.get(c) !== joined.get(c));
      const existing = first ? await existingBerthChains(exec) : [...before.keys()];
      const removed = existing.filter((c) => !joined.has(c));
      lastWrite.changed = changed;
      lastWrite.removed = removed;
      // Rules first, then ClusterIPs on berth0: an address never answers locally before its rules exist.
      const syncAddresses = async (): Promise<void> => opts.addresses?.sync(new Set(state.map((s) => s.clusterIP)));
      if (changed.length === 0 && removed.length === 0) {
        await syncAddresses();
        return flushStale(state);
      }
      written = undefined; // a failed restore leaves the kernel state unknown → full rewrite next time
      await mustExec(exec, 'iptables-restore', ['-w', '5', '--noflush'], restorePayload(chains, changed, removed));
      if (first) {
        if (opts.serviceCidr) await mustExec(exec, 'iptables-restore', ['-w', '5', '--noflush'], firewallPayload(opts.serviceCidr));
        await ensureJumps();
      }
      written = joined;
      await syncAddresses();
      await flushStale(state);
      log('debug', `proxy/iptables: wrote ${changed.length} chain(s), removed ${removed.length}`);
    },
    async describe() {
      const out = (await mustExec(exec, 'iptables-save', ['-t', 'nat'])) + (await mustExec(exec, 'iptables-save', ['-t', 'filter']));
      return out.split('\n').filter((l) => l.includes(CHAIN_PREFIX)).join('\n');
    },
    async cleanup() {
      for (const j of JUMPS) {
        // -D removes one copy; loop in case a crash left duplicates.
        for (let i = 0; i < 10; i++) {
          const r = await exec('iptables', ['-w', '5', '-t', j.table, '-D', j.chain, ...jumpArgs(j)]);
          if (r.code !== 0) break;
        }
      }
      for (const table of ['nat', 'filter']) {
        const chains = await existingBerthChains(exec, table);
        if (chains.length > 0) await mustExec(exec, 'iptables-restore', ['-w', '5', '--noflush'], restorePayload(new Map(), [], chains, table));
      }
      written = undefined;
      applied = undefined;
      if (opts.addresses) await opts.addresses.cleanup();
    },
  };
}
