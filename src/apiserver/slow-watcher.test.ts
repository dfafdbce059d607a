// A watcher that stops reading is dropped with an ERROR event once it falls too far behind; writers and the
// other watchers carry on unaffected.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { startTestServer } from '../../test/support/server';

test('a slow watcher is dropped with an ERROR event; a fast one gets every event', async () => {
  const s = await startTestServer({ watchMaxBufferedBytes: 1024 * 1024 });
  try {
    const open = (path: string) =>
      new Promise<IncomingMessage>((resolve, reject) => {
        request(new URL(path, s.url), { ca: s.caPem, headers: { Authorization: `Bearer ${s.token}` } }, resolve).on('error', reject).end();
      });
    const post = (body: unknown) =>
      new Promise<number>((resolve, reject) => {
        const b = Buffer.from(JSON.stringify(body));
        const req = request(new URL('/api/v1/namespaces/default/configmaps', s.url), { method: 'POST', ca: s.caPem, headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json', 'Content-Length': String(b.length) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(b);
      });
    const slow = await open('/api/v1/namespaces/default/configmaps?watch=true');
    slow.pause(); // never reads: its data piles up in the server
    const fast = await open('/api/v1/namespaces/default/configmaps?watch=true');
    let fastEvents = 0;
    let buf = '';
    fast.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        buf = buf.slice(i + 1);
        fastEvents++;
      }
    });
    const N = 200;
    const payload = 'x'.repeat(100 * 1024);
    for (let i = 0; i < N; i += 10) {
      const codes = await Promise.all(Array.from({ length: 10 }, (_, j) => post({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i + j}` }, data: { p: payload } })));
      assert.ok(codes.every((c) => c === 201), `writes go on while a watcher is stuck: ${codes.join(',')}`);
    }
    const deadline = Date.now() + 20_000;
    while (fastEvents < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(fastEvents, N, `the fast watcher got every event: ${fastEvents}/${N}`);
    // Now drain the slow one: it ends, and its last line is an ERROR event.
    let text = '';
    slow.on('data', (d: Buffer) => (text += d.toString()));
    slow.resume();
    await new Promise<void>((resolve) => slow.on('end', () => resolve()));
    const lines = text.trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]!) as { type: string; object: { code: number } };
    assert.equal(last.type, 'ERROR', 'the dropped watcher is told why');
    assert.ok(lines.length - 1 < N, `the slow watcher was cut off before the end (${lines.length - 1} of ${N} events)`);
    fast.destroy();
  } finally {
    await s.stop();
  }
});
