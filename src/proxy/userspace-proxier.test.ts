// The userspace proxier on its own, without root: service addresses in 127.0.0.0/8 (bindable by anyone on
// Linux), driven by sync() calls instead of the API.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { get } from './contract';
import type { Endpoint, ServicePortInfo } from './types';
import { createUserspaceProxier } from './userspace-proxier';

const servers: http.Server[] = [];
let port = 0;
const eps: Endpoint[] = [];
const ep = (ip: string, p = port): Endpoint => ({ ip, port: p, ready: true, serving: true, terminating: false });

before(async () => {
  for (let i = 0; i < 3; i++) {
    const ip = `127.0.0.${31 + i}`;
    const s = http.createServer((_q, r) => r.end(`b${i}`));
    await new Promise<void>((r) => s.listen(port, ip, r));
    port = (s.address() as AddressInfo).port;
    servers.push(s);
    eps.push(ep(ip));
  }
});
after(() => servers.forEach((s) => s.close()));

function sp(o: Partial<ServicePortInfo>): ServicePortInfo {
  return {
    key: 'ns/svc:http', namespace: 'ns', name: 'svc', portName: 'http', protocol: 'TCP', clusterIP: '127.0.0.40', port: 18080,
    externalIPs: [], loadBalancerIPs: [], externalPolicyLocal: false, internalPolicyLocal: false, clusterEndpoints: eps, localEndpoints: [], ...o,
  };
}

test('userspace proxier', async (t) => {
  const p = createUserspaceProxier({ nodeIP: '127.0.0.41', log: () => undefined });
  t.after(() => p.cleanup());
  const cases: Array<{ name: string; run: () => Promise<void> }> = [
    {
      name: 'round-robin over ready endpoints in order',
      run: async () => {
        await p.sync([sp({})]);
        const got = [];
        for (let i = 0; i < 6; i++) got.push(await get('127.0.0.40', 18080));
        assert.deepEqual(got, ['b0', 'b1', 'b2', 'b0', 'b1', 'b2'], `got ${got}`);
      },
    },
    {
      name: 'a refusing endpoint is skipped',
      run: async () => {
        await p.sync([sp({ clusterEndpoints: [ep('127.0.0.39', 1), ...eps.slice(0, 1)] })]);
        const got = new Set<string>();
        for (let i = 0; i < 4; i++) got.add(await get('127.0.0.40', 18080));
        assert.deepEqual([...got], ['b0'], `got ${[...got]}`);
      },
    },
    {
      name: 'NodePort on the node address; listeners follow the state',
      run: async () => {
        await p.sync([sp({ nodePort: 30555 })]);
        assert.deepEqual(p.listening(), ['TCP 127.0.0.40:18080', 'TCP 127.0.0.41:30555']);
        assert.match(await get('127.0.0.41', 30555), /^b\d$/);
        await p.sync([]);
        assert.deepEqual(p.listening(), []);
        assert.match(await get('127.0.0.41', 30555), /^ERR/, 'closed NodePort');
      },
    },
    {
      name: 'ClientIP affinity per client address',
      run: async () => {
        await p.sync([sp({ affinityTimeoutSeconds: 60 })]);
        for (const src of ['127.0.0.51', '127.0.0.52', '127.0.0.53']) {
          const got = new Set<string>();
          for (let i = 0; i < 5; i++) got.add(await get('127.0.0.40', 18080, { localAddress: src }));
          assert.equal(got.size, 1, `client ${src}: got ${[...got]}, want one backend`);
        }
      },
    },
    {
      name: 'draining: an open connection keeps its endpoint after removal, new ones go elsewhere',
      run: async () => {
        await p.sync([sp({ clusterEndpoints: [eps[2]!] })]);
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        assert.equal(await get('127.0.0.40', 18080, { agent }), 'b2');
        await p.sync([sp({ clusterEndpoints: [eps[0]!] })]);
        assert.equal(await get('127.0.0.40', 18080), 'b0', 'new connection');
        assert.equal(await get('127.0.0.40', 18080, { agent }), 'b2', 'existing connection');
        agent.destroy();
      },
    },
    {
      name: 'no endpoints: the connection is closed',
      run: async () => {
        await p.sync([sp({ clusterEndpoints: [] })]);
        assert.match(await get('127.0.0.40', 18080), /^ERR/);
      },
    },
  ];
  for (const c of cases) await t.test(c.name, c.run);
});
