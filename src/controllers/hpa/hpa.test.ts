import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, Resources, type Client, type KubeObject, type Lister, type ResourceRef } from '../../client';
import type { Pod } from '../common/types';
import { FakeClient, recorder } from '../testing/fake-client';
import { createHpaReconciler } from './hpa';
import type { MetricsSource } from './metrics-source';
import { CalcError, type PodMetrics } from './replica-calculator';
import type { HPA, Scale } from './types';

const START = Date.UTC(2026, 0, 1, 12);

function setup(o: { replicas: number; usage?: Record<string, number> | Error; hpa?: Partial<HPA['spec']>; pods?: number; selector?: string }) {
  const fake = new FakeClient();
  const clock = new FakeClock(START);
  const rec = recorder();
  let scale: Scale = { metadata: { name: 'web', namespace: 'ns' }, spec: { replicas: o.replicas }, status: { replicas: o.replicas, selector: o.selector ?? 'app=web' } };
  const puts: number[] = [];
  const base = fake.client();
  const client: Client = {
    ...base,
    resource: (ref) => ({
      ...base.resource(ref),
      getSubresource: async <R>() => {
        if (ref.plural !== 'deployments') throw new Error('not found');
        return structuredClone(scale) as R;
      },
    }),
    request: async <R>(method: string, path: string, body?: unknown): Promise<R> => {
      assert.equal(`${method} ${path}`, 'PUT /apis/apps/v1/namespaces/ns/deployments/web/scale', 'the only request is a scale update');
      scale = body as Scale;
      puts.push(scale.spec.replicas ?? -1);
      return body as R;
    },
  };
  fake.seed<HPA>(Resources.horizontalpodautoscalers, {
    metadata: { name: 'h', namespace: 'ns', generation: 1 },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], ...o.hpa },
  });
  for (let i = 0; i < (o.pods ?? o.replicas); i++) {
    fake.seed<Pod>(Resources.pods, {
      metadata: { name: `p${i}`, namespace: 'ns', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] },
      status: { phase: 'Running', startTime: new Date(START - 3_600_000).toISOString(), conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(START - 3_500_000).toISOString() }] },
    });
  }
  const usage = o.usage;
  const metrics: MetricsSource = {
    async resourceMetric() {
      if (usage instanceof Error) throw usage;
      const m: PodMetrics = new Map(Object.entries(usage ?? {}).map(([k, v]) => [k, { value: v, timestamp: clock.now(), windowMs: 15_000 }]));
      if (m.size === 0) throw new CalcError('no metrics returned from resource metrics API');
      return { metrics: m, timestamp: clock.now() };
    },
  };
  // Listers that always read the fake's current objects (each call takes a fresh snapshot).
  const live = <T extends KubeObject>(ref: ResourceRef): Lister<T> =>
    new Proxy({} as Lister<T>, {
      get: (_t, p) => {
        const ix = fake.indexer<T>(ref) as unknown as Record<string | symbol, unknown>;
        const v = ix[p];
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(ix) : v;
      },
    });
  const reconciler = createHpaReconciler({ client, hpas: live<HPA>(Resources.horizontalpodautoscalers), pods: live<Pod>(Resources.pods), metrics, recorder: rec, clock, log: () => undefined });
  return {
    fake, clock, rec, puts,
    run: (name = 'h') => reconciler.reconcile({ namespace: 'ns', name }),
    status: (name = 'h') => fake.get<HPA>(Resources.horizontalpodautoscalers, 'ns', name)?.status,
  };
}

