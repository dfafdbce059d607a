import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, createSharedInformerFactory, exponentialFailureRateLimiter, FakeClock, flush, type EventRecorder } from '../../client';
import { createControllerMetrics } from './metrics';
import { startController } from './runner';
import type { ControllerContext, Request } from './types';

const recorder: EventRecorder = { event: () => undefined, flush: async () => undefined };

function harness(reconcile: (req: Request) => Promise<{ requeueAfterMs?: number } | void>, workers = 1) {
  const clock = new FakeClock();
  const client = createClient({ server: 'http://127.0.0.1:1' });
  const metrics = createControllerMetrics();
  let ctx!: ControllerContext;
  const rc = startController({
    name: 'test', client, informers: createSharedInformerFactory(client), recorder, clock, log: () => undefined, metrics, workers,
    rateLimiter: exponentialFailureRateLimiter<string>(100, 10_000),
    factory: (c) => {
      ctx = c;
      return { name: 'test', reconcile };
    },
  });
  return { clock, metrics, rc, ctx: () => ctx };
}

test('runner: a failing key is retried with per-key exponential backoff, then forgotten', async () => {
  const seen: Array<[string, number]> = [];
  let fails = 3;
  const h = harness(async (req) => {
    seen.push([`${req.namespace}/${req.name}`, h.clock.now()]);
    if (fails-- > 0) throw new Error('boom');
  });
  const ac = new AbortController();
  const done = h.rc.run(ac.signal, Promise.resolve(true));
  const t0 = h.clock.now();
  h.ctx().enqueue('ns/a');
  await h.clock.tick(0);
  await h.clock.tick(100); // 1st retry after 100 ms
  await h.clock.tick(200); // 2nd after 200 ms
  await h.clock.tick(400); // 3rd after 400 ms: succeeds
  await h.clock.tick(10_000);
  const got = seen.map(([k, t]) => `${k}@${t - t0}`);
  assert.deepEqual(got, ['ns/a@0', 'ns/a@100', 'ns/a@300', 'ns/a@700'], `got ${got.join(',')}`);
  const text = h.metrics.text();
  assert.match(text, /workqueue_retries_total\{name="test"\} 3/, `metrics: ${text}`);
  assert.match(text, /controller_reconcile_total\{controller="test",result="error"\} 3/, `metrics: ${text}`);
  assert.match(text, /controller_reconcile_time_seconds_count\{controller="test"\} 4/, `metrics: ${text}`);
  ac.abort();
  await done;
});

test('runner: requeueAfterMs reconciles again after the delay; one key never runs twice at once', async () => {
  let active = 0;
  let maxActive = 0;
  const times: number[] = [];
  const h = harness(async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    times.push(h.clock.now());
    await flush(1);
    active--;
    return times.length < 3 ? { requeueAfterMs: 1000 } : undefined;
  }, 4);
  const ac = new AbortController();
  const done = h.rc.run(ac.signal, Promise.resolve(true));
  const t0 = h.clock.now();
  for (let i = 0; i < 5; i++) h.ctx().enqueue('k');
  await h.clock.tick(0);
  await h.clock.tick(1000);
  await h.clock.tick(1000);
  await h.clock.tick(5000);
  assert.deepEqual(times.map((t) => t - t0), [0, 1000, 2000], `got reconcile times ${times.map((t) => t - t0).join(',')}`);
  assert.equal(maxActive, 1, `got ${maxActive} concurrent reconciles of one key, want 1`);
  ac.abort();
  await done;
});

test('runner: workers do not start until caches are synced, and stop when the signal aborts', async () => {
  let calls = 0;
  const h = harness(async () => {
    calls++;
  });
  const ac = new AbortController();
  let release!: (v: boolean) => void;
  const done = h.rc.run(ac.signal, new Promise<boolean>((r) => (release = r)));
  h.ctx().enqueue('x');
  await h.clock.tick(10);
  assert.equal(calls, 0, `got ${calls} reconciles before sync, want 0`);
  release(true);
  await h.clock.tick(10);
  assert.equal(calls, 1, `got ${calls} reconciles after sync, want 1`);
  ac.abort();
  await done;
  h.ctx().enqueue('y');
  await h.clock.tick(10);
  assert.equal(calls, 1, `got ${calls} reconciles after stop, want 1`);
});

test('runner metrics: queue latency is the time a key waited for a worker', async () => {
  const h = harness(async (req) => {
    if (req.name === 'slow') await h.clock.sleep(1500);
  });
  const ac = new AbortController();
  const done = h.rc.run(ac.signal, Promise.resolve(true));
  h.ctx().enqueue('ns/slow');
  h.ctx().enqueue('ns/next'); // waits 1.5 s behind the only worker
  await h.clock.tick(0);
  await h.clock.tick(1500);
  await h.clock.tick(0);
  const text = h.metrics.text();
  assert.match(text, /workqueue_queue_duration_seconds_count\{name="test"\} 2\n/, `want 2 observations: ${text}`);
  assert.match(text, /workqueue_queue_duration_seconds_sum\{name="test"\} 1\.5\n/, `want 0 + 1.5 s: ${text}`);
  assert.match(text, /workqueue_queue_duration_seconds_bucket\{name="test",le="1"\} 1\n/, `one under 1 s: ${text}`);
  assert.match(text, /workqueue_adds_total\{name="test"\} 2\n/, `adds: ${text}`);
  ac.abort();
  await done;
});

test('runner metrics: metrics() renders the process-wide registry', async () => {
  const { defaultControllerMetrics, metrics } = await import('./metrics');
  defaultControllerMetrics.register('probe', () => 7);
  defaultControllerMetrics.observed('probe', 0.02, false);
  const text = metrics();
  for (const want of ['# TYPE workqueue_depth gauge', 'workqueue_depth{name="probe"} 7', 'controller_reconcile_total{controller="probe",result="error"} 1', 'controller_reconcile_time_seconds_bucket{controller="probe",le="0.025"} 1']) {
    assert.ok(text.includes(want), `metrics() lacks ${want}:\n${text}`);
  }
});
