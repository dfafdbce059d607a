// Kubelet benchmarks through a real in-process API server.
//  1. Pod startup latency: 100 pods on one node with the `process` runtime, creation → Running as seen
//     through a watch (pods are created with spec.nodeName, so no scheduler is involved).
//  2. Idle RSS of a real `berth agent` (built bin/berth.js: run `npm run build` first) joined to an
//     in-process API server, read from /proc/<pid>/status once its node is Ready and it idled a few
//     seconds (target 60 MB). Flags: --runtime process --proxy-mode none --pod-network host (no host-wide
//     iptables chains or bridges: other tests may run on the machine).
//  3. Hollow nodes: RSS and CPU of 1,000 and 5,000 hollow kubelets in one child process (registration,
//     leases every 10 s, pods Running at once), measured in steady state.
//
//   node --import tsx bench/kubelet-bench.ts [--quick] [--only=startup|rss|hollow] [--stages] [--profile=FILE] [--sa]
//   (rss: AGENT_IDLE_MS=<ms> idles longer; AGENT_NODE_ARGS='<node flags>' are passed to the agent's node)
//   --stages: per-stage latencies (creation → informer → worker sync → sandbox → volumes → created → started →
//   status computed → Running seen by the watch), p50/p99 of each stage's time since creation.
//   --profile=FILE: a CPU profile (.cpuprofile) of the startup window only (creation → all Running).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { createClient, Resources, type ClientConfig } from '../src/client/index';
import { ensurePki } from '../src/apiserver/auth/pki';
import { runHollowNodes, runKubelet } from '../src/kubelet/index';
import { startTestServer } from '../test/support/server';

