// The pod network with the real CNI plugins (Debian's containernetworking-plugins) through a real kubelet
// on a real API server: pods get their own namespaces and addresses, reach each other and are reached from
// the node, hostPorts work, addresses are released, and a clean stop leaves the host as it was.
// Root only (namespaces, bridges, iptables): npm test runs as root and installs the plugins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get } from 'node:http';
import { join } from 'node:path';
import { Resources } from '../../client';
import { startHarness, waitUntil } from '../testing/harness';
import type { Node, Pod } from '../types';

const sh = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return '';
  }
};

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}

const httpPod = (name: string, text: string, hostPort?: number): Omit<Pod, 'metadata'> & { metadata: { name: string } } => ({
  metadata: { name },
  spec: {
    containers: [{
      name: 'web', image: 'busybox',
      command: ['sh', '-c', `d=$(mktemp -d) && echo ${text} > $d/index.html && exec busybox httpd -f -p 8080 -h $d`],
      ports: [{ containerPort: 8080, ...(hostPort ? { hostPort } : {}) }],
      readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
    }],
  },
});

/**
 * A stand-in for "the outside world": a network namespace this test creates, joined to the host by a veth
 * pair (host side `<name>-h` holds .1 of `net`/30, the namespace .2), running a busybox httpd whose CGI
 * answers with the client's address. Returns the server's address and a cleanup.
 */
