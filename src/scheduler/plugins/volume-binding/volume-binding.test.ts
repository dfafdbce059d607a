import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client, Clock, KubeObject } from '../../../client/index';
import { ANN_BIND_COMPLETED, ANN_SELECTED_NODE } from '../../../controllers/volume';
import type { Handle } from '../../framework';
import { CycleState, type Status } from '../../types';
import { world } from '../fixtures';
import {
  createVolumeBinding, ERR_BIND_CONFLICT, ERR_NODE_CONFLICT, ERR_PV_NOT_EXIST, ERR_UNBOUND_IMMEDIATE, pvcBeingDeleted, pvcNotFound, POLL_MS,
} from './volume-binding';

const hostname = (n: string): object => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } });
const sc = (name: string, mode: string, provisioner = 'berth.io/local-path', extra: object = {}): KubeObject => ({ metadata: { name }, provisioner, volumeBindingMode: mode, ...extra } as KubeObject);
const pvc = (name: string, cls: string, extra: { volumeName?: string; annotations?: Record<string, string>; size?: string; deleting?: boolean } = {}): KubeObject => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '5', ...(extra.annotations ? { annotations: extra.annotations } : {}), ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: extra.size ?? '1Gi' } }, storageClassName: cls, ...(extra.volumeName ? { volumeName: extra.volumeName } : {}) },
} as KubeObject);
const pv = (name: string, cls: string, size: string, node?: string, claimRef?: object): KubeObject => ({
  metadata: { name, resourceVersion: '7' },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: cls, ...(node ? { nodeAffinity: hostname(node) } : {}), ...(claimRef ? { claimRef } : {}) },
  status: { phase: claimRef ? 'Bound' : 'Available' },
} as KubeObject);
const bound = { annotations: { [ANN_BIND_COMPLETED]: 'yes' } };

const base: Record<string, KubeObject> = {
  'storageclass/wffc': sc('wffc', 'WaitForFirstConsumer'),
  'storageclass/static': sc('static', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner'),
  'storageclass/zoned': sc('zoned', 'WaitForFirstConsumer', 'berth.io/local-path', { allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['b'] }] }] }),
  'storageclass/now': sc('now', 'Immediate'),
  'pvc/default/bound-a': pvc('bound-a', 'now', { volumeName: 'pv-a', ...bound }),
  'pvc/default/bound-gone': pvc('bound-gone', 'now', { volumeName: 'pv-gone', ...bound }),
  'pvc/default/prebound': pvc('prebound', 'now', { volumeName: 'pv-a' }),
  'pvc/default/immediate': pvc('immediate', 'now'),
  'pvc/default/noclass': pvc('noclass', ''),
  'pvc/default/deleting': pvc('deleting', 'wffc', { deleting: true }),
  'pvc/default/dyn': pvc('dyn', 'wffc'),
  'pvc/default/zoned': pvc('zoned', 'zoned'),
  'pvc/default/static': pvc('static', 'static'),
  'pvc/default/static2': pvc('static2', 'static'),
  'pvc/default/static-big': pvc('static-big', 'static', { size: '5Gi' }),
  'pvc/default/selected-b': pvc('selected-b', 'wffc', { annotations: { [ANN_SELECTED_NODE]: 'n2' } }),
  'pv/pv-a': pv('pv-a', 'now', '1Gi', 'n1', { namespace: 'default', name: 'bound-a', uid: 'uid-bound-a' }),
  'pv/static-n1-small': pv('static-n1-small', 'static', '2Gi', 'n1'),
  'pv/static-n1-big': pv('static-n1-big', 'static', '10Gi', 'n1'),
  'pv/static-n2-taken': pv('static-n2-taken', 'static', '1Gi', 'n2', { namespace: 'other', name: 'x', uid: 'x' }),
};
const nodes = { n1: { labels: { zone: 'a' } }, n2: { labels: { zone: 'b' } } };
const vol = (...claims: string[]): object => ({ volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) });
const reason = (st: Status | undefined): string | undefined => (st?.code === 'Skip' ? 'Skip' : st ? `${st.code}: ${st.reasons.join(' | ')}` : undefined);

