import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { FakeClock } from '../client';
import { FakeRuntime } from './runtime';
import { httpGet, ProbeState, runProbeWorker, tcpSocket, type ProbeKind, type ProbeResult, type ProbeTarget } from './probes';

test('ProbeState: initial results and thresholds as upstream', () => {
  const cases: Array<{ name: string; kind: ProbeKind; success?: number; failure?: number; seq: boolean[]; want: ProbeResult[] }> = [
    { name: 'liveness starts success, fails after 3', kind: 'liveness', seq: [false, false, false], want: ['success', 'success', 'failure'] },
    { name: 'readiness starts failure, one success flips', kind: 'readiness', seq: [true], want: ['success'] },
    { name: 'readiness successThreshold 2', kind: 'readiness', success: 2, seq: [true, false, true, true], want: ['failure', 'failure', 'failure', 'success'] },
    { name: 'startup unknown until a result', kind: 'startup', failure: 2, seq: [false, false], want: ['unknown', 'failure'] },
    { name: 'a success resets the failure run', kind: 'liveness', failure: 2, seq: [false, true, false, false], want: ['success', 'success', 'success', 'failure'] },
  ];
  for (const c of cases) {
    const s = new ProbeState(c.kind, { successThreshold: c.success, failureThreshold: c.failure });
    const got = c.seq.map((ok) => (s.observe(ok), s.result));
    assert.deepEqual(got, c.want, `${c.name}: got ${got} want ${c.want}`);
  }
});

test('probe worker: initial delay, period, startup gating', async () => {
  const clock = new FakeClock();
  const target = { runtime: new FakeRuntime(), containerId: 'x', container: { name: 'c' }, podIP: '127.0.0.1' } as ProbeTarget;
  const runs: Array<{ kind: ProbeKind; at: number }> = [];
  const start = clock.now();
  let startupOk = false;
  const changes: string[] = [];
  const ac = new AbortController();
  const worker = (kind: ProbeKind, ok: () => boolean, probe: object) => runProbeWorker({
    kind, probe, target, startedAt: start, clock, started: () => startupOk,
    onChange: (k, r) => { changes.push(`${k}=${r}@${(clock.now() - start) / 1000}`); if (k === 'startup' && r === 'success') startupOk = true; },
    run: () => { runs.push({ kind, at: (clock.now() - start) / 1000 }); return Promise.resolve({ ok: ok(), output: '' }); },
  }, ac.signal);
  const p1 = worker('startup', () => clock.now() - start >= 4000, { initialDelaySeconds: 2, periodSeconds: 1, failureThreshold: 10 });
  const p2 = worker('liveness', () => true, { periodSeconds: 5 });
  for (let i = 0; i < 12; i++) await clock.tick(1000);
  ac.abort();
  await Promise.all([p1, p2]);
  const startupRuns = runs.filter((r) => r.kind === 'startup').map((r) => r.at);
  assert.deepEqual(startupRuns, [2, 3, 4], `startup probe runs (s): got ${startupRuns}`);
  const liveRuns = runs.filter((r) => r.kind === 'liveness').map((r) => r.at);
  assert.ok(liveRuns.length > 0 && liveRuns.every((t) => t >= 4), `liveness runs only after startup succeeded: got ${liveRuns}`);
  assert.deepEqual(changes, ['startup=success@4'], `changes: got ${changes}`);
});

test('httpGet and tcpSocket actions', async () => {
  const srv = createServer((req, res) => {
    res.statusCode = req.url === '/ok' ? 200 : req.url === '/redirect' ? 302 : 500;
    res.end(req.headers['x-probe'] ?? '');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  const target = { runtime: new FakeRuntime(), containerId: 'x', container: { name: 'c', ports: [{ name: 'http', containerPort: port }] }, podIP: '127.0.0.1' } as ProbeTarget;
  const cases = [
    { name: '200', path: '/ok', port: port as number | string, want: true },
    { name: '3xx counts as success', path: '/redirect', port, want: true },
    { name: '500 fails', path: '/bad', port, want: false },
    { name: 'named port', path: '/ok', port: 'http', want: true },
    { name: 'unknown named port', path: '/ok', port: 'nope', want: false },
  ];
  for (const c of cases) {
    const got = await httpGet({ path: c.path, port: c.port, httpHeaders: [{ name: 'X-Probe', value: 'v' }] }, target, 1000);
    assert.equal(got.ok, c.want, `${c.name}: got ${got.ok} (${got.output}) want ${c.want}`);
  }
  assert.equal((await tcpSocket({ port }, target, 1000)).ok, true, 'tcp open port');
  await new Promise<void>((r) => srv.close(() => r()));
  assert.equal((await tcpSocket({ port }, target, 1000)).ok, false, 'tcp closed port');
});
