// API server benchmark: a real `berth server` (sqlite; API server and store only) measured from the outside, side by side
// with a bare Node.js HTTPS server answering the same requests (the ceiling on this machine) and with the
// raw store figures from `npm run bench:store`.
//
//   npm run bench:api [-- --quick]
//
// Prints `api-bench <metric>=<value>` lines. Load comes from wrk (closed loop, 50 keep-alive connections)
// and from a separate Node process (open loop at a fixed rate, watchers), never from the server's process.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startBerth, readKubeconfigToken, type BerthProcess } from '../test/support/server';

const quick = process.argv.includes('--quick');
const ROOT = join(import.meta.dirname, '..');

function print(metric: string, value: string | number): void {
  process.stdout.write(`api-bench ${metric}=${value}\n`);
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function caOf(b: BerthProcess): Buffer {
  return Buffer.from(/certificate-authority-data: (\S+)/.exec(readFileSync(b.kubeconfigPath, 'utf8'))![1]!, 'base64');
}

function call(b: BerthProcess, agent: Agent, method: string, path: string, body?: string): Promise<{ code: number; body: string }> {
  const token = readKubeconfigToken(b.kubeconfigPath);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, b.url), { method, agent, ca: caOf(b), headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const POD = (prefix: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: `${prefix}-`, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  });

/** Runs wrk against url with a POST body; returns requests/s and the status histogram from its Lua report. */
function wrk(url: string, token: string, body: string, seconds: number, connections = 50): { rps: number; non2xx: number } {
  const dir = mkdtempSync(join(tmpdir(), 'wrk-'));
  const script = join(dir, 'post.lua');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = [[${body}]]\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${token}"\n`);
  const out = execFileSync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '-s', script, url], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { rps, non2xx };
}

/** The ceiling: a bare HTTPS server in its own process that reads the body and answers 201 with it. */
async function echoCeiling(seconds: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'echo-'));
  const b = await startBerth({ args: ['--disable-agent'] });
  const tls = join(b.dir, 'data', 'tls');
  await b.stop();
  const src = join(dir, 'echo.mjs');
  writeFileSync(src, `import https from 'node:https'; import fs from 'node:fs';
const s = https.createServer({ key: fs.readFileSync('${tls}/serving.key'), cert: fs.readFileSync('${tls}/serving.crt'), keepAlive: true }, (req, res) => {
  const c = []; req.on('data', (d) => c.push(d)); req.on('end', () => { const body = Buffer.concat(c); res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': body.length }); res.end(body); });
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`);
  const p = spawn(process.execPath, [src], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => p.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const r = wrk(`https://127.0.0.1:${port}/api/v1/namespaces/bench/pods`, 'x', POD('echo'), seconds);
  p.kill();
  rmSync(dir, { recursive: true, force: true });
  rmSync(b.dir, { recursive: true, force: true });
  return r.rps;
}

/** Open-loop load at `rate`/s for `seconds` from a worker thread; latency measured from each request's scheduled time. */
function openLoop(b: BerthProcess, rate: number, seconds: number): Promise<number[]> {
  const code = `
const { parentPort, workerData } = require('node:worker_threads');
const https = require('node:https');
const { url, token, ca, rate, seconds, body } = workerData;
const agent = new https.Agent({ keepAlive: true, maxSockets: 200 });
const lat = []; let sent = 0; const total = rate * seconds; const start = performance.now(); let done = 0;
function one(at) {
  const req = https.request(url, { method: 'POST', agent, ca, headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' } }, (res) => {
    res.resume(); res.on('end', () => { lat.push(performance.now() - at); if (++done === total) parentPort.postMessage(lat); });
  });
  req.on('error', () => { lat.push(1e9); if (++done === total) parentPort.postMessage(lat); });
  req.end(body);
}
function tick() {
  const now = performance.now();
  while (sent < total && start + (sent * 1000) / rate <= now) { one(start + (sent * 1000) / rate); sent++; }
  if (sent < total) setTimeout(tick, 1);
}
tick();`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { url: new URL('/api/v1/namespaces/bench/pods', b.url).toString(), token: readKubeconfigToken(b.kubeconfigPath), ca: caOf(b), rate, seconds, body: POD('open') } });
    w.once('message', (l: number[]) => {
      void w.terminate();
      resolve(l);
    });
    w.once('error', reject);
  });
}