test('VolumeBinding PreFilter and Filter (upstream reasons)', () => {
  const U = (r: string): string => `UnschedulableAndUnresolvable: ${r}`;
  const cases: Array<{ name: string; claims: string[]; pre?: string; nodes?: Record<string, string | undefined> }> = [
    { name: 'no claims: skip', claims: [], pre: 'Skip' },
    { name: 'missing claim', claims: ['nope'], pre: U(pvcNotFound('nope')) },
    { name: 'claim being deleted', claims: ['deleting'], pre: U(pvcBeingDeleted('deleting')) },
    { name: 'unbound Immediate claim', claims: ['immediate'], pre: U(ERR_UNBOUND_IMMEDIATE) },
    { name: 'unbound claim without class is Immediate', claims: ['noclass'], pre: U(ERR_UNBOUND_IMMEDIATE) },
    { name: 'volumeName set, bind not completed: unbound', claims: ['prebound'], pre: U(ERR_UNBOUND_IMMEDIATE) },
    { name: 'bound claim pins the node', claims: ['bound-a'], nodes: { n1: undefined, n2: U(ERR_NODE_CONFLICT) } },
    { name: 'bound to a missing PV', claims: ['bound-gone'], nodes: { n1: U(ERR_PV_NOT_EXIST), n2: U(ERR_PV_NOT_EXIST) } },
    { name: 'delayed, provisioner: every node', claims: ['dyn'], nodes: { n1: undefined, n2: undefined } },
    { name: 'one claim mounted twice needs one PV', claims: ['static-big', 'static-big'], nodes: { n1: undefined, n2: U(ERR_BIND_CONFLICT) } },
    { name: 'delayed, allowedTopologies zone b', claims: ['zoned'], nodes: { n1: U(ERR_BIND_CONFLICT), n2: undefined } },
    { name: 'delayed, no provisioner: only where a static PV fits', claims: ['static'], nodes: { n1: undefined, n2: U(ERR_BIND_CONFLICT) } },
    { name: 'two claims take both static PVs of n1', claims: ['static', 'static2'], nodes: { n1: undefined, n2: U(ERR_BIND_CONFLICT) } },
    { name: 'three claims, two PVs: none fits', claims: ['static', 'static2', 'static-big'], nodes: { n1: U(ERR_BIND_CONFLICT), n2: U(ERR_BIND_CONFLICT) } },
    { name: 'selected-node n2 pins provisioning', claims: ['selected-b'], nodes: { n1: U(ERR_BIND_CONFLICT), n2: undefined } },
    { name: 'bound on n1 + selected n2: both reasons on n1', claims: ['bound-a', 'selected-b'], nodes: { n1: U(`${ERR_BIND_CONFLICT}`), n2: U(ERR_NODE_CONFLICT) } },
  ];
  for (const c of cases) {
    const w = world(nodes, [], base);
    const p = createVolumeBinding({}, w.handle);
    const pod = w.pod('p', vol(...c.claims));
    const state = new CycleState();
    const pre = reason(p.preFilter(state, pod));
    assert.equal(pre, c.pre, `${c.name}: preFilter got ${pre}, want ${c.pre}`);
    if (pre) continue;
    const got = Object.fromEntries(['n1', 'n2'].map((n) => [n, reason(p.filter(state, pod, w.node(n)))]));
    assert.deepEqual(got, c.nodes, `${c.name}: filter got ${JSON.stringify(got)}, want ${JSON.stringify(c.nodes)}`);
  }
});

/** One scheduling cycle on `node` (PreFilter, Filter, Reserve); returns the state or the rejection. */
function cycle(p: ReturnType<typeof createVolumeBinding>, w: ReturnType<typeof world>, pod: ReturnType<ReturnType<typeof world>['pod']>, node: string): CycleState | string {
  const state = new CycleState();
  const pre = p.preFilter(state, pod);
  if (pre && pre.code !== 'Skip') return reason(pre) ?? '';
  const f = p.filter(state, pod, w.node(node));
  if (f) return reason(f) ?? '';
  const r = p.reserve(state, pod, node);
  return r ? reason(r) ?? '' : state;
}

