import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScraper, kubeletTarget, type KubeletTarget } from './scraper';
import { MetricsStore } from './store';
import type { Summary } from './summary';

test('kubeletTarget reads the address and port a Node advertises', () => {
  const cases = [
    { name: 'InternalIP and port', node: { metadata: { name: 'n' }, status: { addresses: [{ type: 'Hostname', address: 'h' }, { type: 'InternalIP', address: '10.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 12345 } } } }, want: { node: 'n', host: '10.0.0.1', port: 12345 } },
    { name: 'default port', node: { metadata: { name: 'n' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } }, want: { node: 'n', host: '127.0.0.1', port: 10250 } },
    { name: 'Hostname only: not scraped (no DNS lookups)', node: { metadata: { name: 'n' }, status: { addresses: [{ type: 'Hostname', address: 'h' }] } }, want: undefined },
    { name: 'hollow node', node: { metadata: { name: 'n', labels: { 'berth.io/hollow': 'true' } }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } }, want: undefined },
    { name: 'no address', node: { metadata: { name: 'n' }, status: {} }, want: undefined },
    { name: 'not a node', node: null, want: undefined },
  ];
  for (const c of cases) assert.deepEqual(kubeletTarget(c.node), c.want, c.name);
});

test('a scrape round feeds the store; failing and vanished nodes are dropped', async () => {
  let t = Date.UTC(2026, 0, 1);
  const store = new MetricsStore(1000);
  let targets: KubeletTarget[] = [{ node: 'a', host: 'a', port: 1 }, { node: 'b', host: 'b', port: 1 }];
  const failing = new Set<string>();
  const calls: string[] = [];
  const summary = (cum: number): Summary => ({
    node: { cpu: { time: new Date(t).toISOString(), usageCoreNanoSeconds: cum }, memory: { workingSetBytes: 4096 } },
    pods: [{ podRef: { name: 'p', namespace: 'default' }, containers: [{ name: 'c', cpu: { time: new Date(t).toISOString(), usageCoreNanoSeconds: cum }, memory: { workingSetBytes: 4096 } }] }],
  });
  const logs: string[] = [];
  const s = createScraper({
    store, intervalMs: 1000, now: () => t, log: (_l, m) => logs.push(m), targets: () => targets,
    fetch: async (target) => {
      calls.push(target.node);
      if (failing.has(target.node)) throw new Error(`boom ${target.node}`);
      return summary((t - Date.UTC(2026, 0, 1)) * 1e6 / 2); // half a core
    },
  });
  await s.scrapeOnce();
  t += 1000;
  await s.scrapeOnce();
  assert.deepEqual(calls.sort(), ['a', 'a', 'b', 'b'], `got calls ${JSON.stringify(calls)}`);
  assert.equal(store.node('a')?.cpuNanoCores, 5e8, `got ${store.node('a')?.cpuNanoCores}, want half a core`);
  failing.add('b');
  t += 1000;
  await s.scrapeOnce();
  assert.equal(store.node('b'), undefined, 'a node whose scrape failed is dropped');
  assert.ok(store.node('a'), 'the healthy node stays');
  assert.equal(logs.filter((l) => l.includes('boom b')).length, 1, `got logs ${JSON.stringify(logs)}: one warning per failing node`);
  t += 1000;
  await s.scrapeOnce();
  assert.equal(logs.filter((l) => l.includes('boom b')).length, 1, 'a node still failing is not logged again');
  targets = [{ node: 'b', host: 'b', port: 1 }];
  failing.clear();
  t += 1000;
  await s.scrapeOnce();
  assert.equal(store.node('a'), undefined, 'a node no longer in the API is dropped');
  assert.ok(logs.some((l) => l.includes('"b" works again')), `got logs ${JSON.stringify(logs)}`);
});
