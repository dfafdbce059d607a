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

test('userspace proxier, UDP: a client keeping its source port moves off a removed endpoint', async (t) => {
  const dgram = await import('node:dgram');
  const backends = await Promise.all(['127.0.0.31', '127.0.0.32'].map((ip, i) => new Promise<{ ip: string; port: number; close: () => void }>((resolve) => {
    const s = dgram.createSocket('udp4');
    s.on('message', (_m, r) => s.send(`u${i}`, r.port, r.address));
    s.bind(0, ip, () => resolve({ ip, port: s.address().port, close: () => s.close() }));
  })));
  const client = dgram.createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.55', r));
  const p = createUserspaceProxier({ nodeIP: '127.0.0.41', log: () => undefined });
  t.after(async () => { client.close(); backends.forEach((b) => b.close()); await p.cleanup(); });
  const ask = (): Promise<string> => new Promise((resolve) => {
    const timer = setTimeout(() => { client.off('message', on); resolve('timeout'); }, 2000);
    const on = (m: Buffer): void => { clearTimeout(timer); resolve(m.toString()); };
    client.once('message', on);
    client.send('q', 18053, '127.0.0.40');
  });
  const udp = (i: number): ServicePortInfo => sp({ key: 'ns/dns:dns', protocol: 'UDP', port: 18053, clusterEndpoints: [ep(backends[i]!.ip, backends[i]!.port)] });
  const cases = [
    { name: 'first endpoint', state: udp(0), want: 'u0' },
    { name: 'same endpoint again (session kept)', state: udp(0), want: 'u0' },
    { name: 'endpoint replaced: the same client source port reaches the new one', state: udp(1), want: 'u1' },
  ];
  for (const c of cases) {
    await p.sync([c.state]);
    const got = await ask();
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});
