import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsStore } from './store';
import type { Summary } from './summary';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function summary(at: number, opts: { nodeCum: number; containers: Array<{ pod: string; name: string; cum: number; mem: number; start?: string; rate?: number }> }): Summary {
  const pods = new Map<string, Summary['pods'][number]>();
  for (const c of opts.containers) {
    const p = pods.get(c.pod) ?? { podRef: { name: c.pod, namespace: 'default', uid: `uid-${c.pod}` }, containers: [] };
    p.containers.push({ name: c.name, startTime: c.start ?? 'start-1', cpu: { time: iso(at), usageCoreNanoSeconds: c.cum, ...(c.rate !== undefined ? { usageNanoCores: c.rate } : {}) }, memory: { time: iso(at), workingSetBytes: c.mem } });
    pods.set(c.pod, p);
  }
  return { node: { cpu: { time: iso(at), usageCoreNanoSeconds: opts.nodeCum }, memory: { time: iso(at), workingSetBytes: 1 << 30 } }, pods: [...pods.values()] };
}

test('rates come from two cumulative readings of the same container run', () => {
  const s = new MetricsStore(15_000);
  s.ingest('n1', summary(T0, { nodeCum: 0, containers: [{ pod: 'a', name: 'c', cum: 1e9, mem: 4096 }] }), T0);
  assert.equal(s.pod('default', 'a'), undefined, 'got a sample after one reading without a kubelet rate, want none');
  assert.equal(s.node('n1'), undefined, 'node has no rate after one reading');
  s.ingest('n1', summary(T0 + 10_000, { nodeCum: 5e9, containers: [{ pod: 'a', name: 'c', cum: 6e9, mem: 8192 }] }), T0 + 10_000);
  const p = s.pod('default', 'a');
  assert.ok(p, 'want a pod sample after two readings');
  assert.equal(p.containers[0]?.usage.cpuNanoCores, 5e8, `got ${p.containers[0]?.usage.cpuNanoCores} nanocores, want 5e8 (5 s of cpu over 10 s)`);
  assert.equal(p.containers[0]?.usage.memoryBytes, 8192, 'memory is the latest working set');
  assert.equal(p.windowMs, 10_000, `got window ${p.windowMs}, want 10000`);
  assert.equal(p.timestamp, T0 + 10_000, 'timestamp is the end of the window');
  assert.equal(s.node('n1')?.cpuNanoCores, 5e8, 'node rate from its cumulative counter');
});

test('a restarted container, a counter going backwards or a vanished pod reset the series', () => {
  const cases = [
    { name: 'restart (startTime changes)', second: { pod: 'a', name: 'c', cum: 9e9, mem: 1, start: 'start-2' }, want: undefined },
    { name: 'counter backwards', second: { pod: 'a', name: 'c', cum: 1, mem: 1 }, want: undefined },
    { name: 'kubelet rate used after a reset', second: { pod: 'a', name: 'c', cum: 1, mem: 1, rate: 42 }, want: 42 },
  ];
  for (const c of cases) {
    const s = new MetricsStore(15_000);
    s.ingest('n1', summary(T0, { nodeCum: 0, containers: [{ pod: 'a', name: 'c', cum: 1e9, mem: 1 }] }), T0);
    s.ingest('n1', summary(T0 + 1000, { nodeCum: 0, containers: [c.second] }), T0 + 1000);
    const got = s.pod('default', 'a')?.containers[0]?.usage.cpuNanoCores;
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
  const s = new MetricsStore(15_000);
  s.ingest('n1', summary(T0, { nodeCum: 0, containers: [{ pod: 'a', name: 'c', cum: 1, mem: 1, rate: 5 }, { pod: 'b', name: 'c', cum: 1, mem: 1, rate: 5 }] }), T0);
  assert.ok(s.pod('default', 'b'), 'pod b known after the first scrape (kubelet rate)');
  s.ingest('n1', summary(T0 + 1000, { nodeCum: 0, containers: [{ pod: 'a', name: 'c', cum: 2, mem: 1 }] }), T0 + 1000);
  assert.equal(s.pod('default', 'b'), undefined, 'a pod missing from the latest summary is forgotten');
  s.dropNode('n1');
  assert.equal(s.pod('default', 'a'), undefined, 'dropNode forgets its pods');
});

test('a pod is served only when every container has a sample', () => {
  const s = new MetricsStore(15_000);
  s.ingest('n1', summary(T0, { nodeCum: 0, containers: [{ pod: 'a', name: 'x', cum: 1, mem: 1, rate: 7 }, { pod: 'a', name: 'y', cum: 1, mem: 1 }] }), T0);
  assert.equal(s.pod('default', 'a'), undefined, 'container y has no rate yet: pod not served');
  s.ingest('n1', summary(T0 + 1000, { nodeCum: 0, containers: [{ pod: 'a', name: 'x', cum: 1001, mem: 1 }, { pod: 'a', name: 'y', cum: 2001, mem: 1 }] }), T0 + 1000);
  const p = s.pod('default', 'a');
  assert.deepEqual(p?.containers.map((c) => [c.name, c.usage.cpuNanoCores]), [['x', 1000], ['y', 2000]], `got ${JSON.stringify(p?.containers)}`);
});
