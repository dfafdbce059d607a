import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../common/types';
import type { DaemonSet } from './daemonset';
import { planSurge, planUnavailable, rollingCounts, type NodePods } from './rolling';

const p = (name: string, ok: boolean): Pod => ({ metadata: { name, labels: { ok: String(ok) } } });
const available = (x: Pod): boolean => x.metadata.labels?.ok === 'true';
const names = (xs: Pod[]): string[] => xs.map((x) => x.metadata.name ?? '');

test('daemonset rolling: counts', async (t) => {
  const ds = (ru: Record<string, number | string>): DaemonSet => ({ metadata: {}, spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: ru } } });
  const cases: Array<{ name: string; ru: Record<string, number | string>; desired: number; want: [number, number] }> = [
    { name: 'defaults: surge 0, unavailable 1', ru: {}, desired: 10, want: [0, 1] },
    { name: 'percent unavailable rounds up', ru: { maxUnavailable: '25%' }, desired: 10, want: [0, 3] },
    { name: 'percent surge rounds up', ru: { maxSurge: '10%', maxUnavailable: 0 }, desired: 15, want: [2, 0] },
    { name: 'both zero behaves as unavailable 1', ru: { maxSurge: 0, maxUnavailable: 0 }, desired: 3, want: [0, 1] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = rollingCounts(ds(c.ru), c.desired);
      assert.deepEqual([got.maxSurge, got.maxUnavailable], c.want, `got ${JSON.stringify(got)}`);
    });
  }
});

test('daemonset rolling: maxSurge plan', async (t) => {
  const cases: Array<{ name: string; nodes: NodePods[]; maxSurge: number; wantCreate: string[]; wantRemove: string[] }> = [
    { name: 'old available pods: new pods beside them on maxSurge nodes, nothing deleted', nodes: [{ node: 'a', oldPod: p('oa', true) }, { node: 'b', oldPod: p('ob', true) }, { node: 'c', oldPod: p('oc', true) }], maxSurge: 2, wantCreate: ['a', 'b'], wantRemove: [] },
    { name: 'a new pod not yet available holds a surge slot', nodes: [{ node: 'a', oldPod: p('oa', true), newPod: p('na', false) }, { node: 'b', oldPod: p('ob', true) }], maxSurge: 1, wantCreate: [], wantRemove: [] },
    { name: 'the new pod is available: the old one goes', nodes: [{ node: 'a', oldPod: p('oa', true), newPod: p('na', true) }, { node: 'b', oldPod: p('ob', true) }], maxSurge: 1, wantCreate: ['b'], wantRemove: ['oa'] },
    { name: 'an unavailable old pod is replaced beyond the surge budget', nodes: [{ node: 'a', oldPod: p('oa', true), newPod: p('na', false) }, { node: 'b', oldPod: p('ob', false) }], maxSurge: 1, wantCreate: ['b'], wantRemove: [] },
    { name: 'up-to-date nodes are left alone', nodes: [{ node: 'a', newPod: p('na', true) }], maxSurge: 1, wantCreate: [], wantRemove: [] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = planSurge(c.nodes, c.maxSurge, available);
      assert.deepEqual([got.create, names(got.remove)], [c.wantCreate, c.wantRemove], `got create ${JSON.stringify(got.create)} remove ${JSON.stringify(names(got.remove))}`);
    });
  }
});

test('daemonset rolling: maxUnavailable plan', async (t) => {
  const cases: Array<{ name: string; nodes: NodePods[]; maxUnavailable: number; empty: number; wantRemove: string[] }> = [
    { name: 'available old pods within the budget', nodes: [{ node: 'a', oldPod: p('oa', true) }, { node: 'b', oldPod: p('ob', true) }, { node: 'c', oldPod: p('oc', true) }], maxUnavailable: 2, empty: 0, wantRemove: ['oa', 'ob'] },
    { name: 'an unavailable new pod uses the budget', nodes: [{ node: 'a', newPod: p('na', false) }, { node: 'b', oldPod: p('ob', true) }], maxUnavailable: 1, empty: 0, wantRemove: [] },
    { name: 'an empty node uses the budget', nodes: [{ node: 'b', oldPod: p('ob', true) }], maxUnavailable: 1, empty: 1, wantRemove: [] },
    { name: 'unavailable old pods go regardless', nodes: [{ node: 'a', newPod: p('na', false) }, { node: 'b', oldPod: p('ob', false) }], maxUnavailable: 1, empty: 0, wantRemove: ['ob'] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = planUnavailable(c.nodes, c.maxUnavailable, c.empty, available);
      assert.deepEqual([got.create, names(got.remove)], [[], c.wantRemove], `got remove ${JSON.stringify(names(got.remove))}`);
    });
  }
});
