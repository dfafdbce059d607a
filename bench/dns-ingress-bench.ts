// Data-path benchmarks of the ingress controller and cluster DNS, through a real in-process API server.
//  1. Ingress: wrk (keep-alive) against a plain Node HTTP backend directly, then through the ingress
//     (Host-routed to a Service whose EndpointSlice points at the backend), alternated 3 times (medians). Prints
//       net-bench path=direct rps=<x> p99_ms=<y>
//       net-bench path=ingress rps=<x> p99_ms=<y> ratio=<ingress/direct>      (target ratio ≥ 0.5)
//  2. DNS: a load generator in a child process keeps 32 (then 4) UDP queries in flight (A of a ClusterIP
//     service) for a few seconds. Prints
//       net-bench dns_qps=<x> dns_p99_ms=<y> inflight=<n> dns_cpu_us_per_query=<z>   (target p99 ≤ 5 ms)
// CPU per request/query is printed beside the rates because, unlike them, other load on the machine
// cannot distort it.
// The backend and the DNS load generator run in child processes so they do not share the event loop
// of the component measured.
//
//   node --import tsx bench/dns-ingress-bench.ts [--quick] [--only=ingress|dns]
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { get } from 'node:http';
import { promisify } from 'node:util';
import { createClient, Resources, type ClientConfig } from '../src/client/index';
import { runDns } from '../src/dns/index';
import { buildQuery, decodeMessage, encodeMessage, RRType } from '../src/dns/wire';
import { runIngress } from '../src/ingress/index';
import { startTestServer } from '../test/support/server';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const seconds = quick ? 3 : 6;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** Child mode: a plain HTTP backend printing its port. */
const BACKEND = `
const http = require('node:http');
const body = Buffer.from(JSON.stringify({ ok: true, who: 'backend' }));
const s = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.2', () => console.log('PORT ' + s.address().port));
`;

async function wrk(url: string, host?: string): Promise<{ rps: number; p99: number }> {
  const args = ['-t1', '-c32', `-d${seconds}s`, '--latency', ...(host ? ['-H', `Host: ${host}`] : []), url];
  const { stdout } = await promisify(execFile)('wrk', args);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
  const m = /\s99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const p99 = m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  return { rps, p99 };
}

