import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources, type KubeObject } from '../client';
import type { Pod } from './common/types';
import type { Endpoints } from './endpoints/endpoints';
import type { EndpointSlice } from './endpoints/endpointslice';
import { eventually, startHarness, type Harness } from './testing/harness';

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['endpoints', 'endpointslice', 'garbagecollector'], kubelet: false });
});
after(async () => {
  await h.stop();
});

const pods = () => h.client.resource<Pod>(Resources.pods);
async function makePod(name: string, port: number, ip: string, ready: boolean): Promise<void> {
  await pods().create('default', { metadata: { name, labels: { app: 'ep' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: port }] }] } });
  await setReady(name, ip, ready);
}
async function setReady(name: string, ip: string, ready: boolean): Promise<void> {
  await pods().patch('default', name, 'merge', { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' });
}

const epState = async (): Promise<string> => {
  const ep = await h.client.resource<Endpoints>(Resources.endpoints).get('default', 'ep').catch(() => undefined);
  return JSON.stringify((ep?.subsets ?? []).map((s) => [s.ports?.map((p) => p.port), s.addresses?.map((a) => a.ip) ?? [], s.notReadyAddresses?.map((a) => a.ip) ?? []]));
};
const sliceState = async (): Promise<string> => {
  const list = (await h.client.resource<EndpointSlice>(Resources.endpointslices).list('default', { labelSelector: 'kubernetes.io/service-name=ep' })).items;
  return JSON.stringify(list.flatMap((s) => (s.endpoints ?? []).map((e) => `${e.addresses[0]}:${s.ports?.[0]?.port}:${e.conditions.ready}`)).sort());
};

test('endpoints and slices (real API) follow pod readiness, with named ports resolved per pod', async () => {
  await h.client.resource(Resources.services).create('default', { metadata: { name: 'ep' }, spec: { selector: { app: 'ep' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } } as KubeObject);
  await makePod('ep-a', 8080, '10.9.0.1', true);
  await makePod('ep-b', 9090, '10.9.0.2', false);
  const want1 = JSON.stringify([[[8080], ['10.9.0.1'], []], [[9090], [], ['10.9.0.2']]]);
  await eventually(`endpoints ${want1}`, async () => (await epState()) === want1);
  const s1 = JSON.stringify(['10.9.0.1:8080:true', '10.9.0.2:9090:false']);
  await eventually(`slices ${s1}`, async () => (await sliceState()) === s1);

  await setReady('ep-b', '10.9.0.2', true);
  const want2 = JSON.stringify([[[8080], ['10.9.0.1'], []], [[9090], ['10.9.0.2'], []]]);
  await eventually(`endpoints ${want2}`, async () => (await epState()) === want2);
  await eventually('slice ready', async () => (await sliceState()) === JSON.stringify(['10.9.0.1:8080:true', '10.9.0.2:9090:true']));

  await pods().delete('default', 'ep-a', { gracePeriodSeconds: 0 });
  const want3 = JSON.stringify([[[9090], ['10.9.0.2'], []]]);
  await eventually(`endpoints ${want3}`, async () => (await epState()) === want3);
  await eventually('slice without a', async () => (await sliceState()) === JSON.stringify(['10.9.0.2:9090:true']));

  await h.client.resource(Resources.services).delete('default', 'ep');
  await eventually('endpoints deleted with the service', async () => (await epState()) === '[]');
  await eventually('slices collected', async () => (await sliceState()) === '[]');
  const kube = (await h.client.resource<EndpointSlice>(Resources.endpointslices).list('default', { labelSelector: 'kubernetes.io/service-name=kubernetes' })).items;
  assert.ok(kube.every((s) => s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'] !== 'endpointslice-controller.k8s.io'), 'default/kubernetes left to the API server');
});
