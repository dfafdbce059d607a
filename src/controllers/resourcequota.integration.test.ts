import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Resources, type KubeObject } from '../client';
import type { Pod } from './common/types';
import type { ResourceQuota } from './resourcequota/resourcequota';
import { eventually, startHarness, type Harness } from './testing/harness';

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['resourcequota'], kubelet: false });
});
after(async () => {
  await h.stop();
});

test('resourcequota (real API): used follows pods and objects; kubectl describe shows it', async () => {
  const quotas = h.client.resource<ResourceQuota>(Resources.resourcequotas);
  await quotas.create('default', { metadata: { name: 'q' }, spec: { hard: { pods: '10', 'requests.cpu': '2', configmaps: '20' } } });
  for (const [n, cpu] of [['a', '250m'], ['b', '500m']] as const) {
    await h.client.resource<Pod>(Resources.pods).create('default', { metadata: { name: n }, spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu } } }] } });
  }
  await h.client.resource(Resources.configmaps).create('default', { metadata: { name: 'cm' } } as KubeObject);
  const st = await eventually('used', async () => {
    const s = (await quotas.get('default', 'q')).status;
    // pods and configmaps are counted from separate informers: wait for both to be reflected
    return s?.used?.pods === '2' && Number(s.used.configmaps) >= 1 ? s : undefined;
  });
  assert.equal(st.used?.['requests.cpu'], '750m');
  assert.ok(Number(st.used?.configmaps) >= 1, `configmaps ${st.used?.configmaps}`);
  const { stdout } = await promisify(execFile)('kubectl', ['--kubeconfig', h.server.kubeconfigPath, 'describe', 'quota', 'q']);
  assert.match(stdout, /requests\.cpu\s+750m\s+2/, `describe:\n${stdout}`);
});
