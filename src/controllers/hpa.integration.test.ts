import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources, type KubeObject } from '../client';
import type { Deployment, Pod } from './common/types';
import { hpaControllerWith } from './hpa/hpa';
import type { MetricsSource } from './hpa/metrics-source';
import type { HPA } from './hpa/types';
import { CONTROLLERS } from './registry';
import { eventually, startHarness, type Harness } from './testing/harness';

// Per-pod cpu usage (millicores) the fake metrics source reports, by the pod's app label.
const usage = new Map<string, number>();
let h: Harness;

before(async () => {
  const metrics = (): MetricsSource => ({
    async resourceMetric(_resource, namespace, selector) {
      const pods = await h.client.resource<Pod>(Resources.pods).list(namespace, { labelSelector: selector });
      const m = new Map<string, { value: number; timestamp: number; windowMs: number }>();
      for (const p of pods.items) {
        const u = usage.get(p.metadata.labels?.app ?? '');
        if (u !== undefined) m.set(p.metadata.name ?? '', { value: u, timestamp: Date.now(), windowMs: 1000 });
      }
      return { metrics: m, timestamp: Date.now() };
    },
  });
  h = await startHarness({
    controllers: ['replicaset', 'deployment', 'horizontalpodautoscaling'],
    registry: { ...CONTROLLERS, horizontalpodautoscaling: hpaControllerWith({ syncPeriodMs: 200, downscaleStabilizationMs: 0, cpuInitializationPeriodMs: 0, metrics }) },
  });
});
after(async () => {
  await h.stop();
});

const deployment = (name: string, replicas: number, requests: boolean): Deployment => ({
  metadata: { name },
  spec: {
    replicas, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'i', ...(requests ? { resources: { requests: { cpu: '100m' } } } : {}) }] } },
  },
});

test('hpa (real API): scales a Deployment up and down through /scale, with status and events', async () => {
  const deps = h.client.resource<Deployment>(Resources.deployments);
  await deps.create('default', deployment('hot', 1, true));
  usage.set('hot', 200);
  const hpas = h.client.resource<HPA>(Resources.horizontalpodautoscalers);
  await hpas.create('default', {
    metadata: { name: 'hot' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'hot' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
  });
  const up = await eventually('scale-up to 3 (max)', async () => {
    const s = (await hpas.get('default', 'hot')).status;
    return s?.desiredReplicas === 3 && s.currentReplicas === 3 ? s : undefined;
  });
  assert.equal((await deps.get('default', 'hot')).spec.replicas, 3, 'the deployment was scaled through its scale subresource');
  assert.equal(up.currentMetrics?.[0]?.resource?.current.averageUtilization, 200, `got ${JSON.stringify(up.currentMetrics)}`);
  assert.equal(up.conditions?.find((c) => c.type === 'ScalingLimited')?.reason, 'TooManyReplicas', `got ${JSON.stringify(up.conditions)}`);
  const events = await eventually('SuccessfulRescale events', async () => {
    const l = await h.client.resource<KubeObject & { reason?: string; message?: string; involvedObject?: { name?: string } }>(Resources.events).list('default');
    const msgs = l.items.filter((e) => e.reason === 'SuccessfulRescale' && e.involvedObject?.name === 'hot').map((e) => e.message ?? '');
    return msgs.length >= 1 ? msgs : undefined;
  });
  assert.ok(events.some((m) => /^New size: [23]; reason: cpu resource utilization \(percentage of request\) above target$/.test(m)), `got ${JSON.stringify(events)}`);

  usage.set('hot', 10);
  await eventually('scale-down to 1', async () => ((await deps.get('default', 'hot')).spec.replicas === 1 ? true : undefined));
  const settled = await eventually('status to settle at 1 replica', async () => {
    const x = await hpas.get('default', 'hot');
    return x.status?.currentReplicas === 1 && x.status.desiredReplicas === 1 ? x : undefined;
  });
  assert.ok(settled.status?.lastScaleTime, 'lastScaleTime set');
  // Level-based and idempotent: several sync periods (200 ms) at a steady state write nothing.
  await new Promise((r) => setTimeout(r, 1500));
  const later = await hpas.get('default', 'hot');
  assert.equal(later.metadata?.resourceVersion, settled.metadata?.resourceVersion, `got status ${JSON.stringify(later.status)}, was ${JSON.stringify(settled.status)}: a steady HPA must not be rewritten`);
});

test('hpa (real API): autoscaling/v1 objects and failing metrics report through status', async () => {
  const deps = h.client.resource<Deployment>(Resources.deployments);
  await deps.create('default', deployment('norequest', 2, false));
  usage.set('norequest', 100);
  await h.client.request('POST', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers', {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'norequest' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'norequest' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
  });
  const hpas = h.client.resource<HPA>(Resources.horizontalpodautoscalers);
  const s = await eventually('ScalingActive=False', async () => {
    const st = (await hpas.get('default', 'norequest')).status;
    const c = st?.conditions?.find((x) => x.type === 'ScalingActive');
    // Until the pods exist the error is "no pods returned by selector"; wait for the steady state.
    return c?.status === 'False' && c.message?.includes('missing request') ? st : undefined;
  });
  const c = s.conditions?.find((x) => x.type === 'ScalingActive');
  assert.equal(c?.reason, 'FailedGetResourceMetric', `got ${JSON.stringify(c)}`);
  assert.match(c?.message ?? '', /missing request for cpu in container c of Pod norequest-/, `got ${c?.message}`);
  assert.equal(s.currentReplicas, 2, `got ${JSON.stringify(s)}`);
  assert.equal((await deps.get('default', 'norequest')).spec.replicas, 2, 'no scaling on invalid metrics');
  const v1 = await h.client.request<{ status?: { currentReplicas?: number } }>('GET', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/norequest');
  assert.equal(v1.status?.currentReplicas, 2, `v1 view of the status: got ${JSON.stringify(v1.status)}`);
});
