import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from './clock';
import { createInformer, isTombstone, type EventHandlers } from './informer';
import { Resources } from './resource-ref';
import { createSharedInformerFactory } from './shared-informer-factory';
import { startFakeApiServer, type FakeApiServer } from './testing/fake-apiserver';
import { waitFor } from './testing/wait';
import type { KubeObject } from './types';

interface Pod extends KubeObject {
  spec?: { nodeName?: string };
}

const pod = (name: string, extra: Partial<Pod> = {}): Pod => ({ metadata: { name, namespace: 'default', labels: { app: 'web' } }, spec: {}, ...extra });

function recorder(): { log: string[]; handlers: EventHandlers<Pod> } {
  const log: string[] = [];
  return {
    log,
    handlers: {
      onAdd: (o, initial) => log.push(`add ${o.metadata?.name}${initial ? ' initial' : ''}`),
      onUpdate: (a, b) => log.push(`update ${b.metadata?.name} ${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`),
      onDelete: (o) => log.push(`delete ${isTombstone(o) ? `tombstone ${o.key}` : o.metadata?.name}`),
    },
  };
}

async function withServer(fn: (srv: FakeApiServer, signal: AbortSignal) => Promise<void>): Promise<void> {
  const srv = await startFakeApiServer();
  const ac = new AbortController();
  try {
    await fn(srv, ac.signal);
  } finally {
    ac.abort();
    await srv.close();
  }
}

const fast = { initialMs: 1, maxMs: 5 };
const watches = (srv: FakeApiServer): string[] => srv.requests.filter((r) => r.includes('watch=true'));
const lists = (srv: FakeApiServer): string[] => srv.requests.filter((r) => r.startsWith('GET') && !r.includes('watch=true') && !r.includes('continue='));

test('informer: paged initial list, then watch from the list resourceVersion with bookmarks', () =>
  withServer(async (srv, signal) => {
    for (let i = 0; i < 7; i++) srv.seed(Resources.pods, pod(`p${i}`));
    const { log, handlers } = recorder();
    const inf = createInformer<Pod>({ client: srv.client(), resource: Resources.pods, pageSize: 3, backoff: fast });
    inf.addEventHandler(handlers);
    void inf.run(signal);
    assert.equal(await inf.waitForSync(signal), true);
    const pages = srv.requests.filter((r) => r.startsWith('GET /api/v1/pods?limit=3'));
    assert.equal(pages.length, 3, `list pages: got ${pages.length} (${pages.join(' | ')}), want 3`);
    assert.equal(inf.lister.list().length, 7, `cached: got ${inf.lister.list().length}, want 7`);
    assert.equal(log.filter((l) => l.endsWith('initial')).length, 7, `initial adds: ${log.join(', ')}`);
    await waitFor(() => watches(srv).length === 1, 'watch');
    const w = watches(srv)[0] as string;
    assert.match(w, new RegExp(`resourceVersion=${srv.store.rv}(&|$)`), `watch rv: got ${w}, want ${srv.store.rv}`);
    assert.match(w, /allowWatchBookmarks=true/, `watch: got ${w}`);
  }));

test('informer: watch events reach the cache, the indexes and the handlers', () =>
  withServer(async (srv, signal) => {
    const client = srv.client();
    const pods = client.resource<Pod>(Resources.pods);
    const { log, handlers } = recorder();
    const inf = createInformer<Pod>({
      client, resource: Resources.pods, backoff: fast,
      indexers: { nodeName: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) },
    });
    inf.addEventHandler(handlers);
    void inf.run(signal);
    await inf.waitForSync(signal);
    await waitFor(() => srv.openWatches() === 1, 'watch open');
    await pods.create('default', pod('a'));
    await pods.createSubresource('default', 'a', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { kind: 'Node', name: 'n1' } });
    await waitFor(() => inf.lister.byIndex('nodeName', 'n1').length === 1, 'index nodeName=n1');
    await pods.delete('default', 'a');
    await waitFor(() => inf.lister.get('default', 'a') === undefined, 'delete reaches cache');
    assert.deepEqual(log.map((l) => l.split(' ').slice(0, 2).join(' ')), ['add a', 'update a', 'delete a'], `events: got ${log.join(', ')}`);
    assert.equal(inf.lister.byIndex('nodeName', 'n1').length, 0, 'index still holds the deleted pod');
    assert.equal(inf.lastSyncResourceVersion(), String(srv.store.rv), `rv: got ${inf.lastSyncResourceVersion()}, want ${srv.store.rv}`);
  }));

