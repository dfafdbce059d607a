import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { Exec } from './exec';
import { createIptablesProxier } from './iptables-proxier';
import { buildNatChains, chainHash, extChain, isProxyChain, restorePayload, sepChain, svcChain, svlChain } from './iptables-rules';
import type { Endpoint, ServicePortInfo } from './types';

const ep = (ip: string, node = 'n1'): Endpoint => ({ ip, port: 8080, ready: true, serving: true, terminating: false, nodeName: node });
function sp(name: string, o: Partial<ServicePortInfo> = {}): ServicePortInfo {
  return {
    key: `ns/${name}:http`, namespace: 'ns', name, portName: 'http', protocol: 'TCP', clusterIP: '10.43.0.10', port: 80,
    externalIPs: [], loadBalancerIPs: [], externalPolicyLocal: false, internalPolicyLocal: false,
    clusterEndpoints: [ep('10.0.0.1'), ep('10.0.0.2', 'n2'), ep('10.0.0.3', 'n2')], localEndpoints: [ep('10.0.0.1')], ...o,
  };
}
const opts = { nodePortAddresses: ['192.168.50.1'] };

test('chainHash is kube-proxy shaped: 16 base32 characters, stable', () => {
  const h = chainHash('ns/web:http/TCP');
  assert.match(h, /^[A-Z2-7]{16}$/, `got ${h}`);
  assert.equal(chainHash('ns/web:http/TCP'), h, 'same input, same hash');
  assert.notEqual(chainHash('ns/web:http/UDP'), h, 'protocol is part of the identity');
});

test('buildNatChains', () => {
  const cases: Array<{ name: string; state: ServicePortInfo[]; check: (c: Map<string, string[]>, s: ServicePortInfo) => void }> = [
    {
      name: 'random balancing: 1/3, 1/2, then unconditional',
      state: [sp('web')],
      check: (c, s) => {
        const rules = c.get(svcChain(s))!;
        assert.equal(rules.length, 3, `SVC rules: got ${rules.length}, want 3`);
        assert.match(rules[0]!, /--probability 0\.3333333333 -j BERTH-SEP-/);
        assert.match(rules[1]!, /--probability 0\.5000000000 -j BERTH-SEP-/);
        assert.doesNotMatch(rules[2]!, /statistic/);
        assert.match(c.get(sepChain(s, s.clusterEndpoints[0]!))!.at(-1)!, /-j DNAT --to-destination 10\.0\.0\.1:8080$/);
        assert.ok(c.get('BERTH-SERVICES')!.some((r) => r.includes(`-d 10.43.0.10/32 -p tcp -m tcp --dport 80 -j ${svcChain(s)}`)), 'ClusterIP jump');
      },
    },
    {
      name: 'ClientIP affinity: recent --rcheck per endpoint before balancing, --set in SEP',
      state: [sp('web', { affinityTimeoutSeconds: 600 })],
      check: (c, s) => {
        const rules = c.get(svcChain(s))!;
        assert.equal(rules.filter((r) => r.includes('--rcheck --seconds 600 --reap')).length, 3, `rcheck rules in\n${rules.join('\n')}`);
        assert.match(c.get(sepChain(s, s.clusterEndpoints[1]!))!.at(-1)!, /-m recent --name BERTH-SEP-\w+ --mask 255\.255\.255\.255 --rsource --set -j DNAT/);
      },
    },
    {
      name: 'no endpoints: no ClusterIP jump and no SVC chain',
      state: [sp('empty', { clusterEndpoints: [], localEndpoints: [], nodePort: 30001 })],
      check: (c, s) => {
        assert.equal(c.get(svcChain(s)), undefined, 'SVC chain');
        assert.ok(!c.get('BERTH-SERVICES')!.some((r) => r.includes('ns/empty')), 'ClusterIP rule');
        assert.deepEqual(c.get('BERTH-NODEPORTS'), [], 'NodePort rules');
      },
    },
    {
      name: 'NodePort and externalIP go through EXT (masquerade, then SVC); node ports only on the given addresses',
      state: [sp('np', { nodePort: 30080, externalIPs: ['192.168.60.5'] })],
      check: (c, s) => {
        assert.deepEqual(c.get(extChain(s))!.map((r) => r.replace(/.*-j /, '')), ['BERTH-MARK-MASQ', svcChain(s)]);
        assert.match(c.get('BERTH-NODEPORTS')![0]!, new RegExp(`--dport 30080 -j ${extChain(s)}$`));
        assert.ok(c.get('BERTH-SERVICES')!.some((r) => r.includes(`-d 192.168.60.5/32 -p tcp -m tcp --dport 80 -j ${extChain(s)}`)), 'externalIP rule');
        assert.match(c.get('BERTH-SERVICES')!.at(-1)!, /-d 192\.168\.50\.1\/32 -j BERTH-NODEPORTS$/, 'node ports jump is last');
      },
    },
    {
      name: 'externalTrafficPolicy Local: local-origin traffic may use any endpoint, the rest only local ones',
      state: [sp('loc', { nodePort: 30081, externalPolicyLocal: true })],
      check: (c, s) => {
        assert.deepEqual(c.get(extChain(s))!.map((r) => r.replace(/.*(--src-type LOCAL )?-j /, '')), [svcChain(s), svlChain(s)]);
        assert.match(c.get(extChain(s))![0]!, /--src-type LOCAL/);
        assert.equal(c.get(svlChain(s))!.length, 1, 'SVL has the one local endpoint');
      },
    },
    {
      name: 'internalTrafficPolicy Local: ClusterIP jumps to SVL',
      state: [sp('itp', { internalPolicyLocal: true })],
      check: (c, s) => assert.ok(c.get('BERTH-SERVICES')!.some((r) => r.includes(`-d 10.43.0.10/32`) && r.endsWith(`-j ${svlChain(s)}`)), 'ClusterIP → SVL'),
    },
    {
      name: 'hairpin masquerade only for non-loopback endpoints',
      state: [sp('lo', { clusterEndpoints: [ep('127.0.0.1'), ep('10.0.0.9')] })],
      check: (c, s) => {
        assert.equal(c.get(sepChain(s, s.clusterEndpoints[0]!))!.length, 1, 'loopback SEP: DNAT only');
        assert.match(c.get(sepChain(s, s.clusterEndpoints[1]!))![0]!, /-s 10\.0\.0\.9\/32 -j BERTH-MARK-MASQ/);
      },
    },
  ];
  for (const c of cases) {
    try {
      c.check(buildNatChains(c.state, opts), c.state[0]!);
    } catch (err) {
      (err as Error).message = `${c.name}: ${(err as Error).message}`;
      throw err;
    }
  }
});

