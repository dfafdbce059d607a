// Network benchmarks: HTTP keep-alive traffic through the service proxy, side by side with the same traffic
// sent straight to the backend, and how fast an EndpointSlice change reaches the data path.
//
//   net-bench path=<direct|iptables|userspace> rps=<x> p99_ms=<y> ratio=<path/direct>
//   net-bench endpoint_update_p99_ms=<x> mode=<m> updates=<n> spacing_ms=<s>
//
// Everything runs inside a network namespace this script creates (and deletes): a real in-process API server,
// the proxy (in this process), one backend (a separate Node process, 127.0.0.11) and the load generator
// (`wrk`, a separate process; a Node generator in a child process when wrk is missing). Needs root.
//
//   node --import tsx bench/network-bench.ts [--quick] [--only=direct,iptables,userspace,update,<extra>]
//
// Hook for more lines (cluster DNS, ingress …): drop a file `bench/network-bench-<name>.ts` whose default
// export is a NetBenchLine; it runs in the same namespace with the same API server and backend, and prints
// its own `net-bench …` lines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, Resources, type Client, type ClientConfig } from '../src/client/index';
import { runProxy, type ServicePortInfo } from '../src/proxy/index';
import { startTestServer } from '../test/support/server';

export interface NetBenchContext {
  config: ClientConfig;
  client: Client;
  /** The backend every line may use: a Node HTTP server answering a fixed 13-byte body. */
  backend: { ip: string; port: number };
  /** Runs the load generator against a URL: requests/s and p99 latency in ms. */
  load(url: string): Promise<{ rps: number; p99Ms: number }>;
  /** requests/s of the direct path, for ratios. */
  directRps: number;
  quick: boolean;
}

export interface NetBenchLine {
  name: string;
  run(ctx: NetBenchContext): Promise<void>;
}

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const want = (name: string): boolean => !only || only.includes(name);
const DURATION_S = quick ? 3 : 6;
const ROUNDS = quick ? 1 : 3;
const CONNECTIONS = 50;
const BACKEND_IP = '127.0.0.11';
const BACKEND_PORT = 8080;
const NODE_IP = '127.0.0.1';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

function parseWrkLatency(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exit ${code}: ${out}`))));
  });
}

const NODE_LOADGEN = `
const http = require('node:http');
const [url, conns, secs] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: +conns });
const lat = []; let n = 0; const end = Date.now() + secs * 1000;
function one() {
  if (Date.now() > end) return;
  const t = process.hrtime.bigint();
  http.get(url, { agent }, (res) => { res.resume(); res.on('end', () => { lat.push(Number(process.hrtime.bigint() - t) / 1e6); n++; one(); }); }).on('error', () => one());
}
for (let i = 0; i < +conns; i++) one();
setTimeout(() => { lat.sort((a, b) => a - b); console.log(JSON.stringify({ rps: n / secs, p99Ms: lat[Math.floor(lat.length * 0.99)] })); process.exit(0); }, secs * 1000 + 200);
`;

async function load(url: string): Promise<{ rps: number; p99Ms: number }> {
  if (spawnSync('wrk', ['--version']).error === undefined) {
    const out = await run('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, '--latency', url]);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const p99 = parseWrkLatency(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
    if (/Non-2xx|Socket errors/.test(out)) console.log(`# wrk reported errors for ${url}:\n${out}`);
    return { rps, p99Ms: p99 };
  }
  return JSON.parse(await run(process.execPath, ['-e', NODE_LOADGEN, url, String(CONNECTIONS), String(DURATION_S)])) as { rps: number; p99Ms: number };
}

function startBackend(): Promise<ChildProcess> {
  const src = `require('node:http').createServer((q, s) => s.end('hello, berth\\n')).listen(${BACKEND_PORT}, '${BACKEND_IP}', () => console.log('up'));`;
  const child = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (c) => reject(new Error(`backend exited ${c}`)));
  });
}

/** Runs the proxy in `mode` until the returned stop function is called; resolves once `ready(state)` holds. */
async function startProxy(config: ClientConfig, mode: 'iptables' | 'userspace', onSynced: (s: readonly ServicePortInfo[]) => void): Promise<() => Promise<void>> {
  const ac = new AbortController();
  const done = runProxy({ config, nodeName: 'bench-node', nodeIP: NODE_IP, mode, signal: ac.signal, onSynced, log: (l, m) => l !== 'debug' && l !== 'info' && console.log(`# ${l} ${m}`) });
  return async () => {
    ac.abort();
    await done;
  };
}

async function waitUntil(cond: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const slice = (ips: string[]): Record<string, unknown> => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name: 'bench-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'bench' } },
  addressType: 'IPv4',
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'bench-node' })),
  ports: [{ name: 'http', protocol: 'TCP', port: BACKEND_PORT }],
});