function outside(name: string, net: string, o: { serve?: string; routeBack?: string } = {}): { addr: string; nsAddr: string; hostAddr: string; close: () => void } {
  const [a, b, c, d] = net.split('.').map(Number) as [number, number, number, number];
  const hostAddr = `${a}.${b}.${c}.${d + 1}`;
  const nsAddr = `${a}.${b}.${c}.${d + 2}`;
  const addr = o.serve ?? nsAddr;
  const dir = mkdtempSync(join(tmpdir(), 'cni-outside-'));
  mkdirSync(join(dir, 'cgi-bin'));
  writeFileSync(join(dir, 'cgi-bin', 'ip'), '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s\\n" "$REMOTE_ADDR"\n', { mode: 0o755 });
  const run = (args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: 'ignore' });
  run(['ip', 'netns', 'add', name]);
  run(['ip', 'link', 'add', `${name}-h`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
  run(['ip', 'addr', 'add', `${hostAddr}/30`, 'dev', `${name}-h`]);
  run(['ip', 'link', 'set', `${name}-h`, 'up']);
  run(['ip', '-n', name, 'addr', 'add', `${nsAddr}/30`, 'dev', 'eth0']);
  run(['ip', '-n', name, 'link', 'set', 'eth0', 'up']);
  run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  if (o.serve) run(['ip', '-n', name, 'addr', 'add', `${o.serve}/32`, 'dev', 'lo']);
  if (o.routeBack) run(['ip', '-n', name, 'route', 'add', o.routeBack, 'via', hostAddr]);
  run(['ip', 'netns', 'exec', name, 'busybox', 'httpd', '-p', `${addr}:8099`, '-h', dir]);
  return {
    addr,
    nsAddr,
    hostAddr,
    close: () => {
      sh('ip', ['netns', 'pids', name]).split('\n').filter(Boolean).forEach((pid) => { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } });
      sh('ip', ['netns', 'del', name]);
      sh('ip', ['link', 'del', `${name}-h`]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

test('CNI pod network: addresses, pod-to-pod and node-to-pod traffic, hostPort, release, clean host', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  const forwardBefore = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  const bridge = 'berth-t1';
  const h = await startHarness({ podNetwork: 'cni', podCidr: '10.199.1.0/24', clusterCidr: '10.199.0.0/16', cniBridge: bridge });
  try {
    const node = await waitUntil(async () => {
      const n = await h.client.resource<Node>(Resources.nodes).get(undefined, h.nodeName).catch(() => undefined);
      return n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
    }, 'node Ready');
    assert.equal(node.metadata.annotations?.['berth.io/pod-network'], 'cni', 'the node says its pods are on a CNI network');
    assert.match(sh('ip', ['-o', '-4', 'addr', 'show', 'dev', bridge]), /inet 10\.199\.1\.1\/24/, 'the bridge holds the gateway address');
    assert.match(sh('ip', ['-4', 'route', 'show', 'exact', '10.199.0.0/16']), /^unreachable/, 'the cluster CIDR is routed unreachable');

    await h.createPod(httpPod('a', 'from-a'));
    await h.createPod(httpPod('b', 'from-b', 18181));
    const a = await h.waitPod('a', isReady, 'Ready');
    const b = await h.waitPod('b', isReady, 'Ready');
    const ipA = a.status?.podIP ?? '';
    const ipB = b.status?.podIP ?? '';
    assert.match(ipA, /^10\.199\.1\.\d+$/, `pod a's IP ${ipA} is in the pod CIDR`);
    assert.match(ipB, /^10\.199\.1\.\d+$/, `pod b's IP ${ipB} is in the pod CIDR`);
    assert.notEqual(ipA, ipB, 'pods get distinct addresses');
    assert.notEqual(ipA, '10.199.1.1', 'no pod gets the gateway');
    assert.deepEqual(a.status?.podIPs, [{ ip: ipA }]);

    assert.equal((await httpGet(`http://${ipA}:8080/`)).trim(), 'from-a', 'the node reaches a pod on its address');
    const fromA = await h.kubeletExec('default', 'a', 'web', ['wget', '-qO-', '-T', '3', `http://${ipB}:8080/`]);
    assert.equal(fromA.trim(), 'from-b', 'pod a reaches pod b on its address');
    const inA = await h.kubeletExec('default', 'a', 'web', ['ip', '-o', '-4', 'addr', 'show', 'eth0']);
    assert.ok(inA.includes(`inet ${ipA}/24`), `pod a's eth0 holds its address: ${inA}`);
    assert.equal((await httpGet('http://127.0.0.1:18181/')).trim(), 'from-b', 'hostPort 18181 reaches pod b through portmap');
    // egress: a pod reaches an address outside the cluster, seen there as the node (masqueraded)
    const out = outside('bt-egress1', '172.31.254.0');
    try {
      const seen = await h.kubeletExec('default', 'a', 'web', ['wget', '-qO-', '-T', '3', `http://${out.addr}:8099/cgi-bin/ip`]);
      assert.equal(seen.trim(), out.hostAddr, `the outside sees the node's address, not the pod's ${ipA}`);
    } finally {
      out.close();
    }

    // deleting a pod releases its namespace and address
    const ipam = join(h.dataDir, 'cni', 'networks', 'berth');
    assert.ok(existsSync(join(ipam, ipA)), `host-local recorded ${ipA}`);
    await h.client.resource<Pod>(Resources.pods).delete('default', 'a', { gracePeriodSeconds: 0 });
    await waitUntil(async () => (existsSync(join(ipam, ipA)) ? undefined : true), `${ipA} released`);
    const nsA = `berth-${a.metadata.uid.replace(/-/g, '').slice(0, 12)}`;
    await waitUntil(async () => (readdirSync('/run/netns').includes(nsA) ? undefined : true), `pod a's namespace ${nsA} is removed`);
    assert.equal((await httpGet('http://127.0.0.1:18181/')).trim(), 'from-b', 'the other pod is untouched');
  } finally {
    await h.close();
  }
  assert.equal(sh('ip', ['link', 'show', bridge]), '', 'a clean stop with no pods left removes the bridge');
  assert.equal(sh('ip', ['-4', 'route', 'show', 'exact', '10.199.0.0/16']).trim(), '', 'and the unreachable route');
  assert.doesNotMatch(sh('iptables', ['-w', '5', '-S', 'FORWARD']), new RegExp(`BERTH-PN-${bridge}`), 'and the FORWARD jump');
  assert.doesNotMatch(sh('iptables', ['-w', '5', '-t', 'nat', '-S']), new RegExp(`BERTH-PN-${bridge}`), 'and the egress NAT chain');
  // another berth pod network on this host (a concurrent test's server) keeps forwarding on until it goes
  const others = existsSync('/run/berth/pod-bridges') ? readdirSync('/run/berth/pod-bridges') : [];
  if (others.length === 0) assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), forwardBefore, 'and restores IPv4 forwarding as found');
});

test('CNI pod network waits for the node\'s pod CIDR: NotReady with upstream\'s message, then pods run', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  const h = await startHarness({ podNetwork: 'cni', cniBridge: 'berth-t2', podEgress: false });
  try {
    const nodes = h.client.resource<Node>(Resources.nodes);
    const notReady = await waitUntil(async () => {
      const n = await nodes.get(undefined, h.nodeName).catch(() => undefined);
      return n?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False');
    }, 'node NotReady');
    assert.match(notReady.message ?? '', /network plugin not ready|NetworkPluginNotReady/i, `got ${notReady.message}`);
    await h.createPod(httpPod('c', 'from-c'));
    const events = h.client.resource<{ metadata: { name: string }; reason?: string; involvedObject?: { name?: string } }>(Resources.events);
    await waitUntil(async () => ((await events.list('default')).items.some((e) => e.reason === 'NetworkNotReady' && e.involvedObject?.name === 'c') ? true : undefined), 'a NetworkNotReady event for pod c');
    assert.equal((await h.getPod('c'))?.status?.podIP, undefined, 'no address before the network is ready');
    // what the node IPAM controller does
    await nodes.patch(undefined, h.nodeName, 'merge', { spec: { podCIDR: '10.199.2.0/24', podCIDRs: ['10.199.2.0/24'] } });
    const c = await h.waitPod('c', isReady, 'Ready once the node has a pod CIDR');
    assert.match(c.status?.podIP ?? '', /^10\.199\.2\.\d+$/);
    assert.equal((await httpGet(`http://${c.status?.podIP}:8080/`)).trim(), 'from-c');
    // podEgress: false: nothing a pod sends leaves the node
    const out = outside('bt-egress2', '172.31.254.4');
    try {
      assert.equal((await httpGet(`http://${out.addr}:8099/cgi-bin/ip`)).trim(), out.hostAddr, 'the node itself reaches the outside namespace');
      const r = await h.kubeletExec('default', 'c', 'web', ['sh', '-c', `wget -qO- -T 2 http://${out.addr}:8099/cgi-bin/ip || echo blocked`]);
      assert.equal(r.trim(), 'blocked', 'the pod cannot');
    } finally {
      out.close();
    }
    await waitUntil(async () => ((await nodes.get(undefined, h.nodeName)).status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ? true : undefined), 'node Ready');
  } finally {
    await h.close();
  }
  assert.equal(sh('ip', ['link', 'show', 'berth-t2']), '', 'the bridge is removed on a clean stop');
});

