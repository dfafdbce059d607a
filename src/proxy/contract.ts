// The proxy contract: one suite, run against every mode (see proxy-contract.test.ts, which runs it inside a
// private network namespace). A real in-process API server; the test writes Services and EndpointSlices
// itself (no EndpointSlice controller runs) and serves HTTP backends from this process on 127.0.0.x.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createClient, Resources, type Client } from '../client';
import { startTestServer, type TestServer } from '../../test/support/server';
import { runProxy } from './run-proxy';
import { SERVICE_NAME_LABEL } from './service-map';
import type { EndpointSlice, Proxier, Service, ServicePortInfo } from './types';

export interface ContractOptions {
  mode: 'iptables' | 'userspace';
  /** Asserts that nothing of the proxy is left after shutdown. */
  assertCleanedUp(): Promise<void>;
  /**
   * A client in another network namespace, linked to this one by a veth pair (the way pods in their own
   * namespaces reach the node): its traffic enters through PREROUTING, not OUTPUT. `nodeAddress` is this
   * namespace's end of the pair.
   */
  remote?: RemoteClient;
}

export interface RemoteClient {
  nodeAddress: string;
  setup(): Promise<void>;
  /** One HTTP GET from the other namespace: the body, or `ERR …`. */
  get(host: string, port: number): Promise<string>;
  teardown(): Promise<void>;
}

const NODE = 'node-a';
const NODE_IP = '127.0.0.1';
const NS = 'default';

interface Backend {
  name: string;
  ip: string;
  port: number;
  server: http.Server;
}

async function startBackend(name: string, ip: string): Promise<Backend> {
  const server = http.createServer((req, res) => {
    res.setHeader('x-client', req.socket.remoteAddress ?? '');
    res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, ip, r));
  return { name, ip, port: (server.address() as AddressInfo).port, server };
}

/** One HTTP GET on a fresh connection (optionally from a given local address); the body, or `ERR <code>`. */
export function get(host: string, port: number, opts: { localAddress?: string; agent?: http.Agent } = {}): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/', agent: opts.agent ?? false, timeout: 2000, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
      res.on('error', (e) => resolve(`ERR ${e.message}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(`ERR ${e.code ?? e.message}`));
  });
}

async function eventually(what: string, check: () => Promise<boolean>, limitMs = 15_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check()) return;
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sample(host: string, port: number, n: number, localAddress?: string): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await get(host, port, localAddress ? { localAddress } : {}));
  return out;
}

type SliceEndpoint = { b: Backend; ready?: boolean; serving?: boolean; terminating?: boolean; node?: string };

function slice(svc: string, eps: SliceEndpoint[], portName = 'http'): EndpointSlice {
  const port = eps[0]?.b.port ?? 1;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-abc`, namespace: NS, labels: { [SERVICE_NAME_LABEL]: svc } },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({
      addresses: [e.b.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      nodeName: e.node ?? NODE,
    })),
    ports: [{ name: portName, protocol: 'TCP', port }],
  };
}

