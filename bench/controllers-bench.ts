// Controller-manager benchmark through a real `berth server` (its scheduler and controllers in their worker
// thread) with 100 hollow nodes run by this process (`berth sim nodes` in-process):
//   1. a Deployment of 3,000 replicas from creation to all available
//   2. a rolling update of 1,000 replicas (maxSurge 25 %)
//   3. cascading (background) delete of 10,000 pods
//
//   npm run bench:controllers [-- --quick]      (--quick: 10× smaller)
//
// Prints `ctrl-bench <workload> seconds=<s> pods_per_s=<x> target_seconds=<t> load1=<1-min load average at the end>`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setMaxListeners } from 'node:events';
import { createClient, loadKubeconfig, Resources, type Client } from '../src/client';
import { runHollowNodes } from '../src/kubelet';
import { startBerth } from '../test/support/server';

const quick = process.argv.includes('--quick');
const scale = quick ? 0.1 : 1;
const ROOT = join(import.meta.dirname, '..');

interface Deploy {
  metadata: { name: string; generation?: number };
  spec: { replicas: number };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

function deployment(name: string, replicas: number, version: string): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], env: [{ name: 'VERSION', value: version }], resources: { requests: { cpu: '1m', memory: '1Mi' } } }] },
      },
    },
  };
}

async function until(what: string, f: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function rolledOut(client: Client, name: string, replicas: number): Promise<boolean> {
  const d = (await client.resource<Deploy>(Resources.deployments).get('default', name)) as Deploy;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas;
}

async function podCount(client: Client, label: string): Promise<number> {
  const r = await client.resource(Resources.pods).list('default', { labelSelector: `app=${label}` });
  return r.items.length;
}

/** The 1-minute load average: figures from a shared, busy machine are not comparable with a quiet one. */
const load = (): string => loadavg()[0]!.toFixed(2);

function print(workload: string, seconds: number, pods: number, target: number): void {
  process.stdout.write(`ctrl-bench ${workload} seconds=${seconds.toFixed(1)} pods_per_s=${(pods / seconds).toFixed(0)} target_seconds=${target} load1=${load()}\n`);
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const b = await startBerth({ args: ['--disable-agent'] });
  const config = loadKubeconfig(b.kubeconfigPath);
  const client = createClient(config);
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  let ready!: () => void;
  const up = new Promise<void>((r) => (ready = r));
  const hollow = runHollowNodes({ config, count: 100, signal: ac.signal, onReady: () => ready() });
  await up;
  const deployments = client.resource(Resources.deployments);
  try {
    // 1. 3,000 replicas from creation to all available
    const n1 = Math.round(3000 * scale);
    let t = performance.now();
    await deployments.create('default', deployment('big', n1, '1'));
    await until('3,000 replicas available', () => rolledOut(client, 'big', n1), 600_000);
    print(`deployment_${n1}_available`, (performance.now() - t) / 1000, n1, 15);
    await deployments.delete('default', 'big', { propagationPolicy: 'Background' });
    await until('big pods gone', async () => (await podCount(client, 'big')) === 0, 600_000);

    // 2. a rolling update of 1,000 replicas with maxSurge 25 %
    const n2 = Math.round(1000 * scale);
    await deployments.create('default', deployment('roll', n2, '1'));
    await until('roll available', () => rolledOut(client, 'roll', n2), 600_000);
    t = performance.now();
    await deployments.patch('default', 'roll', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'VERSION', value: '2' }] }] } } } });
    await until('rolling update done', async () => (await rolledOut(client, 'roll', n2)) && (await podCount(client, 'roll')) === n2, 600_000);
    print(`rolling_update_${n2}`, (performance.now() - t) / 1000, n2, 30);
    await deployments.delete('default', 'roll', { propagationPolicy: 'Background' });
    await until('roll pods gone', async () => (await podCount(client, 'roll')) === 0, 600_000);

    // 3. cascading delete of 10,000 pods
    const n3 = Math.round(10_000 * scale);
    await deployments.create('default', deployment('wide', n3, '1'));
    await until('10,000 pods running', () => rolledOut(client, 'wide', n3), 900_000);
    t = performance.now();
    await deployments.delete('default', 'wide', { propagationPolicy: 'Background' });
    await until('every pod deleted', async () => (await podCount(client, 'wide')) === 0, 900_000);
    print(`cascading_delete_${n3}`, (performance.now() - t) / 1000, n3, 20);
  } finally {
    ac.abort();
    await hollow.catch(() => undefined);
    client.close();
    await b.stop();
  }
}

await main();