test('informer: a closed stream is re-watched from the last seen resourceVersion without relisting', () =>
  withServer(async (srv, signal) => {
    srv.seed(Resources.pods, pod('a'));
    const { log, handlers } = recorder();
    const inf = createInformer<Pod>({ client: srv.client(), resource: Resources.pods, backoff: fast });
    inf.addEventHandler(handlers);
    void inf.run(signal);
    await inf.waitForSync(signal);
    await waitFor(() => srv.openWatches() === 1, 'first watch');
    const rvBefore = srv.store.rv;
    srv.closeWatches();
    srv.seed(Resources.pods, pod('b')); // happens while the client is between watches
    await waitFor(() => inf.lister.get('default', 'b') !== undefined, 'b replayed after re-watch');
    const ws = watches(srv);
    assert.ok(ws.length >= 2, `watches: got ${ws.length}, want ≥ 2`);
    assert.match(ws[1] as string, new RegExp(`resourceVersion=${rvBefore}(&|$)`), `re-watch: got ${ws[1]}, want rv ${rvBefore}`);
    assert.equal(lists(srv).length, 1, `lists: got ${lists(srv).join(' | ')}, want exactly 1`);
    assert.deepEqual(log, ['add a initial', 'add b'], `events: got ${log.join(', ')}`);
  }));

test('informer: 410 Expired relists and tombstones objects deleted while away', async (t) => {
  const cases = [
    { name: 'ERROR event with code 410 (compacted history)', expire: (srv: FakeApiServer) => { srv.closeWatches(); srv.compact(); } },
    { name: 'ERROR 410 on an open stream', expire: (srv: FakeApiServer) => srv.expireWatches() },
    { name: 'HTTP 410 answer to the watch request', expire: (srv: FakeApiServer) => { srv.failNext(/watch=true/, 410); srv.closeWatches(); } },
  ];
  for (const c of cases) {
    await t.test(c.name, () =>
      withServer(async (srv, signal) => {
        const a = srv.seed(Resources.pods, pod('a'));
        srv.seed(Resources.pods, pod('b'));
        const { log, handlers } = recorder();
        const inf = createInformer<Pod>({ client: srv.client(), resource: Resources.pods, backoff: fast });
        inf.addEventHandler(handlers);
        void inf.run(signal);
        await inf.waitForSync(signal);
        await waitFor(() => srv.openWatches() === 1, 'first watch');
        // Delete 'a' behind the informer's back: detach watchers first so no event reaches it.
        const watchers = [...srv.store.watchers];
        srv.store.watchers.clear();
        srv.store.write('/pods', 'DELETED', a, a);
        srv.store.watchers.clear();
        for (const w of watchers) srv.store.watchers.add(w);
        c.expire(srv);
        await waitFor(() => lists(srv).length === 2, 'relist');
        await waitFor(() => inf.lister.get('default', 'a') === undefined, 'a gone from cache');
        assert.ok(log.includes('delete tombstone default/a'), `events: got ${log.join(', ')}, want a tombstone for default/a`);
        assert.ok(!log.some((l) => l.startsWith('update b')), `unchanged b produced an update: ${log.join(', ')}`);
      }));
  }
});

test('informer: bookmarks advance the resourceVersion without events', () =>
  withServer(async (srv, signal) => {
    const inf = createInformer<Pod>({ client: srv.client(), resource: Resources.pods, backoff: fast });
    void inf.run(signal);
    await inf.waitForSync(signal);
    await waitFor(() => srv.openWatches() === 1, 'watch');
    srv.seed(Resources.nodes, { metadata: { name: 'n1' } }); // bumps the global rv, not a pod event
    srv.sendBookmarks();
    await waitFor(() => inf.lastSyncResourceVersion() === String(srv.store.rv), `rv to reach ${srv.store.rv} (at ${inf.lastSyncResourceVersion()})`);
  }));

test('informer: a field-selected watch sees objects enter and leave its selection', () =>
  withServer(async (srv, signal) => {
    const client = srv.client();
    const { log, handlers } = recorder();
    const inf = createInformer<Pod>({ client, resource: Resources.pods, fieldSelector: 'spec.nodeName=n1', backoff: fast });
    inf.addEventHandler(handlers);
    void inf.run(signal);
    await inf.waitForSync(signal);
    await waitFor(() => srv.openWatches() === 1, 'watch');
    const pods = client.resource<Pod>(Resources.pods);
    await pods.create('default', pod('x'));
    await pods.createSubresource('default', 'x', 'binding', { target: { name: 'n1' } });
    await waitFor(() => inf.lister.get('default', 'x') !== undefined, 'x enters');
    await pods.patch('default', 'x', 'merge', { spec: { nodeName: 'n2' } });
    await waitFor(() => inf.lister.get('default', 'x') === undefined, 'x leaves');
    assert.deepEqual(log, ['add x', 'delete x'], `events: got ${log.join(', ')}`);
  }));

