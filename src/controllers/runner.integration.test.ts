import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, Resources, type KubeObject } from '../client';
import { startTestServer, type TestServer } from '../../test/support/server';
import { createControllerMetrics } from './runner/metrics';
import { runControllers } from './runner/run-controllers';
import type { ControllerFactory } from './runner/types';
import { eventually } from './testing/harness';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

test('runControllers (real API): only the Lease holder runs controllers; the other takes over when it stops', async () => {
  const config = { server: server.url, ca: Buffer.from(server.caPem), token: server.token };
  const built: string[] = [];
  const reconciled: string[] = [];
  const registry = (who: string): Record<string, ControllerFactory> => ({
    probe: (ctx) => {
      built.push(who);
      const inf = ctx.informers.informerFor<KubeObject>(Resources.configmaps);
      inf.addEventHandler({ onAdd: (o) => ctx.enqueue(`${o.metadata?.namespace}/${o.metadata?.name}`) });
      return { name: 'probe', reconcile: async (req) => void reconciled.push(`${who}:${req.name}`) };
    },
  });
  const metrics = createControllerMetrics();
  const a = new AbortController();
  const b = new AbortController();
  const runA = runControllers({ config, signal: a.signal, registry: registry('a'), identity: 'a', metrics });
  await eventually('a leads', async () => built.includes('a'));
  const runB = runControllers({ config, signal: b.signal, registry: registry('b'), identity: 'b' });
  await createClient(config).resource(Resources.configmaps).create('default', { metadata: { name: 'one' } } as KubeObject);
  await eventually('a reconciled', async () => reconciled.includes('a:one'));
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(built, ['a'], `controllers built by ${built.join(',')}`);
  assert.match(metrics.text(), /controller_reconcile_total\{controller="probe",result="success"\} [1-9]/, 'metrics count reconciles');
  const lease = await createClient(config).resource<KubeObject & { spec?: { holderIdentity?: string } }>(Resources.leases).get('kube-system', 'kube-controller-manager');
  assert.equal(lease.spec?.holderIdentity, 'a');
  a.abort();
  await runA;
  await eventually('b takes over', async () => built.includes('b') && reconciled.includes('b:one'), 15_000);
  b.abort();
  await runB;
});
