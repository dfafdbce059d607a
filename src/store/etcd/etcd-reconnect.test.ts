// A dropped connection to etcd: the watch resumes after the last delivered event, with no gap or duplicate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { Socket } from 'node:net';
import { Recorder } from '../contract-helpers';
import { prefixEnd } from '../types';
import { EtcdStore } from './etcd-store';
import { startEtcd } from './etcd-process';

test('a watch survives a dropped connection without gap or duplicate', async () => {
  const etcd = await startEtcd();
  const [host, port] = etcd.endpoint.split(':');
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(Number(port), host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const addr = proxy.address();
  const proxyPort = typeof addr === 'object' && addr ? addr.port : 0;
  const direct = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
  const viaProxy = await EtcdStore.connect({ endpoints: [`127.0.0.1:${proxyPort}`] });
  try {
    const p = '/registry/reconnect/';
    const from = (await direct.revisions()).current + 1;
    for (let i = 0; i < 50; i++) await direct.create(`${p}before-${i}`, Buffer.from('b'));
    const w = new Recorder(viaProxy, p, { end: prefixEnd(p), fromRevision: from });
    await w.waitForCount(50);
    for (const s of sockets) s.destroy();
    sockets.clear();
    for (let i = 0; i < 50; i++) await direct.create(`${p}after-${i}`, Buffer.from('a'));
    await w.waitForCount(100, 20_000);
    const revs = w.events.map((e) => e.kv.modRevision);
    assert.deepEqual(revs, Array.from({ length: 100 }, (_, i) => from + i), 'consecutive revisions across the reconnect');
    w.close();
  } finally {
    await viaProxy.close();
    await direct.close();
    for (const s of sockets) s.destroy();
    proxy.close();
    await etcd.stop();
  }
});
