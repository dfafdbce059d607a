import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addNetworkList, CniError, delNetworkList, pluginConfig, resultIPv4, type NetConfList, type PluginExec } from './invoke';
import { firstHost } from './network';

const list: NetConfList = {
  cniVersion: '1.0.0', name: 'berth',
  plugins: [{ type: 'bridge', bridge: 'b0' }, { type: 'portmap', capabilities: { portMappings: true } }],
};
const rt = { containerId: 'c1', netns: '/run/netns/x', ifName: 'eth0', args: [['K8S_POD_NAME', 'p'] as [string, string]], capabilityArgs: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }] } };
const binDirs = ['/usr/lib/cni'];

function recorder(results: Record<string, { code: number; stdout: string }>): { exec: PluginExec; calls: Array<{ path: string; env: Record<string, string>; conf: Record<string, unknown> }> } {
  const calls: Array<{ path: string; env: Record<string, string>; conf: Record<string, unknown> }> = [];
  const exec: PluginExec = (path, env, stdin) => {
    calls.push({ path, env, conf: JSON.parse(stdin) as Record<string, unknown> });
    const type = path.split('/').pop()!;
    return Promise.resolve({ ...(results[`${env.CNI_COMMAND}:${type}`] ?? { code: 0, stdout: '' }), stderr: '' });
  };
  return { exec, calls };
}

test('ADD chains the plugins in order, passing prevResult and only declared capabilities', async () => {
  const bridgeResult = { cniVersion: '1.0.0', ips: [{ address: '10.42.0.5/24', gateway: '10.42.0.1' }] };
  const { exec, calls } = recorder({ 'ADD:bridge': { code: 0, stdout: JSON.stringify(bridgeResult) }, 'ADD:portmap': { code: 0, stdout: JSON.stringify(bridgeResult) } });
  const r = await addNetworkList({ binDirs, exec }, list, rt);
  assert.equal(resultIPv4(r), '10.42.0.5');
  assert.deepEqual(calls.map((c) => c.path), ['/usr/lib/cni/bridge', '/usr/lib/cni/portmap']);
  const [b, p] = calls;
  assert.equal(b!.env.CNI_COMMAND, 'ADD');
  assert.equal(b!.env.CNI_NETNS, '/run/netns/x');
  assert.equal(b!.env.CNI_IFNAME, 'eth0');
  assert.equal(b!.env.CNI_ARGS, 'K8S_POD_NAME=p');
  assert.equal(b!.conf.name, 'berth');
  assert.equal(b!.conf.prevResult, undefined, 'the first plugin gets no prevResult');
  assert.equal(b!.conf.runtimeConfig, undefined, 'bridge declares no capability, so it gets no runtimeConfig');
  assert.deepEqual(p!.conf.prevResult, bridgeResult, 'portmap gets the bridge result');
  assert.deepEqual(p!.conf.runtimeConfig, { portMappings: rt.capabilityArgs.portMappings });
});

test('DEL runs the plugins in reverse with the cached result', async () => {
  const { exec, calls } = recorder({});
  const cached = { cniVersion: '1.0.0', ips: [{ address: '10.42.0.5/24' }] };
  await delNetworkList({ binDirs, exec }, list, rt, cached);
  assert.deepEqual(calls.map((c) => `${c.env.CNI_COMMAND}:${c.path.split('/').pop()}`), ['DEL:portmap', 'DEL:bridge']);
  assert.deepEqual(calls[1]!.conf.prevResult, cached);
});

test('a failing plugin surfaces its CNI error code and message', async () => {
  const { exec } = recorder({ 'ADD:bridge': { code: 1, stdout: JSON.stringify({ cniVersion: '1.0.0', code: 11, msg: 'failed to allocate for range 0', details: 'no IP addresses available' }) } });
  await assert.rejects(addNetworkList({ binDirs, exec }, list, rt), (e: unknown) => {
    assert.ok(e instanceof CniError, `got ${String(e)}`);
    assert.equal(e.code, 11);
    assert.match(e.message, /plugin type="bridge" failed \(11\): failed to allocate for range 0: no IP addresses available/);
    return true;
  });
});

test('a plugin that is not installed is named in the error', async () => {
  await assert.rejects(addNetworkList({ binDirs: ['/nonexistent'] }, list, rt), /failed to find plugin "bridge" in path \[\/nonexistent\]/);
});

test('pluginConfig never lets a plugin type escape the plugin directory', async () => {
  const bad: NetConfList = { cniVersion: '1.0.0', name: 'x', plugins: [{ type: '../../bin/sh' }] };
  await assert.rejects(addNetworkList({ binDirs }, bad, rt), /failed to find plugin/);
  assert.equal(pluginConfig(bad, bad.plugins[0]!, rt, undefined).type, '../../bin/sh');
});

test('firstHost gives the gateway of a pod CIDR', () => {
  const cases: Array<[string, string]> = [['10.42.0.0/24', '10.42.0.1'], ['10.42.255.0/24', '10.42.255.1'], ['192.168.0.0/16', '192.168.0.1']];
  for (const [cidr, want] of cases) assert.equal(firstHost(cidr), want, `${cidr}: got ${firstHost(cidr)}, want ${want}`);
});