test('VolumeBinding Reserve assumes the chosen PV: a second pod of the burst cannot take it until Unreserve', () => {
  const objects = { ...base, 'pvc/default/static3': pvc('static3', 'static', { size: '3Gi' }), 'pvc/default/static4': pvc('static4', 'static', { size: '3Gi' }), 'pvc/default/static5': pvc('static5', 'static', { size: '3Gi' }) };
  const w = world(nodes, [], objects);
  const p = createVolumeBinding({}, w.handle);
  const a = w.pod('a', vol('static3'));
  const b = w.pod('b', vol('static4'));
  const c = w.pod('c', vol('static5'));
  const sa = cycle(p, w, a, 'n1');
  assert.ok(sa instanceof CycleState, `pod a: got ${String(sa)}, want reserved`);
  const sb = cycle(p, w, b, 'n1');
  assert.equal(sb, `UnschedulableAndUnresolvable: ${ERR_BIND_CONFLICT}`, `pod b while a holds the only 3Gi+ PV: got ${String(sb)}`);
  p.unreserve(sa, a, 'n1');
  const sc2 = cycle(p, w, c, 'n1');
  assert.ok(sc2 instanceof CycleState, `pod c after a's unreserve: got ${String(sc2)}, want reserved`);
});

interface Harness {
  handle: Handle;
  objects: Record<string, KubeObject>;
  patches: Array<{ resource: string; name: string; body: unknown }>;
  sleeps: number;
}

/** A Handle over mutable objects, a fake client recording merge patches and a fake clock whose sleeps run `onSleep`. */
function harness(objects: Record<string, KubeObject>, onSleep: (h: Harness) => void, failPatch = false): Harness {
  const w = world(nodes, [], objects);
  let now = 0;
  const h: Harness = { handle: w.handle, objects, patches: [], sleeps: 0 };
  const clock: Clock = {
    now: () => now,
    setTimeout: () => () => undefined,
    sleep: (ms) => {
      now += ms;
      h.sleeps++;
      onSleep(h);
      return Promise.resolve();
    },
  };
  const client = {
    resource: (ref: { plural: string }) => ({
      patch: (_ns: string | undefined, name: string, _t: string, body: unknown) => {
        if (failPatch) return Promise.reject(new Error('Operation cannot be fulfilled: the object has been modified'));
        h.patches.push({ resource: ref.plural, name, body });
        return Promise.resolve({ metadata: { name, resourceVersion: '9' } });
      },
    }),
  } as unknown as Client;
  h.handle = { ...w.handle, client, clock };
  return h;
}

