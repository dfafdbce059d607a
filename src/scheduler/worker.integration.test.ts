// The scheduler in a worker thread against a real in-process API server.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestServer } from '../../test/support/server';
import { createClient, Resources } from '../client/index';
import { makeNode, makePod, waitFor } from './testing';
import type { Pod } from './types';
import { startSchedulerWorker } from './worker';

test('startSchedulerWorker binds pods from a worker thread and stops cleanly', async () => {
  const srv = await startTestServer();
  const config = { server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token };
  const client = createClient(config);
  const w = startSchedulerWorker({ config, leaderElect: false });
  try {
    await client.resource(Resources.nodes).create(undefined, makeNode('n1'));
    await client.resource(Resources.pods).create('default', makePod('p'));
    const node = await waitFor('p bound', async () => ((await client.resource<Pod>(Resources.pods).get('default', 'p')).spec?.nodeName || undefined));
    assert.equal(node, 'n1', `node: got ${node}, want n1`);
    const st = await w.stats();
    assert.equal(st.bound, 1, `stats.bound: got ${st.bound}, want 1`);
  } finally {
    await w.stop();
    client.close();
    await srv.stop();
  }
});

test('an invalid configuration fails the worker at start-up with the field and the reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sched-w-'));
  const path = join(dir, 'bad.yaml');
  writeFileSync(path, 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\npercentageOfNodesToScore: -1\n');
  const w = startSchedulerWorker({ config: { server: 'https://127.0.0.1:1' }, schedulerConfig: path, leaderElect: false });
  await assert.rejects(w.done, /percentageOfNodesToScore: Invalid value: -1: not in valid range \[0-100\]/, 'done rejects naming the field');
});