interface PodLite {
  metadata: { name: string; namespace: string; uid?: string };
  spec?: unknown;
  status?: { phase?: string };
}

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const showStages = process.argv.includes('--stages');
// --sa: the namespace has its default ServiceAccount and kube-root-ca.crt, as on a real `berth server`, so
// admission gives every pod the kube-api-access projected volume (a TokenRequest and a ConfigMap per pod).
const withSA = process.argv.includes('--sa');
const profileFile = process.argv.find((a) => a.startsWith('--profile='))?.slice(10);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function startupBench(): Promise<void> {
  const n = quick ? 20 : 100;
  const server = await startTestServer();
  const config: ClientConfig = { server: server.url, ca: Buffer.from(server.caPem), token: server.token };
  const client = createClient(config);
  const dataDir = mkdtempSync(join(tmpdir(), 'kubelet-bench-'));
  const ac = new AbortController();
  let ready!: () => void;
  const up = new Promise<void>((r) => (ready = r));
  const stages = new Map<string, Map<string, number>>(); // uid → stage → first time
  const trace = (uid: string, stage: string): void => {
    let m = stages.get(uid);
    if (!m) stages.set(uid, (m = new Map()));
    if (!m.has(stage)) m.set(stage, performance.now());
  };
  const kubelet = runKubelet({
    config, nodeName: 'bench-node', nodeIP: '127.0.0.1', runtime: 'process', dataDir, clusterCaPem: server.caPem, kubeletPort: 0,
    signal: ac.signal, log: () => undefined, onReady: () => ready(), ...(showStages ? { trace } : {}),
  });
  await up;
  const pods = client.resource<PodLite>(Resources.pods);
  if (withSA) {
    await client.resource<PodLite>(Resources.serviceaccounts).create('default', { metadata: { name: 'default', namespace: 'default' } });
    await client.resource<PodLite & { data: Record<string, string> }>(Resources.configmaps).create('default', { metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': server.caPem } });
  }
  const created = new Map<string, number>();
  const running = new Map<string, number>();
  const watchAc = new AbortController();
  const list = await pods.list('default');
  const watching = (async () => {
    for await (const ev of pods.watch('default', { resourceVersion: list.metadata.resourceVersion }, watchAc.signal)) {
      if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') continue;
      const p = ev.object as PodLite;
      if (p.status?.phase === 'Running' && !running.has(p.metadata.name)) running.set(p.metadata.name, performance.now());
      if (running.size >= n) break;
    }
  })();
  const session = profileFile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const uids = new Map<string, string>(); // name → uid
  const acked = new Map<string, number>();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const name = `bench-${i}`;
    created.set(name, performance.now());
    const p = await pods.create('default', {
      metadata: { name, namespace: 'default' },
      spec: { nodeName: 'bench-node', terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['/bin/sleep', '3600'] }] },
    });
    acked.set(name, performance.now());
    if (p.metadata.uid) uids.set(name, p.metadata.uid);
  }));
  await watching;
  const wall = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage(cpu0);
  if (session && profileFile) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
    session.disconnect();
  }
  const lat = [...created].map(([name, t]) => (running.get(name) ?? NaN) - t);
  console.log(`kubelet-bench runtime=process pods=${n}${withSA ? ' kube-api-access=yes' : ''} p50_ms=${pct(lat, 50).toFixed(0)} p99_ms=${pct(lat, 99).toFixed(0)} all_running_ms=${wall.toFixed(0)}` +
    ` main_loop_busy_ms=${elu.active.toFixed(0)} process_cpu_ms=${((cpu.user + cpu.system) / 1000).toFixed(0)} load1=${loadavg()[0]?.toFixed(2)}`);
  if (showStages) {
    const order = ['created(api)', 'informer', 'sync', 'sandbox', 'volumes', 'created', 'started', 'status:Running', 'patch:Running', 'patched:Running', 'running(watch)'];
    const rows = order.map((stage) => {
      const xs = [...created].map(([name, t]) => {
        const at = stage === 'created(api)' ? acked.get(name) : stage === 'running(watch)' ? running.get(name) : stages.get(uids.get(name) ?? '')?.get(stage);
        return (at ?? NaN) - t;
      }).filter((x) => Number.isFinite(x));
      return `${stage}=${pct(xs, 50).toFixed(0)}/${pct(xs, 99).toFixed(0)}`;
    });
    console.log(`kubelet-bench stages ms since creation p50/p99: ${rows.join(' ')}`);
  }
  // clean up: delete the pods and wait for the kubelet to stop them
  watchAc.abort();
  await pods.deleteCollection('default', {});
  for (let i = 0; i < 300; i++) {
    if ((await pods.list('default')).items.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  ac.abort();
  await kubelet;
  client.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

/** VmRSS of a process in MB (/proc/<pid>/status), NaN when unreadable. */
function rssMB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function agentRssBench(): Promise<void> {
  const bin = join(import.meta.dirname, '..', 'bin', 'berth.js');
  if (!existsSync(join(import.meta.dirname, '..', 'dist', 'cli', 'main.js'))) {
    console.log('kubelet-bench agent_idle_rss_mb=skipped (dist/ missing: run `npm run build`) target=60');
    return;
  }
  const idleMs = Number(process.env.AGENT_IDLE_MS ?? (quick ? 3000 : 5000));
  const server = await startTestServer();
  const client = createClient({ server: server.url, ca: Buffer.from(server.caPem), token: server.token });
  const dataDir = mkdtempSync(join(tmpdir(), 'kubelet-bench-agent-'));
  const token = ensurePki(join(server.dir, 'tls')).nodeToken;
  const child = spawn(process.execPath, [...(process.env.AGENT_NODE_ARGS ?? '').split(' ').filter(Boolean), bin, 'agent', '--server', server.url, '--token', token, '--data-dir', dataDir, '--node-ip', '127.0.0.1',
    '--node-name', 'rss-node', '--kubelet-port', '0', '--runtime', 'process', '--proxy-mode', 'none', '--pod-network', 'host'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const deadline = performance.now() + 60_000;
    for (;;) {
      const node = await client.resource<{ metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string }> } }>(Resources.nodes).get(undefined, 'rss-node').catch(() => undefined);
      if (node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) break;
      if (performance.now() > deadline || child.exitCode !== null) throw new Error(`berth agent did not get Ready: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, idleMs));
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(rssMB(child.pid ?? 0));
      await new Promise((r) => setTimeout(r, 200));
    }
    if (process.env.AGENT_NODE_ARGS) console.log(stderr.split('\n').filter((l) => l.startsWith('MEM')).join('\n'));
    console.log(`kubelet-bench agent_idle_rss_mb=${Math.max(...samples).toFixed(1)} target=60 (berth agent --runtime process --proxy-mode none --pod-network host, Ready then idle ${idleMs / 1000} s)`);
  } finally {
    child.kill('SIGTERM');
    await exited;
    client.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Child mode: run N hollow nodes, report RSS and CPU once registered and after a steady-state window. */
async function hollowChild(count: number, steadyMs: number): Promise<void> {
  const config: ClientConfig = { server: process.env.BENCH_URL!, ca: Buffer.from(process.env.BENCH_CA!), token: process.env.BENCH_TOKEN! };
  const ac = new AbortController();
  let ready!: () => void;
  const up = new Promise<void>((r) => (ready = r));
  const t0 = performance.now();
  const run = runHollowNodes({ config, count, signal: ac.signal, onReady: () => ready(), log: () => undefined });
  await up;
  const registerMs = performance.now() - t0;
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, steadyMs));
  const cpu = process.cpuUsage(cpu0);
  const cpuPct = ((cpu.user + cpu.system) / 1000 / (performance.now() - w0)) * 100;
  const rssMiB = process.memoryUsage().rss / 1024 / 1024;
  process.stdout.write(`${JSON.stringify({ count, registerMs, rssMiB, cpuPct })}\n`);
  ac.abort();
  await run;
  process.exit(0);
}

async function hollowBench(): Promise<void> {
  const steadyMs = quick ? 10_000 : 30_000;
  for (const count of quick ? [200, 1000] : [1000, 5000]) {
    const server = await startTestServer();
    const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--hollow-child', String(count), String(steadyMs)], {
      env: { ...process.env, BENCH_URL: server.url, BENCH_CA: server.caPem, BENCH_TOKEN: server.token },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => child.once('exit', r));
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { registerMs: number; rssMiB: number; cpuPct: number };
    console.log(`kubelet-bench hollow nodes=${count} register_ms=${r.registerMs?.toFixed(0)} rss_mib=${r.rssMiB?.toFixed(0)} steady_cpu_pct=${r.cpuPct?.toFixed(1)} (one process; leases every 10 s)`);
    await server.stop();
  }
}

const childAt = process.argv.indexOf('--hollow-child');
if (childAt >= 0) {
  await hollowChild(Number(process.argv[childAt + 1]), Number(process.argv[childAt + 2]));
} else {
  if (!only || only === 'startup') await startupBench();
  if (!only || only === 'rss') await agentRssBench();
  if (!only || only === 'hollow') await hollowBench();
}
