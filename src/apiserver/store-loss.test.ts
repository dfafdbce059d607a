// When the watch cache loses its store, the server says so: /readyz fails and reads get 503, never stale data.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { test } from 'node:test';
import { startTestServer } from '../../test/support/server';

test('losing the store fails /readyz and answers reads with 503', async () => {
  const s = await startTestServer();
  const get = (path: string) =>
    new Promise<number>((resolve, reject) => {
      request(new URL(path, s.url), { ca: s.caPem, headers: { Authorization: `Bearer ${s.token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
  try {
    assert.equal(await get('/readyz'), 200, 'ready at first');
    await s.store.close(); // ends every watch with StoreUnavailableError
    assert.equal(await get('/readyz'), 500, 'not ready once the store is gone');
    assert.equal(await get('/api/v1/namespaces/default/configmaps'), 503, 'reads refuse rather than serve stale data');
  } finally {
    await s.api.stop();
  }
});
