// The kubelet's pod network through real CNI plugins (Debian's containernetworking-plugins): every pod
// sandbox gets `lo` from the loopback plugin and `eth0` from the bridge plugin, attached to the node's
// bridge berth-cni0, with an address from the node's pod CIDR through host-local; hostPorts go through
// portmap. The configuration is written by berth from the node's spec.podCIDR (as k3s does with flannel's
// bridge), so there is no CNI config directory to get wrong.
//
// Host side (root): the bridge plugin turns on IPv4 forwarding; the filter table's FORWARD chain jumps to
// BERTH-PODNET, which accepts bridge-to-bridge traffic and replies, drops pod traffic to other cluster
// addresses, and accepts the rest (egress, masqueraded behind the node's address by BERTH-PODNET-NAT in
// POSTROUTING) unless egress is off; the cluster CIDR gets an unreachable route where nothing more specific
// exists (the node's own /24 is routed to the bridge, other nodes' /24s through them: routes.ts), so cluster
// addresses never reach the default gateway. All of it is removed
// by cleanupHost() (the kubelet calls it on a clean stop once no pod network is left), which also restores
// the forwarding setting found before once no other berth pod bridge is left on the host.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../runtime/errors';
import type { PodNetworkAttachment, PodNetworkPlugin, PodNetworkRequest } from '../runtime/types';
import type { LogFn } from '../types';
import { PodRoutes, wantedRoutes, type PeerNode } from './routes';
import { addNetworkList, CNI_VERSION, delNetworkList, findPlugin, resultIPv4, type CniResult, type NetConfList, type PluginExec, type RuntimeConf } from './invoke';

export const DEFAULT_CNI_BIN_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];
export const BRIDGE = 'berth-cni0';
export const FORWARD_CHAIN = 'BERTH-PODNET';
export const NETWORK_NOT_READY = 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';
const REQUIRED_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'];
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
const HOST_STATE_FORWARD = '/run/berth/ip_forward.orig';
/** One empty file per berth pod bridge on this host. */
const HOST_STATE_BRIDGES = '/run/berth/pod-bridges';