async function endpointUpdateBench(client: Client, config: ClientConfig, mode: 'iptables' | 'userspace', services: number): Promise<void> {
  const n = quick ? 8 : 25;
  // Spacing above the 1 s minSyncPeriod (iptables), so each figure is one change → applied, not a batch.
  const spacing = mode === 'iptables' ? 1100 : 250;
  let state: readonly ServicePortInfo[] = [];
  const stop = await startProxy(config, mode, (s) => (state = s));
  const slices = client.resource(Resources.endpointslices);
  const count = (): number => state.find((s) => s.name === 'bench')?.clusterEndpoints.length ?? -1;
  const lat: number[] = [];
  try {
    await waitUntil(() => count() === 1, 'initial sync');
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setTimeout(r, spacing));
      const cur = await slices.get('default', 'bench-1');
      const target = i % 2 === 0 ? 2 : 1;
      const ips = target === 2 ? [BACKEND_IP, '127.0.0.12'] : [BACKEND_IP];
      const t0 = performance.now();
      await slices.update('default', { ...slice(ips), metadata: { ...(slice(ips).metadata as object), resourceVersion: cur.metadata!.resourceVersion } } as never);
      await waitUntil(() => count() === target, `update ${i} applied`);
      lat.push(performance.now() - t0);
    }
  } finally {
    await slices.update('default', { ...slice([BACKEND_IP]), metadata: { ...(slice([BACKEND_IP]).metadata as object), resourceVersion: (await slices.get('default', 'bench-1')).metadata!.resourceVersion } } as never);
    await stop();
  }
  console.log(`net-bench endpoint_update_p99_ms=${pct(lat, 99).toFixed(0)} mode=${mode} p50_ms=${pct(lat, 50).toFixed(0)} updates=${n} spacing_ms=${spacing} services=${services}`);
}

async function inside(): Promise<void> {
  const server = await startTestServer();
  const config: ClientConfig = { server: server.url, ca: Buffer.from(server.caPem), token: server.token };
  const client = createClient(config);
  const backend = await startBackend();
  try {
    const svc = (await client.resource(Resources.services).create('default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'bench', namespace: 'default' },
      spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: BACKEND_PORT }] },
    } as never)) as { spec: { clusterIP: string } };
    await client.resource(Resources.endpointslices).create('default', slice([BACKEND_IP]) as never);
    const clusterURL = `http://${svc.spec.clusterIP}:80/`;
    const directURL = `http://${BACKEND_IP}:${BACKEND_PORT}/`;
    // Rounds interleave the paths so drift on a busy 2-core machine hits all of them alike; medians are reported.
    // Before the first nat rule exists in the namespace, netfilter's connection tracking is off; once the
    // iptables proxy has run, every packet (direct ones too) is tracked, as on any node running a proxy.
    const bare = await load(directURL);
    console.log(`net-bench path=direct-untracked rps=${bare.rps.toFixed(0)} p99_ms=${bare.p99Ms.toFixed(2)} (no netfilter conntrack yet)`);
    const results = new Map<string, Array<{ rps: number; p99Ms: number }>>();
    const record = (path: string, r: { rps: number; p99Ms: number }): void => void results.set(path, [...(results.get(path) ?? []), r]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['iptables', 'userspace'] as const) {
        if (!want(mode)) continue;
        let synced = false;
        const stop = await startProxy(config, mode, (s) => (synced ||= s.some((p) => p.name === 'bench' && p.clusterEndpoints.length === 1)));
        try {
          await waitUntil(() => synced, `${mode} proxy synced`);
          record(mode, await load(clusterURL));
        } finally {
          await stop();
        }
        record('direct', await load(directURL));
      }
    }
    const med = (path: string): { rps: number; p99Ms: number } => {
      const rs = results.get(path) ?? [];
      return { rps: pct(rs.map((r) => r.rps), 50), p99Ms: pct(rs.map((r) => r.p99Ms), 50) };
    };
    const direct = med('direct');
    for (const path of ['direct', 'iptables', 'userspace']) {
      if (!results.has(path)) continue;
      const r = med(path);
      console.log(`net-bench path=${path} rps=${r.rps.toFixed(0)} p99_ms=${r.p99Ms.toFixed(2)} ratio=${(r.rps / direct.rps).toFixed(2)} rounds=${results.get(path)!.length}`);
    }
    if (want('update')) {
      // Other Services around, so a sync has real work (rule generation, diff, one restore) to do.
      const extra = quick ? 20 : 200;
      await Promise.all(Array.from({ length: extra }, async (_, i) => {
        await client.resource(Resources.services).create('default', {
          apiVersion: 'v1', kind: 'Service', metadata: { name: `filler-${i}`, namespace: 'default' },
          spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
        } as never);
        await client.resource(Resources.endpointslices).create('default', {
          ...slice([BACKEND_IP, '127.0.0.12']),
          metadata: { name: `filler-${i}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': `filler-${i}` } },
        } as never);
      }));
      for (const mode of ['iptables', 'userspace'] as const) await endpointUpdateBench(client, config, mode, extra + 1);
    }
    const ctx: NetBenchContext = { config, client, backend: { ip: BACKEND_IP, port: BACKEND_PORT }, load, directRps: direct.rps, quick };
    for (const f of readdirSync(import.meta.dirname).filter((x) => /^network-bench-.+\.ts$/.test(x)).sort()) {
      const line = ((await import(pathToFileURL(join(import.meta.dirname, f)).href)) as { default: NetBenchLine }).default;
      if (want(line.name)) await line.run(ctx);
    }
  } finally {
    backend.kill();
    client.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  if (process.env.BERTH_NET_BENCH_NETNS) return inside();
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    console.log('net-bench skipped: needs root (it runs in a private network namespace with iptables rules)');
    return;
  }
  const ns = `berth-netbench-${process.pid}`;
  if (spawnSync('ip', ['netns', 'add', ns]).status !== 0) throw new Error(`ip netns add ${ns} failed`);
  try {
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', import.meta.filename, ...process.argv.slice(2)], {
      env: { ...process.env, BERTH_NET_BENCH_NETNS: ns }, stdio: 'inherit',
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    if (code !== 0) process.exitCode = 1;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

if (import.meta.filename === process.argv[1] || process.argv[1]?.endsWith('network-bench.ts')) await main();