test('CNI pod network across nodes: another node\'s pod CIDR is routed through its address, unmasqueraded', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  // "node b" is a namespace this test creates: its InternalIP on a veth link to the host, one "pod" address
  // on its loopback, and a route back to this node's pods through the host.
  const peer = outside('bt-nodeb', '172.31.254.8', { serve: '10.199.9.5', routeBack: '10.199.3.0/24' });
  const h = await startHarness({ podNetwork: 'cni', podCidr: '10.199.3.0/24', clusterCidr: '10.199.0.0/16', cniBridge: 'berth-t3' });
  const nodes = h.client.resource<Node>(Resources.nodes);
  const route = (): string => sh('ip', ['-4', 'route', 'show', 'exact', '10.199.9.0/24']).trim();
  try {
    await nodes.create(undefined, { metadata: { name: 'peer-b' }, spec: { podCIDR: '10.199.9.0/24', podCIDRs: ['10.199.9.0/24'] } } as Node);
    await nodes.patch(undefined, 'peer-b', 'merge', { status: { addresses: [{ type: 'InternalIP', address: peer.nsAddr }] } }, { subresource: 'status' });
    await waitUntil(async () => (route().includes(`via ${peer.nsAddr}`) ? true : undefined), 'a route to peer-b\'s pod CIDR');
    await h.createPod(httpPod('x', 'from-x'));
    const x = await h.waitPod('x', isReady, 'Ready');
    const seen = await h.kubeletExec('default', 'x', 'web', ['wget', '-qO-', '-T', '3', `http://${peer.addr}:8099/cgi-bin/ip`]);
    assert.equal(seen.trim(), x.status?.podIP, 'a pod on the other node sees this pod\'s own address');
    await nodes.delete(undefined, 'peer-b');
    await waitUntil(async () => (route() === '' ? true : undefined), 'the route goes with the node');
  } finally {
    await nodes.delete(undefined, 'peer-b').catch(() => undefined);
    await h.close();
    peer.close();
  }
  assert.equal(route(), '', 'no route left');
});