test('restorePayload declares changed and removed chains, then deletes the removed ones', () => {
  const p = restorePayload(new Map([['BERTH-A', ['-j RETURN']]]), ['BERTH-A'], ['BERTH-OLD']);
  assert.equal(p, '*nat\n:BERTH-A - [0:0]\n:BERTH-OLD - [0:0]\n-A BERTH-A -j RETURN\n-X BERTH-OLD\nCOMMIT\n');
});

test('the iptables proxier rewrites only changed chains', async () => {
  const calls: Array<{ cmd: string; args: readonly string[]; input: string }> = [];
  const exec: Exec = async (cmd, args, input) => {
    calls.push({ cmd, args, input: input ?? '' });
    if (cmd === 'iptables-save') return { code: 0, stdout: '*nat\n:BERTH-SVC-STALEONE - [0:0]\nCOMMIT\n', stderr: '' };
    return { code: 0, stdout: '', stderr: '' };
  };
  const p = createIptablesProxier({ exec, nodeIP: '192.168.50.1', log: () => undefined });
  const web = sp('web');
  const api = sp('api', { clusterIP: '10.43.0.11' });
  await p.sync([api, web]);
  assert.ok(p.lastWrite.changed.length >= 10, `first sync writes everything: got ${p.lastWrite.changed.length} chains`);
  assert.deepEqual(p.lastWrite.removed, ['BERTH-SVC-STALEONE'], 'stale chains from an earlier run are removed');
  const restores = (): number => calls.filter((c) => c.cmd === 'iptables-restore').length;
  const before = restores();
  await p.sync([api, web]);
  assert.equal(restores(), before, `unchanged state: got ${restores() - before} restores, want 0`);

  const web2 = sp('web', { clusterEndpoints: [ep('10.0.0.1'), ep('10.0.0.2', 'n2')] });
  await p.sync([api, web2]);
  assert.deepEqual(p.lastWrite.changed, [svcChain(web2)], `changed chains: got ${p.lastWrite.changed}`);
  assert.deepEqual(p.lastWrite.removed, [sepChain(web, web.clusterEndpoints[2]!)], `removed chains: got ${p.lastWrite.removed}`);
  const last = calls.filter((c) => c.cmd === 'iptables-restore').at(-1)!;
  assert.deepEqual(last.args, ['-w', '5', '--noflush'], 'restore flags');
  assert.ok(!last.input.includes('ns/api'), `payload mentions the unchanged service:\n${last.input}`);
});

const root = typeof process.getuid === 'function' && process.getuid() === 0;
test('the kernel accepts the generated rules (iptables-restore in a private network namespace)', { skip: !root && 'needs root' }, () => {
  const ns = `berth-rules-${process.pid}`;
  assert.equal(spawnSync('ip', ['netns', 'add', ns]).status, 0, 'ip netns add');
  try {
    const state = [
      sp('web', { affinityTimeoutSeconds: 60, nodePort: 30080, externalIPs: ['192.168.60.5'], loadBalancerIPs: ['192.168.50.1'] }),
      sp('loc', { clusterIP: '10.43.0.12', nodePort: 30081, externalPolicyLocal: true, internalPolicyLocal: true }),
      sp('udp', { clusterIP: '10.43.0.13', protocol: 'UDP', port: 53 }),
    ];
    const chains = buildNatChains(state, opts);
    const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables-restore', '--noflush'], { input: restorePayload(chains, [...chains.keys()], []), encoding: 'utf8' });
    assert.equal(r.status, 0, `iptables-restore: ${r.stderr}`);
    const saved = spawnSync('ip', ['netns', 'exec', ns, 'iptables-save', '-t', 'nat'], { encoding: 'utf8' }).stdout;
    const count = saved.split('\n').filter((l) => l.startsWith('-A BERTH-')).length;
    const want = [...chains.values()].reduce((n, rules) => n + rules.length, 0);
    assert.equal(count, want, `rules in the kernel: got ${count}, want ${want}`);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
});

test('isProxyChain: the proxy owns its BERTH-* chains, never the pod network\'s', () => {
  const cases: Array<[string, boolean]> = [
    ['BERTH-SERVICES', true], ['BERTH-SVC-ABCDEF', true], ['BERTH-FIREWALL', true], ['BERTH-POSTROUTING', true],
    ['BERTH-PODNET', false], ['BERTH-PODNET-IN', false], ['BERTH-PODNET-NAT', false], ['BERTH-PN-berth-t1', false], ['BERTH-PN-berth-t1-NAT', false],
    ['KUBE-SERVICES', false], ['DOCKER', false],
  ];
  for (const [name, want] of cases) assert.equal(isProxyChain(name), want, `${name}: got ${!want}, want ${want}`);
});