test('informer: resync re-delivers every object as onUpdate(o, o) on the clock', () =>
  withServer(async (srv, signal) => {
    srv.seed(Resources.pods, pod('a'));
    srv.seed(Resources.pods, pod('b'));
    const clock = new FakeClock();
    const { log, handlers } = recorder();
    const inf = createInformer<Pod>({ client: srv.client(), resource: Resources.pods, resyncMs: 30_000, clock, backoff: fast });
    inf.addEventHandler(handlers);
    void inf.run(signal);
    await inf.waitForSync(signal);
    await clock.tick(29_999);
    assert.equal(log.filter((l) => l.startsWith('update')).length, 0, `early resync: ${log.join(', ')}`);
    await clock.tick(1);
    const ups = log.filter((l) => l.startsWith('update'));
    assert.equal(ups.length, 2, `resync updates: got ${ups.join(', ')}, want 2`);
    assert.ok(ups.every((u) => /(\d+)->\1$/.test(u)), `resync must pass the same object twice: ${ups.join(', ')}`);
  }));

test('informer: cached objects are frozen under test; late handlers get the cache as adds', () =>
  withServer(async (srv, signal) => {
    srv.seed(Resources.pods, pod('a'));
    const inf = createInformer<Pod>({ client: srv.client(), resource: Resources.pods, backoff: fast });
    void inf.run(signal);
    await inf.waitForSync(signal);
    const cached = inf.lister.get('default', 'a') as Pod;
    assert.throws(() => { (cached.metadata as { name?: string }).name = 'z'; }, TypeError, 'mutating a cached object must throw');
    const { log, handlers } = recorder();
    inf.addEventHandler(handlers);
    assert.deepEqual(log, ['add a initial'], `late handler: got ${log.join(', ')}`);
    assert.equal(inf.lister.list('default', 'app=web').length, 1, 'lister label selector');
    assert.equal(inf.lister.list('default', 'app=db').length, 0, 'lister label selector mismatch');
    assert.equal(inf.lister.list('other').length, 0, 'lister namespace filter');
  }));

test('shared informer factory: one informer (one LIST) per resource and selector', () =>
  withServer(async (srv, signal) => {
    srv.seed(Resources.pods, pod('a'));
    const f = createSharedInformerFactory(srv.client(), { backoff: fast });
    const i1 = f.informerFor<Pod>(Resources.pods);
    const i2 = f.informerFor<Pod>(Resources.pods, {}, { node: (p) => [p.spec?.nodeName ?? ''] });
    const i3 = f.informerFor<Pod>(Resources.pods, { namespace: 'kube-system' });
    assert.equal(i1, i2, 'same resource and selector must share one informer');
    assert.notEqual(i1, i3, 'a namespaced informer is a different informer');
    f.start(signal);
    assert.equal(await f.waitForCacheSync(signal), true);
    const podLists = srv.requests.filter((r) => r.startsWith('GET /api/v1/pods?') && !r.includes('watch=true'));
    assert.equal(podLists.length, 1, `cluster-wide pod lists: got ${podLists.length}, want 1`);
    assert.equal(i1.lister.byIndex('node', '').length, 1, 'index added through the factory');
    const late = f.informerFor(Resources.nodes);
    assert.equal(await late.waitForSync(signal), true, 'an informer created after start must run');
  }));

test('informer: a watch silent past timeoutSeconds + 60 s is presumed dead and re-opened', () =>
  withServer(async (srv, signal) => {
    const clock = new FakeClock();
    const inf = createInformer<Pod>({ client: srv.client(), resource: Resources.pods, clock, watchTimeoutSeconds: 600, backoff: fast });
    void inf.run(signal);
    await inf.waitForSync(signal);
    await waitFor(() => watches(srv).length === 1, 'first watch');
    await clock.tick(659_000);
    assert.equal(watches(srv).length, 1, `re-watched before the watchdog: ${watches(srv).join(' | ')}`);
    await clock.tick(1_000);
    // The dead stream ended empty-handed, so the reflector backs off (on the fake clock) before re-watching.
    for (let i = 0; i < 500 && watches(srv).length < 2; i++) {
      await clock.tick(1);
      await new Promise<void>((r) => setTimeout(r, 2));
    }
    assert.ok(watches(srv).length >= 2, `watches: got ${watches(srv).length}, want ≥ 2`);
  }));
