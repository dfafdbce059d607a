// staleUdpFlows (pure), and the flush for real: iptables mode in a network namespace created here, a UDP
// client that keeps its source port, an endpoint replaced. Without the flush the client's conntrack entry
// keeps it on the removed endpoint (checked too, so the test proves the flush is what moves it).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { staleUdpFlows } from './conntrack';
import { realExec, type Exec } from './exec';
import { createIptablesProxier } from './iptables-proxier';
import type { Endpoint, ServicePortInfo } from './types';

const ep = (ip: string, port = 5353): Endpoint => ({ ip, port, ready: true, serving: true, terminating: false });
function udp(o: Partial<ServicePortInfo> = {}): ServicePortInfo {
  return {
    key: 'ns/dns:dns', namespace: 'ns', name: 'dns', portName: 'dns', protocol: 'UDP', clusterIP: '10.43.0.50', port: 53,
    externalIPs: [], loadBalancerIPs: [], externalPolicyLocal: false, internalPolicyLocal: false,
    clusterEndpoints: [ep('10.251.0.2')], localEndpoints: [], ...o,
  };
}

test('staleUdpFlows: what kube-proxy flushes', () => {
  const cases: Array<{ name: string; before: ServicePortInfo[] | undefined; after: ServicePortInfo[]; want: string[] }> = [
    { name: 'first sync flushes nothing', before: undefined, after: [udp()], want: [] },
    { name: 'unchanged', before: [udp()], after: [udp()], want: [] },
    {
      name: 'endpoint replaced: by ClusterIP and NodePort, NAT to the old endpoint',
      before: [udp({ nodePort: 30053 })],
      after: [udp({ nodePort: 30053, clusterEndpoints: [ep('10.251.0.3')] })],
      want: ['-D -p udp --dport 30053 --dst-nat 10.251.0.2', '-D -p udp --orig-dst 10.43.0.50 --dst-nat 10.251.0.2'],
    },
    {
      name: 'service deleted: its endpoints are stale on every VIP',
      before: [udp({ externalIPs: ['192.0.2.9'], loadBalancerIPs: ['192.0.2.1'] })],
      after: [],
      want: ['-D -p udp --orig-dst 10.43.0.50 --dst-nat 10.251.0.2', '-D -p udp --orig-dst 192.0.2.1 --dst-nat 10.251.0.2', '-D -p udp --orig-dst 192.0.2.9 --dst-nat 10.251.0.2'],
    },
    {
      name: 'first endpoints: entries made while there were none go',
      before: [udp({ clusterEndpoints: [], nodePort: 30053 })],
      after: [udp({ nodePort: 30053 })],
      want: ['-D -p udp --dport 30053', '-D -p udp --orig-dst 10.43.0.50'],
    },
    {
      name: 'new UDP service with endpoints',
      before: [],
      after: [udp()],
      want: ['-D -p udp --orig-dst 10.43.0.50'],
    },
    {
      name: 'TCP changes flush nothing',
      before: [udp({ protocol: 'TCP' })],
      after: [udp({ protocol: 'TCP', clusterEndpoints: [ep('10.251.0.3')] })],
      want: [],
    },
    {
      name: 'IPv6',
      before: [udp({ clusterIP: 'fd00:43::50', clusterEndpoints: [ep('fd00:251::2')] })],
      after: [udp({ clusterIP: 'fd00:43::50', clusterEndpoints: [] })],
      want: ['-D -f ipv6 -p udp --orig-dst fd00:43::50 --dst-nat fd00:251::2'],
    },
  ];
  for (const c of cases) {
    const got = staleUdpFlows(c.before, c.after).map((a) => a.join(' '));
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

/** Inside the namespace: UDP servers answering their name on 10.251.0.2/3:5353, and a client on a fixed port. */
const HELPER = `
const dgram = require('node:dgram');
for (const ip of ['10.251.0.2', '10.251.0.3']) {
  const s = dgram.createSocket('udp4');
  s.on('message', (_m, r) => s.send(ip, r.port, r.address));
  s.bind(5353, ip);
}
const c = dgram.createSocket('udp4');
c.bind(40053, '10.251.0.1', () => console.log('ready'));
let timer;
c.on('message', (m) => { clearTimeout(timer); console.log('reply ' + m); });
require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
  timer = setTimeout(() => console.log('reply timeout'), 2000);
  c.send('q', 53, '10.43.0.50');
});
`;

function sh(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const has = (cmd: string, arg: string): boolean => spawnSync(cmd, [arg]).status === 0;
const skip = !root || !has('ip', '-V') || !has('iptables', '--version') ? 'needs root, iproute2 and iptables'
  : !has('conntrack', '--version') ? 'needs the conntrack command (Debian package `conntrack`)' : false;

test('iptables mode flushes a removed UDP endpoint\'s conntrack entries (in a private network namespace)', { skip }, async (t) => {
  const ns = `berth-ct-${process.pid}`;
  sh(['netns', 'add', ns]);
  let helper: ChildProcess | undefined;
  t.after(() => {
    helper?.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns]);
  });
  sh(['-n', ns, 'link', 'set', 'lo', 'up']);
  sh(['-n', ns, 'link', 'add', 'br0', 'type', 'bridge']);
  for (const a of ['10.251.0.1/24', '10.251.0.2/24', '10.251.0.3/24', '10.43.0.50/32']) sh(['-n', ns, 'addr', 'add', a, 'dev', 'br0']);
  sh(['-n', ns, 'link', 'set', 'br0', 'up']);
  const exec: Exec = (cmd, args, input) => realExec('ip', ['netns', 'exec', ns, cmd, ...args], input);

  helper = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', HELPER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: helper.stdout! })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => String((await lines.next()).value ?? 'helper exited');
  assert.equal(await nextLine(), 'ready', 'helper started');
  const ask = async (): Promise<string> => {
    helper!.stdin!.write('q\n');
    return nextLine();
  };

  const cases = [
    { name: 'without the flush the client stays on the removed endpoint', flush: false, want: 'reply 10.251.0.2' },
    { name: 'with the flush the client reaches the new endpoint', flush: true, want: 'reply 10.251.0.3' },
  ];
  for (const c of cases) {
    const proxier = createIptablesProxier({ exec, nodeIP: '10.251.0.1', flushConntrack: c.flush, log: () => undefined });
    await proxier.sync([udp()]);
    await exec('conntrack', ['-D', '-p', 'udp']); // start each case from a clean table
    const first = await ask();
    assert.equal(first, 'reply 10.251.0.2', `${c.name}: before the change got ${first}`);
    await proxier.sync([udp({ clusterEndpoints: [ep('10.251.0.3')] })]);
    const got = await ask();
    await proxier.cleanup();
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});