async function ingressBench(config: ClientConfig): Promise<void> {
  const child = spawn(process.execPath, ['-e', BACKEND], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout.on('data', (d: Buffer) => {
    const m = /PORT (\d+)/.exec(d.toString());
    if (m) resolve(Number(m[1]));
  }));
  const client = createClient(config);
  await client.resource(Resources.services).create('default', { metadata: { name: 'bench' }, spec: { ports: [{ name: 'http', port: 80, targetPort: port }] } } as never);
  await client.resource(Resources.endpointslices).create('default', {
    metadata: { name: 'bench-1', labels: { 'kubernetes.io/service-name': 'bench' } }, addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.2'], conditions: { ready: true } }], ports: [{ name: 'http', port, protocol: 'TCP' }],
  } as never);
  await client.resource(Resources.ingresses).create('default', {
    metadata: { name: 'bench' },
    spec: { ingressClassName: 'berth', rules: [{ host: 'bench.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'bench', port: { number: 80 } } } }] } }] },
  } as never);
  const ac = new AbortController();
  let ports = { http: 0, https: 0 };
  const done = runIngress({ config, nodeIP: '127.0.0.1', httpPort: 0, httpsPort: 0, bindAddress: '127.0.0.1', signal: ac.signal, onListening: (p) => (ports = p) });
  while (!ports.http) await new Promise((r) => setTimeout(r, 20));
  // Wait until the route is live.
  for (;;) {
    const status = await new Promise<number>((resolve) => {
      get({ host: '127.0.0.1', port: ports.http, path: '/', headers: { host: 'bench.example' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', () => resolve(0));
    });
    if (status === 200) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  // CPU per request (µs) is printed too: it is what the machine's other load cannot distort.
  const cpuChild = (): number => {
    try {
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) * 10_000; // clock ticks (100 Hz) → µs
    } catch {
      return NaN;
    }
  };
  const cpuSelf = (): number => { const u = process.cpuUsage(); return u.user + u.system; };
  // Direct and ingress alternate, `rounds` times; medians are printed, so a change in the machine's other load
  // during the run skews both sides alike instead of one.
  const rounds = quick ? 1 : 3;
  const directRuns: Array<{ rps: number; p99: number; backendUs: number }> = [];
  const ingressRuns: Array<{ rps: number; p99: number; ingressUs: number; backendUs: number }> = [];
  for (let i = 0; i < rounds; i++) {
    let b0 = cpuChild();
    const direct = await wrk(`http://127.0.0.2:${port}/`);
    directRuns.push({ ...direct, backendUs: (cpuChild() - b0) / (direct.rps * seconds) });
    b0 = cpuChild();
    const s0 = cpuSelf();
    const ing = await wrk(`http://127.0.0.1:${ports.http}/`, 'bench.example');
    ingressRuns.push({ ...ing, ingressUs: (cpuSelf() - s0) / (ing.rps * seconds), backendUs: (cpuChild() - b0) / (ing.rps * seconds) });
  }
  const med = <T,>(xs: T[], f: (x: T) => number): number => pct(xs.map(f), 50);
  const dRps = med(directRuns, (r) => r.rps), iRps = med(ingressRuns, (r) => r.rps);
  console.log(`net-bench path=direct rps=${dRps.toFixed(0)} p99_ms=${med(directRuns, (r) => r.p99).toFixed(2)} backend_cpu_us_per_req=${med(directRuns, (r) => r.backendUs).toFixed(1)} rounds=${rounds}`);
  console.log(`net-bench path=ingress rps=${iRps.toFixed(0)} p99_ms=${med(ingressRuns, (r) => r.p99).toFixed(2)} ratio=${(iRps / dRps).toFixed(2)} ingress_cpu_us_per_req=${med(ingressRuns, (r) => r.ingressUs).toFixed(1)} backend_cpu_us_per_req=${med(ingressRuns, (r) => r.backendUs).toFixed(1)} rounds=${rounds}`);
  console.log(`net-bench ingress_ratio_per_round=${directRuns.map((d, i) => (ingressRuns[i]!.rps / d.rps).toFixed(2)).join(',')}`);
  ac.abort();
  await done;
  child.kill();
  client.close();
}

/** Child mode: keep `inflight` queries outstanding for `ms`, print qps and p99. */
async function dnsLoad(port: number, name: string, ms: number, inflight: number): Promise<void> {
  const s = createSocket('udp4');
  const sent = new Map<number, bigint>();
  const lat: number[] = [];
  let next = 0;
  const end = Date.now() + ms;
  const send = (): void => {
    const id = next++ & 0xffff;
    sent.set(id, process.hrtime.bigint());
    s.send(encodeMessage(buildQuery(id, name, RRType.A)), port, '127.0.0.1');
  };
  await new Promise<void>((resolve) => {
    s.on('message', (buf) => {
      const id = decodeMessage(buf).id;
      const t0 = sent.get(id);
      if (t0 === undefined) return;
      sent.delete(id);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (Date.now() < end) send();
      else if (sent.size === 0) resolve();
    });
    s.bind(0, '127.0.0.1', () => { for (let i = 0; i < inflight; i++) send(); });
    setTimeout(resolve, ms + 2000).unref();
  });
  s.close();
  console.log(`RESULT ${(lat.length / (ms / 1000)).toFixed(0)} ${pct(lat, 99).toFixed(2)}`);
}

async function dnsBench(config: ClientConfig): Promise<void> {
  const client = createClient(config);
  await client.resource(Resources.services).create('default', { metadata: { name: 'dns-bench' }, spec: { ports: [{ name: 'http', port: 80 }] } } as never);
  const ac = new AbortController();
  let port = 0;
  const done = runDns({ config, listen: [{ host: '127.0.0.1', port: 0 }], upstreams: [], ensureService: false, signal: ac.signal, onListening: (a) => (port = a[0]!.port) });
  while (!port) await new Promise((r) => setTimeout(r, 20));
  const load = async (inflight: number): Promise<{ qps: string; p99: string; cpuUs: string }> => {
    const c0 = process.cpuUsage();
    const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--dns-client', String(port), 'dns-bench.default.svc.cluster.local', String(seconds * 1000), String(inflight)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => child.on('exit', r));
    const c = process.cpuUsage(c0);
    const m = /RESULT (\d+) ([\d.]+)/.exec(out);
    const qps = Number(m?.[1] ?? NaN);
    return { qps: m?.[1] ?? 'NaN', p99: m?.[2] ?? 'NaN', cpuUs: ((c.user + c.system) / (qps * seconds)).toFixed(1) };
  };
  const heavy = await load(32);
  console.log(`net-bench dns_qps=${heavy.qps} dns_p99_ms=${heavy.p99} inflight=32 dns_cpu_us_per_query=${heavy.cpuUs}`);
  const light = await load(4);
  console.log(`net-bench dns_qps=${light.qps} dns_p99_ms=${light.p99} inflight=4 dns_cpu_us_per_query=${light.cpuUs}`);
  ac.abort();
  await done;
  client.close();
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--dns-client');
  if (i >= 0) {
    await dnsLoad(Number(process.argv[i + 1]), process.argv[i + 2]!, Number(process.argv[i + 3]), Number(process.argv[i + 4] ?? 32));
    return;
  }
  // The machine's load beside the figures: rates and p99 on two shared cores mean little without it.
  const load = (): string => `load_avg_1m=${loadavg()[0]!.toFixed(2)} cpus=${cpus().length}`;
  console.log(`net-bench start ${load()}`);
  const server = await startTestServer();
  const config: ClientConfig = { server: server.url, ca: Buffer.from(server.caPem), token: server.token };
  try {
    if (!only || only === 'ingress') await ingressBench(config);
    if (!only || only === 'dns') await dnsBench(config);
  } finally {
    await server.stop();
  }
  console.log(`net-bench end ${load()}`);
}

await main();