export type HostExec = (cmd: string, args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

const hostExec: HostExec = (cmd, args) => new Promise((resolve) => {
  execFile(cmd, args, (err, stdout, stderr) => {
    const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
    resolve({ code, stdout: String(stdout), stderr: String(stderr || (err && code === 1 ? err.message : '')) });
  });
});

export interface CniNetworkOptions {
  /** Where plugin binaries are looked up (CNI_PATH). Default /usr/lib/cni, /opt/cni/bin. */
  binDirs?: string[];
  /** The kubelet's CNI state: host-local's allocations (networks/), the saved forwarding setting. */
  stateDir: string;
  /** The whole cluster's pod CIDR (e.g. 10.42.0.0/16): routed unreachable where nothing more specific exists. */
  clusterCidr?: string;
  bridge?: string;
  log: LogFn;
  /** Test seams. */
  exec?: PluginExec;
  host?: HostExec;
  /** Skip the host-side rules and routes (tests that run plugins against a fake). */
  manageHost?: boolean;
  /**
   * Pods may reach addresses outside the cluster, masqueraded behind the node's address (default true, as on
   * any Kubernetes cluster); false drops everything a pod sends off the node except replies.
   */
  egress?: boolean;
}

/** The reasons CNI cannot be used on this machine ([] when it can). */
export function cniUnavailableReasons(binDirs: readonly string[] = DEFAULT_CNI_BIN_DIRS): string[] {
  const out: string[] = [];
  if (process.getuid?.() !== 0) out.push('not running as root');
  const missing = REQUIRED_PLUGINS.filter((p) => !findPlugin(binDirs, p));
  if (missing.length) out.push(`CNI plugins ${missing.join(', ')} not found in ${binDirs.join(':')} (Debian: containernetworking-plugins)`);
  return out;
}

interface AttachmentState {
  list: NetConfList;
  result: CniResult;
}

export class CniPodNetwork implements PodNetworkPlugin {
  readonly name = 'CNI (bridge, host-local, loopback, portmap)';
  private readonly binDirs: string[];
  private readonly bridge: string;
  /** The filter chain of this bridge (BERTH-PODNET for the default bridge). */
  private readonly chain: string;
  private readonly host: HostExec;
  private podCidr: string | undefined;
  private hostReady = false;
  private readonly peerRoutes: PodRoutes;
  private addedRoute = false;

  constructor(private readonly o: CniNetworkOptions) {
    this.binDirs = o.binDirs ?? DEFAULT_CNI_BIN_DIRS;
    this.bridge = o.bridge ?? BRIDGE;
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(this.bridge)) throw new Error(`CNI bridge name ${JSON.stringify(this.bridge)}: want 1-15 letters, digits, '.', '_' or '-'`);
    this.chain = this.bridge === BRIDGE ? FORWARD_CHAIN : `BERTH-PN-${this.bridge}`;
    this.host = o.host ?? hostExec;
    this.peerRoutes = new PodRoutes(this.host, o.log);
    mkdirSync(o.stateDir, { recursive: true });
  }

  /** Routes other nodes' pod CIDRs through their addresses (host-gw); `self` is this node. */
  async syncPeerRoutes(peers: readonly PeerNode[], self: { name: string; ip: string }): Promise<void> {
    if (this.o.manageHost === false || !this.o.clusterCidr) return;
    await this.peerRoutes.sync(wantedRoutes(peers, { ...self, podCidr: this.podCidr }));
  }

  /** Routes installed to other nodes' pod CIDRs (tests). */
  get routes(): ReadonlyMap<string, string> {
    return this.peerRoutes.routes;
  }

  /** The node's pod CIDR once configured; the network is ready only then. */
  get cidr(): string | undefined {
    return this.podCidr;
  }

  ready(): boolean {
    return this.podCidr !== undefined && this.hostReady;
  }

  /** The bridge's address (the pods' gateway): the first address of the pod CIDR. */
  gateway(): string | undefined {
    return this.podCidr ? firstHost(this.podCidr) : undefined;
  }

  /** Sets the node's pod CIDR (from Node.spec.podCIDR) and prepares the host. Idempotent. */
  async configure(podCidr: string): Promise<void> {
    if (this.podCidr === podCidr && this.hostReady) return;
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(podCidr)) throw new Error(`pod CIDR ${podCidr}: only IPv4 pod CIDRs are supported`);
    if (this.o.manageHost !== false) await this.prepareHost(podCidr);
    this.podCidr = podCidr;
    this.hostReady = true;
    this.o.log('info', `pod network: CNI bridge ${this.bridge} for pod CIDR ${podCidr} (gateway ${firstHost(podCidr)})`);
  }

  /** The configuration list for one pod (portmap only when it maps host ports). */
  networkList(withPortMap: boolean): NetConfList {
    const plugins: NetConfList['plugins'] = [{
      type: 'bridge', bridge: this.bridge, isGateway: true, ipMasq: false, hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: this.podCidr }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(this.o.stateDir, 'networks') },
    }];
    if (withPortMap) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
    return { cniVersion: CNI_VERSION, name: 'berth', plugins };
  }

  private loopbackList(): NetConfList {
    return { cniVersion: CNI_VERSION, name: 'cni-loopback', plugins: [{ type: 'loopback' }] };
  }

  private runtimeConf(req: PodNetworkRequest, ifName: string): RuntimeConf {
    return {
      containerId: req.sandboxId, netns: req.netnsPath, ifName,
      args: [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', req.namespace], ['K8S_POD_NAME', req.name], ['K8S_POD_INFRA_CONTAINER_ID', req.sandboxId], ['K8S_POD_UID', req.uid]],
      ...(req.portMappings?.length ? {
        capabilityArgs: { portMappings: req.portMappings.map((m) => ({ hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol, ...(m.hostIP ? { hostIP: m.hostIP } : {}) })) },
      } : {}),
    };
  }

  async setUp(req: PodNetworkRequest): Promise<PodNetworkAttachment> {
    if (!this.ready()) throw new RuntimeError('FailedPrecondition', `network is not ready: ${NETWORK_NOT_READY}`);
    const inv = { binDirs: this.binDirs, ...(this.o.exec ? { exec: this.o.exec } : {}) };
    await addNetworkList(inv, this.loopbackList(), this.runtimeConf(req, 'lo'));
    const list = this.networkList(Boolean(req.portMappings?.length));
    const rt = this.runtimeConf(req, 'eth0');
    let result: CniResult;
    try {
      result = await addNetworkList(inv, list, rt);
    } catch (e) {
      await delNetworkList(inv, list, rt, undefined).catch(() => undefined); // release a half-made attachment
      throw e;
    }
    const ip = resultIPv4(result);
    if (!ip) {
      await delNetworkList(inv, list, rt, result).catch(() => undefined);
      throw new RuntimeError('Unavailable', `CNI result has no IPv4 address: ${JSON.stringify(result)}`);
    }
    const state: AttachmentState = { list, result };
    return { ip, state };
  }

  async tearDown(req: PodNetworkRequest, attachment: PodNetworkAttachment | undefined): Promise<void> {
    const state = attachment?.state as AttachmentState | undefined;
    if (!state?.list) return;
    const inv = { binDirs: this.binDirs, ...(this.o.exec ? { exec: this.o.exec } : {}) };
    await delNetworkList(inv, state.list, this.runtimeConf(req, 'eth0'), state.result);
  }

  private async must(cmd: string, args: string[]): Promise<string> {
    const r = await this.host(cmd, args);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
    return r.stdout;
  }

  /** The host preparation in progress: calls run one after another (they read, then write, host state). */
  private preparing: Promise<void> = Promise.resolve();

  private prepareHost(podCidr: string): Promise<void> {
    const run = this.preparing.catch(() => undefined).then(() => this.prepareHostOnce(podCidr));
    this.preparing = run;
    return run;
  }

  private async prepareHostOnce(podCidr: string): Promise<void> {
    // The forwarding setting found before the first berth pod network on this host, kept until the last one
    // goes (several kubelets may share a machine in tests); /run is emptied by a reboot, as is the setting.
    mkdirSync(HOST_STATE_BRIDGES, { recursive: true });
    if (!existsSync(HOST_STATE_FORWARD) && existsSync(IP_FORWARD)) writeFileSync(HOST_STATE_FORWARD, readFileSync(IP_FORWARD, 'utf8').trim());
    writeFileSync(join(HOST_STATE_BRIDGES, this.bridge), '');
    const br = this.bridge;
    const gw = `${firstHost(podCidr)}/${podCidr.split('/')[1] ?? '24'}`;
    const egress = this.o.egress !== false;
    const cluster = this.o.clusterCidr;
    // Node readiness waits for this, so it takes few processes, run side by side: one read of everything
    // (bridge address, both iptables tables, the cluster route), then one `ip -batch` for the bridge, one
    // `iptables-restore --noflush` for every chain and jump (atomic per table), and the route.
    const [addrs, filter, nat, routes] = await Promise.all([
      this.host('ip', ['-o', '-4', 'addr', 'show', 'dev', br]),
      this.host('iptables-save', ['-t', 'filter']),
      this.host('iptables-save', ['-t', 'nat']),
      cluster ? this.host('ip', ['-4', 'route', 'show', 'exact', cluster]) : Promise.resolve(undefined),
    ]);
    if (filter.code !== 0) throw new Error(`iptables-save -t filter: ${filter.stderr.trim() || `exit ${filter.code}`}`);
    if (nat.code !== 0) throw new Error(`iptables-save -t nat: ${nat.stderr.trim() || `exit ${nat.code}`}`);

    // The bridge with the gateway address exists before the first pod (the bridge plugin would create it on
    // the first ADD): the node's DNS listens on the gateway, which pods and the node both reach.
    const ipBatch = [
      ...(addrs.code !== 0 ? [`link add ${br} type bridge`] : []),
      ...(addrs.code !== 0 || !addrs.stdout.includes(` ${gw} `) ? [`addr replace ${gw} dev ${br}`] : []),
      `link set ${br} up`,
    ];

    const comment = `berth pod network ${br}`;
    const jump = (from: string, chain: string): string[] => [from, '-m', 'comment', '--comment', comment, '-j', chain];
    const fwd = jump('FORWARD', this.chain);
    const inChain = `${this.chain}-IN`;
    const inJump = jump('INPUT', inChain);
    const natChain = `${this.chain}-NAT`;
    const natJump = jump('POSTROUTING', natChain);
    const filterRules = [
      ['-i', br, '-o', br, '-j', 'ACCEPT'],
      ['-i', br, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
      ['-o', br, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
      // pods of other nodes, both ways: routed through their node (routes.ts) or, with no route, unreachable
      // (the cluster CIDR's unreachable route): never through the default gateway
      ...(cluster ? [
        ['-i', br, '-d', cluster, '-m', 'comment', '--comment', 'berth: to pods of other nodes', '-j', 'ACCEPT'],
        ['-o', br, '-s', cluster, '-m', 'comment', '--comment', 'berth: from pods of other nodes', '-j', 'ACCEPT'],
      ] : []),
      egress
        ? ['-i', br, '-m', 'comment', '--comment', 'berth: pod egress, masqueraded', '-j', 'ACCEPT']
        : ['-i', br, '-m', 'comment', '--comment', 'berth: pod traffic does not leave the node', '-j', 'DROP'],
    ];
    // Connections to a node port or hostPort on 127.0.0.1 are DNATed to a pod and leave through the bridge
    // with a loopback source (masqueraded on the way out): that needs route_localnet on the bridge, as
    // kube-proxy's localhost node ports and the portmap plugin do. With it, a pod could address the node's
    // loopback services through the bridge (CVE-2020-8558): drop such packets unless they belong to a
    // DNATed or established connection, as kube-proxy does.
    const inRule = ['-i', br, '-d', '127.0.0.0/8', '-m', 'comment', '--comment', 'berth: block localnet connections from pods',
      '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'DROP'];
    // With --noflush, declaring a chain creates it or empties it; the rest of each table stays as it is.
    const restore = [
      '*filter',
      `:${this.chain} - [0:0]`,
      `:${inChain} - [0:0]`,
      ...filterRules.map((r) => restoreLine('-A', [this.chain, ...r])),
      restoreLine('-A', [inChain, ...inRule]),
      ...(hasRule(filter.stdout, fwd) ? [] : [restoreLine('-I', fwd)]),
      ...(hasRule(filter.stdout, inJump) ? [] : [restoreLine('-I', inJump)]),
      'COMMIT',
      '*nat',
    ];
    if (egress) {
      // Egress leaves with the node's address (the bridge plugin's ipMasq, but in one chain of our own that
      // skips pod-to-pod and cluster destinations).
      restore.push(
        `:${natChain} - [0:0]`,
        restoreLine('-A', [natChain, '-o', br, '-j', 'RETURN']),
        ...(cluster ? [restoreLine('-A', [natChain, '-d', cluster, '-j', 'RETURN'])] : []),
        restoreLine('-A', [natChain, '-s', podCidr, '-m', 'comment', '--comment', 'berth: pod egress', '-j', 'MASQUERADE']),
        ...(hasRule(nat.stdout, natJump) ? [] : [restoreLine('-I', natJump)]),
      );
    } else {
      if (hasRule(nat.stdout, natJump)) restore.push(restoreLine('-D', natJump));
      if (hasChain(nat.stdout, natChain)) restore.push(`:${natChain} - [0:0]`, `-X ${natChain}`);
    }
    restore.push('COMMIT', '');

    const batchFile = join(this.o.stateDir, `host-${br}.ip`);
    const rulesFile = join(this.o.stateDir, `host-${br}.iptables`);
    writeFileSync(batchFile, `${ipBatch.join('\n')}\n`);
    writeFileSync(rulesFile, restore.join('\n'));
    const bridgeUp = async (): Promise<void> => {
      await this.must('ip', ['-batch', batchFile]);
      writeFileSync(`/proc/sys/net/ipv4/conf/${br}/route_localnet`, '1');
    };
    const clusterRoute = async (): Promise<void> => {
      if (!cluster || !routes) return;
      const have = routes.stdout.trim();
      if (have === '') {
        const r = await this.host('ip', ['route', 'add', 'unreachable', cluster]);
        // another kubelet on this host may have added it since the read: fine when it is ours (unreachable)
        const now = r.code === 0 ? 'unreachable' : (await this.host('ip', ['-4', 'route', 'show', 'exact', cluster])).stdout.trim();
        if (!now.startsWith('unreachable')) throw new Error(`ip route add unreachable ${cluster}: ${r.stderr.trim() || `exit ${r.code}`}`);
        this.addedRoute = true;
      } else if (have.startsWith('unreachable')) {
        this.addedRoute = true;
      }
    };
    try {
      await Promise.all([bridgeUp(), this.must('iptables-restore', ['-w', '5', '--noflush', rulesFile]), clusterRoute()]);
    } finally {
      rmSync(batchFile, { force: true });
      rmSync(rulesFile, { force: true });
    }
  }

  /** Removes the bridge, the rules and the route, and restores the forwarding setting. */
  async cleanupHost(): Promise<void> {
    if (this.o.manageHost === false) return;
    await this.peerRoutes.clear();
    await this.removeChain('filter', 'FORWARD', this.chain);
    await this.removeChain('filter', 'INPUT', `${this.chain}-IN`);
    await this.removeChain('nat', 'POSTROUTING', `${this.chain}-NAT`);
    await this.host('ip', ['link', 'del', this.bridge]);
    if (this.addedRoute && this.o.clusterCidr) await this.host('ip', ['route', 'del', 'unreachable', this.o.clusterCidr]);
    this.addedRoute = false;
    rmSync(join(HOST_STATE_BRIDGES, this.bridge), { force: true });
    const others = existsSync(HOST_STATE_BRIDGES) ? readdirSync(HOST_STATE_BRIDGES) : [];
    if (others.length === 0 && existsSync(HOST_STATE_FORWARD)) {
      const v = readFileSync(HOST_STATE_FORWARD, 'utf8').trim();
      if (v === '0' || v === '1') writeFileSync(IP_FORWARD, v);
      rmSync(HOST_STATE_FORWARD, { force: true });
    }
    rmSync(join(this.o.stateDir, 'networks'), { recursive: true, force: true });
    this.hostReady = false;
  }

  /** Removes the jump from `from` to `chain` and the chain itself (absent ones are fine). */
  private async removeChain(table: string, from: string, chain: string): Promise<void> {
    const ipt = (args: string[]) => this.host('iptables', ['-w', '5', '-t', table, ...args]);
    await ipt(['-D', from, '-m', 'comment', '--comment', `berth pod network ${this.bridge}`, '-j', chain]);
    await ipt(['-F', chain]);
    await ipt(['-X', chain]);
  }

  /** Forgets every address allocation (after a reboot every namespace is gone, so are its addresses). */
  resetAllocations(): void {
    rmSync(join(this.o.stateDir, 'networks'), { recursive: true, force: true });
  }
}

/** a.b.c.d/n → the first host address (network + 1). */
export function firstHost(cidr: string): string {
  const [addr] = cidr.split('/');
  const p = (addr ?? '').split('.').map(Number);
  const n = (((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]! + 1) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** One iptables-restore line: the operation, then the arguments, quoted where they hold spaces. */
export function restoreLine(op: string, args: readonly string[]): string {
  return [op, ...args.map((a) => (/^[^\s"'\\]+$/.test(a) ? a : `"${a.replace(/(["\\])/g, '\\$1')}"`))].join(' ');
}

/** True when iptables-save output declares `chain`. */
export function hasChain(saved: string, chain: string): boolean {
  return saved.split('\n').some((l) => l.startsWith(`:${chain} `));
}

/**
 * True when iptables-save output holds the rule `[chain, ...match]`. iptables-save prints a rule with its
 * matches in its own order, so the rule is compared as a multiset of its words.
 */
export function hasRule(saved: string, rule: readonly string[]): boolean {
  const want = ruleWords(restoreLine('-A', rule));
  return saved.split('\n').some((l) => l.startsWith(`-A ${rule[0] ?? ''} `) && ruleWords(l) === want);
}

function ruleWords(line: string): string {
  const words = line.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  return words.sort().join(' ');
}