/** N watchers in a worker thread; resolves with the per-event delays (ms) once `expect` events reached each. */
function watchers(b: BerthProcess, n: number, rv: string, expect: number, ns = 'watch', resource = 'configmaps'): { ready: Promise<void>; done: Promise<{ delays: number[]; perWatcher: number[]; firstAt: number; lastAt: number }> } {
  const code = `
const { parentPort, workerData } = require('node:worker_threads');
const https = require('node:https');
const { url, token, ca, n, expect } = workerData;
const delays = []; const counts = new Array(n).fill(0); let finished = 0; let open = 0; let firstAt = 0; let lastAt = 0;
for (let i = 0; i < n; i++) {
  const req = https.request(url, { ca, agent: false, headers: { Authorization: 'Bearer ' + token } }, (res) => {
    if (++open === n) parentPort.postMessage({ ready: true });
    let buf = '';
    res.on('data', (d) => {
      buf += d; let j;
      while ((j = buf.indexOf('\\n')) >= 0) {
        const line = buf.slice(0, j); buf = buf.slice(j + 1);
        const now = Date.now();
        const m = /"sentAt":"(\\d+)"/.exec(line);
        if (m) delays.push(now - Number(m[1]));
        if (!firstAt) firstAt = now;
        lastAt = now;
        if (++counts[i] === expect) { if (++finished === n) parentPort.postMessage({ delays, perWatcher: counts, firstAt, lastAt }); req.destroy(); }
      }
    });
  });
  req.end();
}`;
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const done = new Promise<{ delays: number[]; perWatcher: number[]; firstAt: number; lastAt: number }>((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { url: new URL(`/api/v1/namespaces/${ns}/${resource}?watch=true&resourceVersion=${rv}`, b.url).toString(), token: readKubeconfigToken(b.kubeconfigPath), ca: caOf(b), n, expect } });
    w.on('message', (m: { ready?: boolean; delays?: number[]; perWatcher?: number[]; firstAt?: number; lastAt?: number }) => {
      if (m.ready) readyResolve();
      else {
        void w.terminate();
        resolve(m as { delays: number[]; perWatcher: number[]; firstAt: number; lastAt: number });
      }
    });
    w.once('error', reject);
  });
  return { ready, done };
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const seconds = quick ? 3 : 10;

  // cold start and idle memory
  const t0 = Date.now();
  // The API server and its store alone: no scheduler, controllers or kubelet reacting to the benchmark's
  // pods (they would add their own writes, e.g. a FailedScheduling event per pod, to what is measured).
  const b = await startBerth({ args: ['--disable-agent', '--disable-scheduler', '--disable-controllers'] });
  const cold = Date.now() - t0;
  await new Promise((r) => setTimeout(r, 2000));
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${b.proc.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  print('cold_start_ms', cold);
  print('idle_rss_mb', rss.toFixed(1));
  print('idle_rss_target_mb', 120);
  {
    // the whole default server: scheduler, controllers and this machine's kubelet too (host networking off)
    const full = await startBerth({});
    await new Promise((r) => setTimeout(r, 3000));
    const rssFull = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${full.proc.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
    print('idle_rss_full_server_mb', rssFull.toFixed(1));
    await full.stop();
    rmSync(full.dir, { recursive: true, force: true });
  }

  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const token = readKubeconfigToken(b.kubeconfigPath);
  for (const ns of ['bench', 'watch', 'list']) await call(b, agent, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));

  // throughput, closed loop: wrk with 50 keep-alive connections
  const thr = wrk(new URL('/api/v1/namespaces/bench/pods', b.url).toString(), token, POD('wrk'), seconds);
  print('create_pods_per_s_50_clients', thr.rps.toFixed(0));
  if (thr.non2xx) print('create_non_2xx', thr.non2xx);

  // latency, open loop at 200 creates/s
  const lat = (await openLoop(b, 200, seconds)).sort((a, z) => a - z);
  print('create_latency_200rps_p50_ms', pct(lat, 50).toFixed(1));
  print('create_latency_200rps_p99_ms', pct(lat, 99).toFixed(1));

  // LIST of 10,000 pods
  const want = quick ? 2000 : 10_000;
  const listBody = (i: number) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, labels: { app: 'list' } }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1'] }] } });
  const rvBefore = (JSON.parse((await call(b, agent, 'GET', '/api/v1/namespaces/list/pods')).body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  for (let i = 0; i < want; i += 100) await Promise.all(Array.from({ length: Math.min(100, want - i) }, (_, j) => call(b, agent, 'POST', '/api/v1/namespaces/list/pods', listBody(i + j))));
  // One watcher's delivery rate, independent of how fast writes come: replay those events from the cache.
  {
    const w = watchers(b, 1, rvBefore, want, 'list', 'pods');
    const s0 = Date.now();
    const r = await w.done;
    print('watch_1_replay_events_per_s', ((want * 1000) / Math.max(1, r.lastAt - s0)).toFixed(0));
  }
  const listTimes: number[] = [];
  let items = 0;
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    const r = await call(b, agent, 'GET', '/api/v1/namespaces/list/pods');
    listTimes.push(performance.now() - s);
    items = (JSON.parse(r.body) as { items: unknown[] }).items.length;
  }
  listTimes.sort((a, z) => a - z);
  print(`list_${items}_pods_ms`, pct(listTimes, 50).toFixed(1));

  // watch fan-out: one watcher's event rate, then 100 watchers' delays
  for (const n of [1, 100]) {
    const events = quick ? 1000 : n === 1 ? 10_000 : 2000;
    const rv = (JSON.parse((await call(b, agent, 'GET', '/api/v1/namespaces/watch/configmaps')).body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const w = watchers(b, n, rv, events);
    await w.ready;
    let next = 0;
    const writer = async () => {
      while (next < events) {
        const i = next++;
        await call(b, agent, 'POST', '/api/v1/namespaces/watch/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w${n}-${i}`, annotations: { sentAt: String(Date.now()) } } }));
      }
    };
    const s = Date.now();
    await Promise.all(Array.from({ length: 50 }, writer));
    const r = await w.done;
    const delays = r.delays.sort((a, z) => a - z);
    if (n === 1) print('watch_1_events_per_s', ((events * 1000) / Math.max(1, r.lastAt - s)).toFixed(0));
    else {
      print('watch_100_all_events_delivered', r.perWatcher.every((c) => c >= events) ? 'true' : 'false');
      print('watch_100_delay_p50_ms', pct(delays, 50).toFixed(1));
      print('watch_100_delay_p99_ms', pct(delays, 99).toFixed(1));
    }
  }
  await b.stop();
  rmSync(b.dir, { recursive: true, force: true });

  const ceiling = await echoCeiling(seconds);
  print('echo_https_ceiling_per_s', ceiling.toFixed(0));
  print('create_vs_ceiling_ratio', (thr.rps / ceiling).toFixed(2));
  print('targets', 'creates>=2000/s p99<=25ms list10k<=150ms watch1>=5000/s watch100_p99<=100ms cold<=1000ms rss<=120MB');
}

await main();
