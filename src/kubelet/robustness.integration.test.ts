// Borg's rule against the real API server: with the API unreachable, running pods keep running and
// the kubelet reports what happened meanwhile once it is back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { startHarness, type Harness } from './testing/harness';
import type { Pod } from './types';

interface Proxy {
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

async function startProxy(target: URL): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () => new Promise<void>((resolve) => {
    server = createServer((c) => {
      const up = connect(Number(target.port), target.hostname);
      for (const s of [c, up]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      c.pipe(up).pipe(c);
    });
    server.listen(port, '127.0.0.1', () => {
      port = (server.address() as { port: number }).port;
      resolve();
    });
  });
  await listen();
  let up = true;
  const cut = () => new Promise<void>((resolve) => {
    if (!up) return resolve();
    up = false;
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
  const restore = async () => {
    if (up) return;
    up = true;
    await listen();
  };
  return { url: `https://127.0.0.1:${port}`, cut, restore, close: cut };
}

let h: Harness;
let proxy: Proxy;
before(async () => {
  h = await startHarness();
  proxy = await startProxy(new URL(h.server.url));
  await h.stopKubelet();
  await h.startKubelet({ config: { server: proxy.url, ca: Buffer.from(h.server.caPem), token: h.server.token } });
});
after(async () => {
  await proxy.restore();
  await h.close();
  await proxy.close();
});

const cs = (p: Pod) => p.status?.containerStatuses?.[0];

test('an unreachable API server stops nothing; the kubelet catches up when it returns', async () => {
  await h.createPod({ metadata: { name: 'steady' }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['/bin/sleep', '1000'] }] } });
  await h.createPod({ metadata: { name: 'short' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['/bin/sh', '-c', 'sleep 4; exit 0'] }] } });
  const steady = await h.waitPod('steady', (p) => !!cs(p)?.state.running, 'steady running');
  await h.waitPod('short', (p) => !!cs(p)?.state.running, 'short running');
  await proxy.cut();
  await new Promise((r) => setTimeout(r, 6000));
  const running = await h.kubelet.runtime.listContainers({ state: 'running' });
  const id = cs(steady)!.containerID!.replace('process://', '');
  assert.ok(running.some((c) => c.id === id), 'the steady container still runs while the API is away');
  const seen = await h.getPod('short');
  assert.equal(seen?.status?.phase, 'Running', 'no status could be written while the API was away');
  await proxy.restore();
  const done = await h.waitPod('short', (p) => p.status?.phase === 'Succeeded', 'short Succeeded after the API came back', 30_000);
  assert.equal(cs(done)?.state.terminated?.exitCode, 0);
  const again = await h.waitPod('steady', (p) => !!cs(p)?.state.running, 'steady still running');
  assert.equal(cs(again)?.containerID, cs(steady)?.containerID, 'same container');
  assert.equal(cs(again)?.restartCount, 0);
});