const cond = (s: HPA['status'], type: string): string => {
  const c = s?.conditions?.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}: ${c.message}` : 'none';
};

test('hpa reconcile: scale up on high cpu, with status, conditions and event', async () => {
  const h = setup({ replicas: 2, usage: { p0: 200, p1: 200 } });
  const res = await h.run();
  assert.deepEqual(h.puts, [4], `got scale writes ${JSON.stringify(h.puts)}, want [4] (ratio 4 → 8, limited to max(2*2, 4))`);
  assert.equal(res.requeueAfterMs, 15_000, 'resyncs every sync period');
  const s = h.status();
  assert.deepEqual([s?.currentReplicas, s?.desiredReplicas], [2, 4], `got ${JSON.stringify(s)}`);
  assert.deepEqual(s?.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 200, averageValue: '200m' } } }]);
  assert.ok(s?.lastScaleTime, 'lastScaleTime set');
  assert.equal(cond(s, 'AbleToScale'), 'True/SucceededRescale: the HPA controller was able to update the target scale to 4');
  assert.equal(cond(s, 'ScalingActive'), 'True/ValidMetricFound: the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)');
  assert.equal(cond(s, 'ScalingLimited'), 'True/ScaleUpLimit: the desired replica count is increasing faster than the maximum scale rate');
  assert.ok(h.rec.events.includes('Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target'), `got events ${JSON.stringify(h.rec.events)}`);
});

test('hpa reconcile: scale-down waits for the stabilization window', async () => {
  const h = setup({ replicas: 4, usage: { p0: 10, p1: 10, p2: 10, p3: 10 } });
  await h.run();
  assert.deepEqual(h.puts, [], 'no scale-down within 5 minutes of a higher recommendation');
  assert.match(cond(h.status(), 'AbleToScale'), /^True\/ScaleDownStabilized/);
  assert.equal(h.status()?.desiredReplicas, 4, 'desired stays at current while stabilised');
  h.clock.advance(301_000);
  await h.run();
  assert.deepEqual(h.puts, [1], `got ${JSON.stringify(h.puts)}, want [1] after the window`);
  assert.ok(h.rec.events.includes('Normal SuccessfulRescale New size: 1; reason: All metrics below target'), `got ${JSON.stringify(h.rec.events)}`);
});

test('hpa reconcile: failures and limits', async () => {
  const cases: Array<{ name: string; o: Parameters<typeof setup>[0]; puts: number[]; conds: Record<string, RegExp>; event?: RegExp }> = [
    {
      name: 'metrics unavailable', o: { replicas: 2, usage: {} }, puts: [],
      conds: { ScalingActive: /^False\/FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API$/ },
      event: /^Warning FailedComputeMetricsReplicas invalid metrics \(1 invalid out of 1\), first error is: failed to get cpu resource metric value/,
    },
    { name: 'target scaled to zero', o: { replicas: 0, usage: {} }, puts: [], conds: { ScalingActive: /^False\/ScalingDisabled: scaling is disabled since the replica count of the target is zero$/ } },
    { name: 'above max replicas', o: { replicas: 12, usage: {}, pods: 0 }, puts: [10], conds: {}, event: /^Normal SuccessfulRescale New size: 10; reason: Current number of replicas above Spec.MaxReplicas$/ },
    { name: 'below min replicas', o: { replicas: 1, usage: {}, hpa: { minReplicas: 3 } }, puts: [3], conds: {}, event: /reason: Current number of replicas below Spec.MinReplicas$/ },
    {
      name: 'unknown target kind', o: { replicas: 2, usage: {}, hpa: { scaleTargetRef: { apiVersion: 'example.com/v1', kind: 'Widget', name: 'web' } } }, puts: [],
      conds: { AbleToScale: /^False\/FailedGetScale: the HPA controller was unable to get the target's current scale: no matches for kind "Widget" in group "example.com"$/ },
    },
    { name: 'missing selector', o: { replicas: 2, usage: { p0: 1 }, selector: '' }, puts: [], conds: { ScalingActive: /^False\/InvalidSelector: the HPA target's scale is missing a selector$/ } },
    {
      name: 'missing request', o: { replicas: 2, usage: { p0: 1, p1: 1 }, hpa: { metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 50 } } }] } }, puts: [],
      conds: { ScalingActive: /missing request for memory in container c of Pod p/ },
    },
    {
      name: 'container resource target', o: { replicas: 2, usage: { p0: 200, p1: 200 }, hpa: { metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'c', target: { type: 'Utilization', averageUtilization: 50 } } }] } }, puts: [4],
      conds: { ScalingActive: /^True\/ValidMetricFound: .* from cpu container resource utilization \(percentage of request\)$/ },
      event: /^Normal SuccessfulRescale New size: 4; reason: cpu container resource utilization \(percentage of request\) above target$/,
    },
    {
      name: 'unsupported metric type', o: { replicas: 2, usage: { p0: 1 }, hpa: { metrics: [{ type: 'External' }] } }, puts: [],
      conds: { ScalingActive: /^False\/FailedGetExternalMetric: .*External metrics are not supported/ },
    },
    {
      name: 'average value target', o: { replicas: 2, usage: { p0: 300, p1: 300 }, hpa: { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '100m' } } }] } }, puts: [4],
      conds: { ScalingActive: /^True\/ValidMetricFound: .* from cpu resource$/ },
    },
  ];
  for (const c of cases) {
    const h = setup(c.o);
    await h.run();
    assert.deepEqual(h.puts, c.puts, `${c.name}: got scale writes ${JSON.stringify(h.puts)}, want ${JSON.stringify(c.puts)}`);
    for (const [type, re] of Object.entries(c.conds)) assert.match(cond(h.status(), type), re, `${c.name}: ${type}`);
    if (c.event) assert.ok(h.rec.events.some((e) => c.event!.test(e)), `${c.name}: got events ${JSON.stringify(h.rec.events)}, want ${String(c.event)}`);
  }
});

test('hpa reconcile: two HPAs over the same pods refuse to act (AmbiguousSelector)', async () => {
  const h = setup({ replicas: 2, usage: { p0: 200, p1: 200 } });
  const first = h.fake.get<HPA>(Resources.horizontalpodautoscalers, 'ns', 'h')!;
  h.fake.seed<HPA>(Resources.horizontalpodautoscalers, { ...first, metadata: { name: 'h2', namespace: 'ns', generation: 1 } });
  await h.run('h2');
  assert.deepEqual(h.puts, [4], 'alone, the first HPA to sync scales');
  await h.run('h');
  assert.deepEqual(h.puts, [4], 'the second HPA over the same pods does not scale');
  assert.equal(cond(h.status('h'), 'ScalingActive'), 'False/AmbiguousSelector: pods by selector app=web are controlled by multiple HPAs: [ns/h ns/h2]');
  h.fake.objects.delete('horizontalpodautoscalers/ns/h2');
  await h.run('h2'); // the deleted HPA is forgotten
  await h.run('h');
  assert.match(cond(h.status('h'), 'ScalingActive'), /^True\/ValidMetricFound/, 'acts again once it is the only one');
});
