import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../../client';
import type { Pod } from '../common/types';
import { FakeClient } from '../testing/fake-client';
import { desiredSubsets } from './endpoints';
import { createEndpointSliceReconciler, desiredSlices, type EndpointSlice } from './endpointslice';
import type { Service } from './service-pods';

const svc = (o: Partial<NonNullable<Service['spec']>> = {}): Service => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { team: 'a' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...o },
});

interface P { ip?: string; ready?: boolean; port?: number; deleting?: boolean; node?: string; phase?: string; restart?: string }
const pod = (name: string, o: P = {}): Pod => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
  spec: { nodeName: o.node, restartPolicy: o.restart ?? 'Always', containers: [{ name: 'c', ports: o.port === undefined ? [] : [{ name: 'http', containerPort: o.port }] }] },
  status: { phase: o.phase ?? 'Running', ...(o.ip ? { podIP: o.ip } : {}), conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});

const summary = (subsets: ReturnType<typeof desiredSubsets>): string[] =>
  subsets.map((s) => `${(s.ports ?? []).map((p) => p.port).join('+')}: ready=[${(s.addresses ?? []).map((a) => a.ip).join(',')}] notReady=[${(s.notReadyAddresses ?? []).map((a) => a.ip).join(',')}]`);

test('endpoints: desired subsets', () => {
  const cases: Array<{ name: string; svc: Service; pods: Pod[]; want: string[] }> = [
    { name: 'ready and not ready pods', svc: svc(), pods: [pod('a', { ip: '10.0.0.1', port: 8080 }), pod('b', { ip: '10.0.0.2', port: 8080, ready: false })], want: ['8080: ready=[10.0.0.1] notReady=[10.0.0.2]'] },
    { name: 'named target port resolved per pod', svc: svc(), pods: [pod('a', { ip: '10.0.0.1', port: 8080 }), pod('b', { ip: '10.0.0.2', port: 9090 })], want: ['8080: ready=[10.0.0.1] notReady=[]', '9090: ready=[10.0.0.2] notReady=[]'] },
    { name: 'a pod without the named port is left out', svc: svc(), pods: [pod('a', { ip: '10.0.0.1' })], want: [] },
    { name: 'pods without an IP, terminating or finished (restartPolicy Never) are left out', svc: svc(), pods: [pod('a', { port: 1 }), pod('b', { ip: '10.0.0.2', port: 1, deleting: true }), pod('c', { ip: '10.0.0.3', port: 1, phase: 'Succeeded', restart: 'Never' })], want: [] },
    { name: 'publishNotReadyAddresses lists everything as ready', svc: svc({ publishNotReadyAddresses: true }), pods: [pod('b', { ip: '10.0.0.2', port: 8080, ready: false })], want: ['8080: ready=[10.0.0.2] notReady=[]'] },
    { name: 'numeric target port', svc: svc({ ports: [{ port: 80, targetPort: 8000 }] }), pods: [pod('a', { ip: '10.0.0.1' })], want: ['8000: ready=[10.0.0.1] notReady=[]'] },
    { name: 'headless without ports', svc: svc({ ports: [], clusterIP: 'None' }), pods: [pod('a', { ip: '10.0.0.1' })], want: [': ready=[10.0.0.1] notReady=[]'] },
  ];
  for (const c of cases) {
    const got = summary(desiredSubsets(c.svc, c.pods));
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}`);
  }
  const [s] = desiredSubsets(svc(), [pod('a', { ip: '10.0.0.1', port: 8080, node: 'n1' })]);
  assert.deepEqual(s?.addresses?.[0], { ip: '10.0.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } });
});

test('endpointslices: conditions and chunking', () => {
  const slices = desiredSlices(svc(), [pod('a', { ip: '10.0.0.1', port: 80 }), pod('b', { ip: '10.0.0.2', port: 80, ready: false }), pod('c', { ip: '10.0.0.3', port: 80, deleting: true })]);
  const got = slices[0]!.endpoints.map((e) => `${e.addresses[0]} ready=${e.conditions.ready} serving=${e.conditions.serving} terminating=${e.conditions.terminating}`);
  assert.deepEqual(got, ['10.0.0.1 ready=true serving=true terminating=false', '10.0.0.2 ready=false serving=false terminating=false', '10.0.0.3 ready=false serving=true terminating=true']);
  const many = Array.from({ length: 250 }, (_, i) => pod(`p${String(i).padStart(3, '0')}`, { ip: `10.1.${Math.floor(i / 200)}.${i % 200}`, port: 80 }));
  const sizes = desiredSlices(svc(), many).map((s) => s.endpoints.length);
  assert.deepEqual(sizes, [100, 100, 50], `got slice sizes ${sizes.join(',')}`);
  assert.deepEqual(desiredSlices(svc(), []), [{ ports: [], endpoints: [] }], 'placeholder slice when nothing is selected');
});

test('endpointslices: reconcile creates labelled, owned slices and does not duplicate before the cache catches up', async () => {
  const fake = new FakeClient();
  fake.seed(Resources.services, svc());
  const pods = Array.from({ length: 150 }, (_, i) => pod(`p${String(i).padStart(3, '0')}`, { ip: `10.1.0.${i}`, port: 80 }));
  for (const p of pods) fake.seed(Resources.pods, p);
  const services = fake.indexer<Service>(Resources.services);
  const podLister = fake.indexer<Pod>(Resources.pods);
  const emptySlices = new FakeClient().indexer<EndpointSlice>(Resources.endpointslices);
  const reconcile = createEndpointSliceReconciler({ client: fake.client(), services, pods: podLister, slices: emptySlices });
  await reconcile({ namespace: 'ns', name: 'web' });
  const created = fake.list<EndpointSlice>(Resources.endpointslices);
  assert.equal(created.length, 2, `got ${created.length} slices, want 2 (150 endpoints)`);
  const s = created[0]!;
  assert.equal(s.metadata?.labels?.['kubernetes.io/service-name'], 'web');
  assert.equal(s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  assert.equal(s.metadata?.labels?.team, 'a', 'service labels copied');
  assert.deepEqual(s.metadata?.ownerReferences?.[0], { apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true });
  assert.equal(s.addressType, 'IPv4');
  const again = await reconcile({ namespace: 'ns', name: 'web' });
  assert.equal(fake.list(Resources.endpointslices).length, 2, 'no duplicates while the cache lags');
  assert.equal(again.requeueAfterMs, 100, `got requeue ${again.requeueAfterMs}`);
});
