// A node that dies, end to end: the real `berth server` (its own node runs pods as processes) plus two
// hollow nodes from `berth sim nodes` in another process. Killing that process silences both hollow nodes;
// after the 40 s grace period the node lifecycle controller marks them Unknown, taints them unreachable
// (NoExecute, at most 0.1 nodes/s), evicts their pods once the pods' toleration (2 s here) runs out, and the
// Deployment's replacements land on the surviving node.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startBerth, type BerthProcess } from '../support/server';
import { eventually, kubectlFor, type Kubectl } from './kubectl-helpers';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'berth.js');

let b: BerthProcess;
let k: Kubectl;

before(async () => {
  b = await startBerth();
  k = kubectlFor(b.kubeconfigPath);
});

after(async () => {
  await b.stop();
  rmSync(b.dir, { recursive: true, force: true });
});

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: spread }
spec:
  replicas: 6
  selector: { matchLabels: { app: spread } }
  template:
    metadata: { labels: { app: spread } }
    spec:
      terminationGracePeriodSeconds: 1
      tolerations:
      - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2 }
      topologySpreadConstraints:
      - { maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: { matchLabels: { app: spread } } }
      containers:
      - { name: c, image: busybox, command: ["sh", "-c", "exec sleep 3600"] }
`;

interface PodRow { name: string; node: string; phase: string; deleting: boolean }

async function pods(): Promise<PodRow[]> {
  const out = await k.ok(['get', 'pods', '-l', 'app=spread', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.phase} {.metadata.deletionTimestamp}{"\\n"}{end}']);
  return out.trim().split('\n').filter(Boolean).map((l) => {
    const [name = '', node = '', phase = '', del = ''] = l.split(' ');
    return { name, node, phase, deleting: del !== '' };
  });
}

test('a dead node: Unknown, tainted unreachable at a limited rate, its pods evicted after their toleration and replaced on a live node', { timeout: 200_000 }, async () => {
  const sim = spawn(process.execPath, [BIN, 'sim', 'nodes', '--count', '2', '--prefix', 'doomed', '--kubeconfig', b.kubeconfigPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let simOut = '';
  sim.stdout.on('data', (d: Buffer) => (simOut += d.toString()));
  sim.stderr.on('data', (d: Buffer) => (simOut += d.toString()));
  try {
    await eventually('three Ready nodes', async () => ((await k.ok(['get', 'nodes', '--no-headers'])).match(/\sReady\s/g) ?? []).length === 3, 30_000);
    const real = (await k.ok(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}'])).trim().split(' ').find((n) => !n.startsWith('doomed')) ?? '';
    await k.ok(['apply', '-f', '-'], { input: DEPLOYMENT });
    const before = await eventually('6 pods Running', async () => {
      const ps = await pods();
      return ps.length === 6 && ps.every((p) => p.phase === 'Running') ? ps : undefined;
    }, 60_000);
    const doomed = before.filter((p) => p.node.startsWith('doomed')).map((p) => p.name);
    assert.ok(doomed.length >= 2, `the soft spread puts pods on the hollow nodes: ${JSON.stringify(before)}`);
    sim.kill('SIGKILL');

    // 40 s grace, then Unknown and the NoSchedule taint at once; NoExecute through the zone's rate limiter
    const taints = await eventually('both hollow nodes tainted unreachable:NoExecute', async () => {
      const rows = (await k.ok(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.taints[?(@.effect=="NoExecute")].timeAdded}{"\\n"}{end}'])).trim().split('\n');
      const added = rows.filter((r) => r.startsWith('doomed')).map((r) => r.split('=')[1] ?? '');
      return added.length === 2 && added.every(Boolean) ? added.map((t) => Date.parse(t)).sort() : undefined;
    }, 90_000);
    const ready = await k.ok(['get', 'node', 'doomed-0', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    assert.equal(ready, 'Unknown', 'a silent node is Ready=Unknown');
    // 0.1 nodes/s: the second taint comes about 10 s after the first (timeAdded has 1 s resolution)
    assert.ok(taints[1]! - taints[0]! >= 8_000, `tainting was rate-limited: ${(taints[1]! - taints[0]!) / 1000} s apart, want ~10`);

    const afterFailure = await eventually('the evicted pods replaced on the live node', async () => {
      const ps = (await pods()).filter((p) => !p.deleting);
      return ps.length === 6 && ps.every((p) => p.node === real && p.phase === 'Running') ? ps : undefined;
    }, 60_000);
    for (const name of doomed) assert.ok(!afterFailure.some((p) => p.name === name), `${name} was evicted`);
    const events = await k.ok(['get', 'events', '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={.items[*].involvedObject.name}']);
    for (const name of doomed) assert.match(events, new RegExp(name), `a TaintManagerEviction event for ${name}`);
  } finally {
    if (sim.exitCode === null) sim.kill('SIGKILL');
    if (process.env.BERTH_DEBUG) console.error(simOut);
  }
});
