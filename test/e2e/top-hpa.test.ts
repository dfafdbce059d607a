// `kubectl top` and a HorizontalPodAutoscaler against the real `berth server` (process runtime): a pod running
// a busy loop with a 100m cpu request shows up in `kubectl top pod` at about a core, and the HPA created with
// `kubectl autoscale` scales its Deployment up, and back down when the loop stops. Metrics come from the kubelet's /stats/summary every 15 s
// (metrics-server's default resolution), the HPA syncs every 15 s: allow a couple of minutes.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBerth } from '../support/server';
import { kubectlFor } from './kubectl-helpers';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: burner
spec:
  replicas: 1
  selector:
    matchLabels: { app: burner }
  template:
    metadata:
      labels: { app: burner }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: loop
        image: busybox
        command: ["sh", "-c", "while [ -e BURN_FILE ]; do :; done; exec sleep 3600"]
        resources:
          requests: { cpu: 100m, memory: 16Mi }
`;

async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, last: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`timed out waiting for ${what}; last seen:\n${last()}`);
}

test('kubectl top and an HPA scaling a busy Deployment (real berth server)', { timeout: 420_000 }, async (t) => {
  const b = await startBerth({ args: ['--metric-resolution', '5s'] });
  t.after(async () => {
    await b.stop();
    rmSync(b.dir, { recursive: true, force: true });
  });
  const kubectl = kubectlFor(b.kubeconfigPath);
  const started = Date.now();
  // the process runtime runs pods on the host's filesystem: the busy loop lasts while this file exists
  const burn = join(b.dir, 'burn');
  writeFileSync(burn, '');
  await kubectl.ok(['apply', '-f', '-'], { input: DEPLOYMENT.replace('BURN_FILE', burn) });
  t.after(async () => {
    await kubectl(['delete', 'deployment', 'burner', '--wait=false']);
  });
  await kubectl.ok(['autoscale', 'deployment', 'burner', '--cpu-percent=20', '--min=1', '--max=2']);

  let seen = '';
  const top = await poll('kubectl top pod to show the busy loop', async () => {
    const r = await kubectl(['top', 'pod', '-l', 'app=burner', '--containers']);
    seen = `${r.stdout}${r.stderr}`;
    const m = /^burner-\S+\s+loop\s+(\d+)m\s+(\d+)Mi/m.exec(r.stdout);
    return m && Number(m[1]) >= 20 ? { cpuMilli: Number(m[1]), memMi: Number(m[2]) } : undefined;
  }, 120_000, () => seen);
  t.diagnostic(`kubectl top pod --containers: ${top.cpuMilli}m cpu, ${top.memMi}Mi memory after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  // A lone busy loop gets about a core; with its 100m request (cpu.shares 102) it gets far less when the
  // machine is busy, so only its order of magnitude is checked: far above an idle process, at most ~a core.
  assert.ok(top.cpuMilli >= 20 && top.cpuMilli <= 1200, `kubectl top pod: got ${top.cpuMilli}m for a busy loop, want 20m..1200m`);

  const nodes = await kubectl.ok(['top', 'node']);
  assert.match(nodes, /^\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m, `kubectl top node:\n${nodes}`);

  const replicas = await poll('the HPA to scale burner to 2', async () => {
    const r = await kubectl(['get', 'deployment', 'burner', '-o', 'jsonpath={.spec.replicas}']);
    const h = await kubectl(['get', 'hpa', 'burner', '-o', 'wide']);
    seen = `${r.stdout}\n${h.stdout}${h.stderr}`;
    return r.stdout.trim() === '2' ? 2 : undefined;
  }, 150_000, () => seen);
  assert.equal(replicas, 2);
  t.diagnostic(`scaled to 2 replicas ${((Date.now() - started) / 1000).toFixed(0)} s after the Deployment was created`);
  const hpa = JSON.parse(await kubectl.ok(['get', 'hpa', 'burner', '-o', 'json'])) as { status?: { desiredReplicas?: number; currentMetrics?: Array<{ resource?: { current?: { averageUtilization?: number } } }>; conditions?: Array<{ type: string; status: string; reason: string }> } };
  const util = hpa.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization ?? 0;
  assert.ok(util > 20, `HPA currentMetrics: got ${util}% of request, want above the 20% target`);
  assert.equal(hpa.status?.conditions?.find((c) => c.type === 'ScalingActive')?.reason, 'ValidMetricFound', `got ${JSON.stringify(hpa.status?.conditions)}`);
  const describe = await kubectl.ok(['describe', 'hpa', 'burner']);
  assert.match(describe, /SuccessfulRescale\s+.*New size: 2; reason: cpu resource utilization \(percentage of request\) above target/, `kubectl describe hpa:\n${describe}`);
  // The controller manager (a worker thread) reports its queues and reconciles on the API server's /metrics.
  const m = await kubectl.ok(['get', '--raw', '/metrics']);
  const n = Number(/^controller_reconcile_total\{controller="horizontalpodautoscaling",result="success"\} (\d+)$/m.exec(m)?.[1] ?? 0);
  assert.ok(n >= 1, `want HPA reconciles counted on /metrics, got ${n}`);
  assert.match(m, /^workqueue_depth\{name="deployment"\} \d+$/m, 'work queue depth of the deployment controller');

  // and back down once the load is gone (no scale-down stabilization window, so the test need not wait 5 min)
  await kubectl.ok(['patch', 'hpa', 'burner', '--type=merge', '-p', '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}}}']);
  rmSync(burn);
  await poll('the HPA to scale burner back to 1', async () => {
    const r = await kubectl(['get', 'deployment', 'burner', '-o', 'jsonpath={.spec.replicas}']);
    const h = await kubectl(['get', 'hpa', 'burner', '-o', 'wide']);
    seen = `${r.stdout}\n${h.stdout}${h.stderr}`;
    return r.stdout.trim() === '1' ? 1 : undefined;
  }, 150_000, () => seen);
  t.diagnostic(`scaled back to 1 replica ${((Date.now() - started) / 1000).toFixed(0)} s after the Deployment was created`);
  const down = await kubectl.ok(['describe', 'hpa', 'burner']);
  assert.match(down, /SuccessfulRescale\s+.*New size: 1; reason: All metrics below target/, `kubectl describe hpa:\n${down}`);
});