test('VolumeBinding PreBind: writes, then waits for Bound; fails on timeout, a reset annotation or a write conflict', async () => {
  const podObj = { metadata: { name: 'p', namespace: 'default', uid: 'pod-uid' } } as KubeObject;
  const bindClaim = (h: Harness, name: string, volume: string): void => {
    const c = structuredClone(h.objects[`pvc/default/${name}`]!) as KubeObject & { spec: { volumeName?: string } };
    c.metadata = { ...c.metadata, resourceVersion: '10', annotations: { ...c.metadata?.annotations, [ANN_BIND_COMPLETED]: 'yes' } };
    c.spec.volumeName = volume;
    h.objects[`pvc/default/${name}`] = c;
  };
  const cases: Array<{ name: string; claim: string; node: string; timeout?: number; failPatch?: boolean; onSleep: (h: Harness) => void; want: string | undefined; patched: string[] }> = [
    {
      name: 'static PV: claimRef patched, done when the claim is bound', claim: 'static', node: 'n1',
      onSleep: (h) => {
        h.objects['pv/static-n1-small'] = { ...h.objects['pv/static-n1-small']!, metadata: { name: 'static-n1-small', resourceVersion: '9' }, spec: { ...(h.objects['pv/static-n1-small'] as { spec: object }).spec, claimRef: { namespace: 'default', name: 'static', uid: 'uid-static' } } } as KubeObject;
        bindClaim(h, 'static', 'static-n1-small');
      },
      want: undefined, patched: ['persistentvolumes/static-n1-small'],
    },
    {
      name: 'provisioning: selected-node patched, done when the claim is bound', claim: 'dyn', node: 'n2',
      onSleep: (h) => {
        h.objects['pvc/default/dyn'] = { ...h.objects['pvc/default/dyn']!, metadata: { ...h.objects['pvc/default/dyn']!.metadata, resourceVersion: '9', annotations: { [ANN_SELECTED_NODE]: 'n2' } } };
        if (h.sleeps >= 3) {
          h.objects['pv/pvc-dyn'] = pv('pvc-dyn', 'wffc', '1Gi', 'n2', { namespace: 'default', name: 'dyn', uid: 'uid-dyn' });
          bindClaim(h, 'dyn', 'pvc-dyn');
        }
      },
      want: undefined, patched: ['persistentvolumeclaims/dyn'],
    },
    {
      name: 'timeout', claim: 'dyn', node: 'n2', timeout: 1, onSleep: () => undefined,
      want: 'Error: binding volumes: context deadline exceeded', patched: ['persistentvolumeclaims/dyn'],
    },
    {
      name: 'provisioner gave up: selected-node removed', claim: 'dyn', node: 'n1',
      onSleep: (h) => {
        h.objects['pvc/default/dyn'] = { ...h.objects['pvc/default/dyn']!, metadata: { ...h.objects['pvc/default/dyn']!.metadata, resourceVersion: '11', annotations: {} } };
      },
      want: 'Error: binding volumes: selectedNode annotation reset for PVC "dyn"', patched: ['persistentvolumeclaims/dyn'],
    },
    {
      name: 'write conflict', claim: 'static', node: 'n1', failPatch: true, onSleep: () => undefined,
      want: 'Error: binding volumes: Operation cannot be fulfilled: the object has been modified', patched: [],
    },
  ];
  for (const c of cases) {
    const h = harness({ ...base, 'pod/default/p': podObj }, c.onSleep, c.failPatch);
    const p = createVolumeBinding(c.timeout !== undefined ? { bindTimeoutSeconds: c.timeout } : {}, h.handle);
    const w = world(nodes, [], {});
    const pod = { ...w.pod('p', vol(c.claim)), uid: 'pod-uid' };
    const state = new CycleState();
    assert.equal(reason(p.preFilter(state, pod)), undefined, `${c.name}: preFilter`);
    assert.equal(reason(p.filter(state, pod, h.handle.cache.nodes.get(c.node)!)), undefined, `${c.name}: filter`);
    assert.equal(reason(p.reserve(state, pod, c.node)), undefined, `${c.name}: reserve`);
    const got = reason(await p.preBind(state, pod, c.node));
    assert.equal(got, c.want, `${c.name}: preBind got ${got}, want ${c.want}`);
    const patched = h.patches.map((x) => `${x.resource}/${x.name}`);
    assert.deepEqual(patched, c.patched, `${c.name}: patches got ${JSON.stringify(patched)}, want ${JSON.stringify(c.patched)}`);
    if (c.timeout !== undefined) assert.equal(h.sleeps, Math.ceil((c.timeout * 1000) / POLL_MS), `${c.name}: polls got ${h.sleeps}`);
  }
  const h = harness({ ...base, 'pod/default/p': podObj }, () => undefined);
  const p = createVolumeBinding({}, h.handle);
  const pod = { ...world(nodes, [], {}).pod('p', vol('static')), uid: 'pod-uid' };
  const state = new CycleState();
  p.preFilter(state, pod);
  p.filter(state, pod, h.handle.cache.nodes.get('n1')!);
  p.reserve(state, pod, 'n1');
  await p.preBind(state, pod, 'n1').then(() => undefined, () => undefined); // never resolves Bound here: first poll ends it
  const body = h.patches[0]?.body as { metadata?: { resourceVersion?: string }; spec?: { claimRef?: { name?: string; uid?: string } } } | undefined;
  assert.equal(body?.metadata?.resourceVersion, '7', `PV patch precondition: got ${body?.metadata?.resourceVersion}, want the assumed version 7`);
  assert.deepEqual([body?.spec?.claimRef?.name, body?.spec?.claimRef?.uid], ['static', 'uid-static'], `claimRef: got ${JSON.stringify(body?.spec?.claimRef)}`);
});