export function proxyContract(opts: ContractOptions): void {
  describe(`proxy contract: ${opts.mode} mode`, () => {
    let server: TestServer;
    let client: Client;
    const backends: Backend[] = [];
    const abort = new AbortController();
    let proxyDone: Promise<void>;
    let lastState: readonly ServicePortInfo[] = [];
    let proxier: Proxier | undefined;

    const svcApi = (): ReturnType<Client['resource']> => client.resource(Resources.services);
    const sliceApi = (): ReturnType<Client['resource']> => client.resource(Resources.endpointslices);

    async function createService(name: string, spec: Service['spec']): Promise<Service> {
      return (await svcApi().create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec } as Service)) as Service;
    }
    async function putSlice(s: EndpointSlice): Promise<void> {
      try {
        const cur = await sliceApi().get(NS, s.metadata!.name!);
        await sliceApi().update(NS, { ...s, metadata: { ...s.metadata, resourceVersion: cur.metadata!.resourceVersion! } } as EndpointSlice);
      } catch {
        await sliceApi().create(NS, s);
      }
    }
    const b = (i: number): Backend => backends[i]!;

    before(async () => {
      step('starting the API server');
      server = await startTestServer();
      step('API server up');
      client = createClient({ server: server.url, ca: Buffer.from(server.caPem), token: server.token });
      for (let i = 0; i < 3; i++) backends.push(await startBackend(`b${i}`, `127.0.0.${11 + i}`));
      // All backends listen on the same port number so one slice port fits all of them.
      const port = backends[0]!.port;
      for (let i = 1; i < 3; i++) {
        await new Promise<void>((r) => backends[i]!.server.close(() => r()));
        await new Promise<void>((r) => backends[i]!.server.listen(port, backends[i]!.ip, r));
        backends[i]!.port = port;
      }
      await opts.remote?.setup();
      proxyDone = runProxy({
        config: { server: server.url, ca: Buffer.from(server.caPem), token: server.token },
        nodeName: NODE,
        nodeIP: NODE_IP,
        mode: opts.mode,
        ...(opts.remote ? { nodePortAddresses: [NODE_IP, opts.remote.nodeAddress] } : {}),
        signal: abort.signal,
        onSynced: (s, p) => {
          lastState = s;
          proxier = p;
        },
        log: (level, msg) => level !== 'debug' && console.log(`[${level}] ${msg}`),
      });
    });

    // Each step is logged so that a hang (which the runner's timeout turns into a failure) names its step.
    const step = (what: string): void => console.log(`# ${opts.mode}: ${what}`);
    after(async () => {
      step('stopping the proxy');
      abort.abort();
      await proxyDone;
      step('proxy stopped; checking cleanup');
      await opts.assertCleanedUp();
      await opts.remote?.teardown();
      for (const be of backends) be.server.close();
      client.close();
      step('stopping the API server');
      await server.stop();
      step('done');
    });

    it('a ClusterIP Service with 3 ready endpoints sends requests to all three', async () => {
      const svc = await createService('web', { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
      const ip = svc.spec!.clusterIP!;
      assert.match(ip, /^10\.43\./, `clusterIP: got ${ip}, want one from 10.43.0.0/16`);
      await putSlice(slice('web', [{ b: b(0) }, { b: b(1) }, { b: b(2) }]));
      const seen = new Set<string>();
      await eventually('all three backends answer on the ClusterIP', async () => {
        for (const r of await sample(ip, 80, 10)) seen.add(r);
        return ['b0', 'b1', 'b2'].every((x) => seen.has(x));
      });
      assert.deepEqual([...seen].filter((x) => !x.startsWith('ERR')).sort(), ['b0', 'b1', 'b2'], `backends seen: got ${[...seen].join(',')}`);
    });

    it('scaling the slice to 1 and back to 3 keeps the Service answering', async () => {
      const ip = ((await svcApi().get(NS, 'web')) as Service).spec!.clusterIP!;
      await putSlice(slice('web', [{ b: b(1) }]));
      await eventually('only b1 answers', async () => (await sample(ip, 80, 12)).every((r) => r === 'b1'));
      await putSlice(slice('web', [{ b: b(0) }, { b: b(1) }, { b: b(2) }]));
      const seen = new Set<string>();
      await eventually('all three answer again', async () => {
        for (const r of await sample(ip, 80, 10)) seen.add(r);
        return seen.size >= 3;
      });
      assert.ok(![...seen].some((r) => r.startsWith('ERR')), `answers while scaling back: got ${[...seen].join(',')}, want no errors`);
    });

    it('a removed endpoint leaves the rotation; an open connection to it drains', async () => {
      const ip = ((await svcApi().get(NS, 'web')) as Service).spec!.clusterIP!;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      let again = '';
      try {
        let pinned = '';
        await eventually('a keep-alive connection lands on b2', async () => {
          pinned = await get(ip, 80, { agent });
          if (pinned !== 'b2') agent.destroy();
          return pinned === 'b2';
        });
        const removedAt = Date.now();
        await putSlice(slice('web', [{ b: b(0) }, { b: b(1) }]));
        await eventually('b2 out of rotation', async () => (await sample(ip, 80, 15)).every((r) => r === 'b0' || r === 'b1'));
        console.log(`# ${opts.mode}: endpoint removal visible to new connections after ${Date.now() - removedAt} ms`);
        again = await get(ip, 80, { agent });
      } finally {
        agent.destroy();
      }
      assert.equal(again, 'b2', `request on the connection opened before removal: got ${again}, want b2 (drained, not cut)`);
    });

    it('a NodePort Service answers on the node address', async () => {
      const svc = await createService('np', { type: 'NodePort', ports: [{ name: 'http', port: 81, protocol: 'TCP' }] });
      const nodePort = svc.spec!.ports![0]!.nodePort!;
      assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort: got ${nodePort}, want 30000-32767`);
      await putSlice(slice('np', [{ b: b(0) }]));
      await eventually('NodePort answers', async () => (await get(NODE_IP, nodePort)) === 'b0');
      // The NodePort rule can answer a moment before the ClusterIP is on berth0 (rules are written first).
      const ip = svc.spec!.clusterIP!;
      let onClusterIP = '';
      await eventually('the ClusterIP answers', async () => (onClusterIP = await get(ip, 81)) === 'b0', 5_000).catch(() => undefined);
      assert.equal(onClusterIP, 'b0', `the NodePort Service answers on its ClusterIP too: got ${onClusterIP}, want b0`);
    });

    it('sessionAffinity ClientIP keeps each client on one endpoint', async () => {
      const svc = await createService('sticky', {
        type: 'ClusterIP', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
        ports: [{ name: 'http', port: 82, protocol: 'TCP' }],
      });
      const ip = svc.spec!.clusterIP!;
      await putSlice(slice('sticky', [{ b: b(0) }, { b: b(1) }, { b: b(2) }]));
      await eventually('sticky service answers', async () => !(await get(ip, 82)).startsWith('ERR'));
      await eventually('rules for all three endpoints applied', async () =>
        lastState.some((s) => s.name === 'sticky' && s.clusterEndpoints.length === 3));
      const chosen = new Set<string>();
      for (const src of ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24', '127.0.0.25']) {
        const answers = new Set(await sample(ip, 82, 8, src));
        assert.equal(answers.size, 1, `client ${src}: got answers from ${[...answers].join(',')}, want exactly one backend`);
        chosen.add([...answers][0]!);
      }
      assert.ok(!chosen.has('') && ![...chosen].some((c) => c.startsWith('ERR')), `chosen: ${[...chosen].join(',')}`);
    });

    it('uses serving+terminating endpoints only while no ready endpoint exists', async () => {
      const svc = await createService('term', { type: 'ClusterIP', ports: [{ name: 'http', port: 83, protocol: 'TCP' }] });
      const ip = svc.spec!.clusterIP!;
      await putSlice(slice('term', [{ b: b(0), ready: false, serving: true, terminating: true }, { b: b(1) }]));
      await eventually('only the ready endpoint b1 answers', async () => (await sample(ip, 83, 10)).every((r) => r === 'b1'));
      await putSlice(slice('term', [{ b: b(0), ready: false, serving: true, terminating: true }, { b: b(1), ready: false, serving: false, terminating: true }]));
      await eventually('terminating-but-serving b0 takes over', async () => (await sample(ip, 83, 10)).every((r) => r === 'b0'));
    });

    it('a LoadBalancer Service gets the node address in its status and answers there', async () => {
      await createService('lb', { type: 'LoadBalancer', ports: [{ name: 'http', port: 18081, protocol: 'TCP' }] });
      await putSlice(slice('lb', [{ b: b(2) }]));
      await eventually('status.loadBalancer.ingress has the node IP', async () => {
        const s = (await svcApi().get(NS, 'lb')) as Service;
        return (s.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === NODE_IP);
      });
      await eventually('served on nodeIP:port', async () => (await get(NODE_IP, 18081)) === 'b2');
    });

    it('UDP: a ClusterIP Service forwards datagrams and replies', async () => {
      const echo = dgram.createSocket('udp4');
      echo.on('message', (m, r) => echo.send(Buffer.concat([Buffer.from('echo:'), m]), r.port, r.address));
      await new Promise<void>((r) => echo.bind(0, '127.0.0.14', r));
      const port = echo.address().port;
      // Closed in `finally`: a UDP socket left open keeps this process alive after a failure.
      const sock = dgram.createSocket('udp4');
      try {
        const svc = await createService('dns', { type: 'ClusterIP', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
        const ip = svc.spec!.clusterIP!;
        let reply = '';
        sock.on('message', (m) => (reply = m.toString()));
        sock.on('error', () => undefined);
        await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
        // Datagrams sent while the Service has no endpoints (but its ClusterIP is installed) must not pin this
        // client to "no NAT" (a stale conntrack entry in iptables mode) once endpoints appear.
        await eventually('the endpoint-less UDP service is synced', async () => lastState.some((x) => x.name === 'dns'));
        for (let i = 0; i < 3; i++) {
          sock.send('early', 53, ip);
          await new Promise((r) => setTimeout(r, 50));
        }
        const s: EndpointSlice = { ...slice('dns', [{ b: { ...b(0), ip: '127.0.0.14', port } }], 'dns'), ports: [{ name: 'dns', protocol: 'UDP', port }] };
        await putSlice(s);
        await eventually('UDP echo through the ClusterIP', async () => {
          sock.send('ping', 53, ip);
          await new Promise((r) => setTimeout(r, 100));
          return reply === 'echo:ping';
        });
      } finally {
        sock.close();
        echo.close();
      }
    });

    it('a headless Service gets no virtual IP', async () => {
      const svc = await createService('headless', { clusterIP: 'None', ports: [{ name: 'http', port: 84, protocol: 'TCP' }] });
      assert.equal(svc.spec!.clusterIP, 'None');
      await putSlice(slice('headless', [{ b: b(0) }]));
      // A later Service becoming reachable proves the headless one went through a sync.
      const marker = await createService('after-headless', { type: 'ClusterIP', ports: [{ name: 'http', port: 85, protocol: 'TCP' }] });
      await putSlice(slice('after-headless', [{ b: b(1) }]));
      await eventually('marker service answers', async () => (await get(marker.spec!.clusterIP!, 85)) === 'b1');
      assert.ok(!lastState.some((s) => s.name === 'headless'), 'headless service in proxy state: got present, want absent');
      const text = await proxier!.describe();
      assert.ok(text.includes('after-headless'), `installed state names after-headless: got\n${text}`);
      assert.ok(!text.includes('default/headless'), `installed state names the headless service: got\n${text}`);
    });

    it('traffic from another network namespace reaches ClusterIP, NodePort and externalIP', { skip: !opts.remote && 'no remote client' }, async () => {
      const remote = opts.remote!;
      const be = await startBackend('b-remote', remote.nodeAddress);
      try {
        const svc = await createService('remote', { type: 'NodePort', externalIPs: [remote.nodeAddress], ports: [{ name: 'http', port: 86, protocol: 'TCP' }] });
        const nodePort = svc.spec!.ports![0]!.nodePort!;
        await putSlice(slice('remote', [{ b: be }]));
        await eventually('local client reaches the service', async () => (await get(svc.spec!.clusterIP!, 86)) === 'b-remote');
        const got = {
          clusterIP: await remote.get(svc.spec!.clusterIP!, 86),
          nodePort: await remote.get(remote.nodeAddress, nodePort),
          externalIP: await remote.get(remote.nodeAddress, 86),
        };
        assert.deepEqual(got, { clusterIP: 'b-remote', nodePort: 'b-remote', externalIP: 'b-remote' }, `answers from the other namespace: got ${JSON.stringify(got)}`);
      } finally {
        be.server.close();
        await svcApi().delete(NS, 'remote').catch(() => undefined);
      }
    });

    it('a ClusterIP does not reach host listeners on ports that are not service ports', { skip: opts.mode === 'userspace' && 'userspace mode has no packet filter (see README)' }, async () => {
      const host = http.createServer((_req, res) => res.end('host-process'));
      await new Promise<void>((r) => host.listen(0, '0.0.0.0', r));
      try {
        const port = (host.address() as AddressInfo).port;
        const ip = ((await svcApi().get(NS, 'web')) as Service).spec!.clusterIP!;
        assert.equal(await get('127.0.0.1', port), 'host-process', 'the host listener answers on loopback');
        const got = await get(ip, port);
        assert.match(got, /^ERR /, `ClusterIP ${ip}:${port}: got ${got}, want a refused connection`);
      } finally {
        host.close();
      }
    });

    it('traffic policies Local use only this node\'s endpoints', { skip: !opts.remote && 'no remote client' }, async () => {
      const remote = opts.remote!;
      const local = await startBackend('on-this-node', remote.nodeAddress);
      const other = await startBackend('on-node-b', remote.nodeAddress);
      try {
        const svc = await createService('policy', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 87, protocol: 'TCP' }] });
        const ip = svc.spec!.clusterIP!;
        const nodePort = svc.spec!.ports![0]!.nodePort!;
        // Two slices: the same address, one port per "node".
        await putSlice(slice('policy', [{ b: local, node: NODE }]));
        await putSlice({ ...slice('policy', [{ b: other, node: 'node-b' }]), metadata: { name: 'policy-other', namespace: NS, labels: { [SERVICE_NAME_LABEL]: 'policy' } } });
        const both = new Set<string>();
        await eventually('ClusterIP (Cluster policy) reaches both nodes\' endpoints', async () => {
          for (const r of await sample(ip, 87, 8)) both.add(r);
          return both.has('on-this-node') && both.has('on-node-b');
        });
        const external = new Set<string>();
        for (let i = 0; i < 8; i++) external.add(await remote.get(remote.nodeAddress, nodePort));
        assert.deepEqual([...external], ['on-this-node'], `NodePort with externalTrafficPolicy Local from outside: got ${[...external]}`);
        const cur = (await svcApi().get(NS, 'policy')) as Service;
        await svcApi().update(NS, { ...cur, spec: { ...cur.spec, internalTrafficPolicy: 'Local' } } as Service);
        await eventually('ClusterIP with internalTrafficPolicy Local reaches only this node', async () => (await sample(ip, 87, 10)).every((r) => r === 'on-this-node'));
      } finally {
        local.server.close();
        other.server.close();
        await svcApi().delete(NS, 'policy').catch(() => undefined);
      }
    });

    it('deleting a Service stops serving it', async () => {
      const svc = (await svcApi().get(NS, 'np')) as Service;
      const nodePort = svc.spec!.ports![0]!.nodePort!;
      await svcApi().delete(NS, 'np');
      await eventually('NodePort stops answering', async () => (await get(NODE_IP, nodePort)).startsWith('ERR'));
      const text = await proxier!.describe();
      assert.ok(!text.includes('default/np:'), `installed state still names default/np: got\n${text}`);
    });
  });
}
