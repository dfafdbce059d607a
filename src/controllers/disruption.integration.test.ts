import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../client';
import type { Deployment } from './common/types';
import type { PodDisruptionBudget } from './disruption/disruption';
import { eventually, startHarness, type Harness } from './testing/harness';

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['replicaset', 'deployment', 'disruption'] });
});
after(async () => {
  await h.stop();
});

test('disruption (real API): a PDB over a Deployment reports the disruptions it allows', async () => {
  await h.client.resource<Deployment>(Resources.deployments).create('default', {
    metadata: { name: 'pdb-app' }, spec: { replicas: 3, selector: { matchLabels: { app: 'pdb-app' } }, template: { metadata: { labels: { app: 'pdb-app' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  });
  const pdbs = h.client.resource<PodDisruptionBudget>(Resources.poddisruptionbudgets);
  await pdbs.create('default', { metadata: { name: 'pdb' }, spec: { maxUnavailable: '34%', selector: { matchLabels: { app: 'pdb-app' } } } });
  const s = await eventually('pdb status', async () => {
    const st = (await pdbs.get('default', 'pdb')).status;
    return st?.currentHealthy === 3 ? st : undefined;
  });
  assert.deepEqual([s.expectedPods, s.desiredHealthy, s.disruptionsAllowed, s.conditions?.find((c) => c.type === 'DisruptionAllowed')?.status], [3, 1, 2, 'True']);
});
