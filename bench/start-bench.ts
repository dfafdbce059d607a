// `berth server` start-up: process start → the "ready" line (DESIGN.md promises under a second), measured
// on fresh data dirs, N runs per pod network: `cni` (root with the CNI plugins: the node is Ready only once
// the node IPAM controller gave it a pod CIDR and the kubelet set up the bridge) and `host`.
//
//   node --import tsx bench/start-bench.ts [--runs=N] [--pod-network=cni|host|both] [--bin=PATH] [--verbose]
//                                          [--cpu-prof=DIR]
//   --bin: the berth executable (default bin/berth.js, which runs dist/: `npm run build` first).
//   --verbose: each run's log lines with their time since spawn.
//   --cpu-prof=DIR: run the servers under `node --cpu-prof` (main thread and worker profiles in DIR).
//
// Every server runs on loopback (--node-ip 127.0.0.1, --port 0, --kubelet-port 0) with the default proxy,
// DNS and ingress of `berth server`. The bench kills only the processes it started (by pid) and removes
// their data dirs. Prints one line per pod network:
//   start-bench pod_network=<cni|host> runs=N p50_ms=<x> max_ms=<y> target_ms=1000 load1=<l>
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const TARGET_MS = 1000;
const ROOT = join(import.meta.dirname, '..');
const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const runs = Number(arg('runs') ?? 10);
const which = arg('pod-network') ?? 'both';
const bin = arg('bin') ?? join(ROOT, 'bin', 'berth.js');
const verbose = process.argv.includes('--verbose');
const cpuProf = arg('cpu-prof');
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs=${String(arg('runs'))}: want a positive integer`);
if (!['cni', 'host', 'both'].includes(which)) throw new Error(`--pod-network=${which}: want cni, host or both`);

/** One start: ms from spawn to the ready line (the server is then stopped and its data dir removed). */
async function startOnce(podNetwork: 'cni' | 'host'): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-start-bench-'));
  const args = [
    ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : []),
    bin, 'server', '--data-dir', join(dir, 'data'), '--port', '0', '--node-ip', '127.0.0.1', '--kubelet-port', '0',
    '--pod-network', podNetwork,
  ];
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let out = '';
  const onData = (d: Buffer): void => {
    const at = performance.now() - t0;
    out += d.toString();
    for (const l of d.toString().split('\n')) if (l.trim()) lines.push(`+${at.toFixed(0).padStart(5)} ms ${l}`);
  };
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  try {
    const ms = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready in 30 s:\n${out}`)), 30_000);
      proc.stdout.on('data', (d: Buffer) => {
        onData(d);
        if (/berth server ready/.test(out)) {
          clearTimeout(timer);
          resolve(performance.now() - t0);
        }
      });
      proc.stderr.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`berth server exited (${String(code)}) before ready:\n${out}`));
      });
    });
    if (verbose) process.stdout.write(`-- ${podNetwork}: ready after ${ms.toFixed(0)} ms\n${lines.join('\n')}\n`);
    return ms;
  } finally {
    if (proc.exitCode === null && proc.pid !== undefined) process.kill(proc.pid, 'SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
    if (code === 'timeout' && proc.pid !== undefined) {
      process.kill(proc.pid, 'SIGKILL');
      await exited;
    }
    if (verbose) process.stdout.write(`-- stopped (exit ${String(code)}):\n${lines.slice(-8).join('\n')}\n`);
    rmSync(dir, { recursive: true, force: true });
  }
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const root = process.getuid?.() === 0;
const networks: Array<'cni' | 'host'> = which === 'both' ? ['cni', 'host'] : [which as 'cni' | 'host'];
for (const net of networks) {
  if (net === 'cni' && !root) {
    process.stdout.write('start-bench pod_network=cni skipped: not root\n');
    continue;
  }
  const load = loadavg()[0] ?? NaN;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await startOnce(net));
  process.stdout.write(
    `start-bench pod_network=${net} runs=${runs} p50_ms=${pct(times, 50).toFixed(0)} max_ms=${Math.max(...times).toFixed(0)} ` +
      `target_ms=${TARGET_MS} load1=${load.toFixed(2)}${verbose ? ` all_ms=${times.map((t) => t.toFixed(0)).join(',')}` : ''}\n`,
  );
}
