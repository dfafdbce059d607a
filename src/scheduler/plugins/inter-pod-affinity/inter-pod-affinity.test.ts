import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState, type Affinity, type PodAffinityTerm } from '../../types';
import { world } from '../fixtures';
import { createInterPodAffinity, ERR_AFFINITY, ERR_ANTI_AFFINITY, ERR_EXISTING_ANTI_AFFINITY } from './inter-pod-affinity';

const host = 'kubernetes.io/hostname';
const zoneKey = 'topology.kubernetes.io/zone';
const anti = (app: string, key = host): Affinity => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: key }] } });
const aff = (app: string, key = host): Affinity => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: key }] } });

test('InterPodAffinity filter', () => {
  const nodes = { n1: { labels: { [zoneKey]: 'a' } }, n2: { labels: { [zoneKey]: 'a' } }, n3: { labels: { [zoneKey]: 'b' } } };
  const cases: Array<{ name: string; bound: Array<[string, string, object]>; pod: object; want: Record<string, string | undefined> }> = [
    { name: 'anti-affinity on hostname', bound: [['db0', 'n1', { labels: { app: 'db' } }]], pod: { labels: { app: 'db' }, affinity: anti('db') }, want: { n1: ERR_ANTI_AFFINITY, n2: undefined, n3: undefined } },
    { name: 'anti-affinity on zone', bound: [['db0', 'n1', { labels: { app: 'db' } }]], pod: { labels: { app: 'db' }, affinity: anti('db', zoneKey) }, want: { n1: ERR_ANTI_AFFINITY, n2: ERR_ANTI_AFFINITY, n3: undefined } },
    { name: 'existing pod anti-affinity repels us', bound: [['guard', 'n3', { labels: { app: 'guard' }, affinity: anti('web') }]], pod: { labels: { app: 'web' } }, want: { n1: undefined, n2: undefined, n3: ERR_EXISTING_ANTI_AFFINITY } },
    { name: 'affinity to a zone with the target', bound: [['cache', 'n3', { labels: { app: 'cache' } }]], pod: { affinity: aff('cache', zoneKey) }, want: { n1: ERR_AFFINITY, n2: ERR_AFFINITY, n3: undefined } },
    { name: 'first pod of a self-affine group may go anywhere', bound: [], pod: { labels: { app: 'x' }, affinity: aff('x') }, want: { n1: undefined, n2: undefined, n3: undefined } },
    { name: 'affinity to a missing group fails everywhere', bound: [], pod: { affinity: aff('nothing') }, want: { n1: ERR_AFFINITY, n2: ERR_AFFINITY, n3: ERR_AFFINITY } },
  ];
  for (const c of cases) {
    const w = world(nodes, c.bound);
    const p = createInterPodAffinity({}, w.handle);
    const pod = w.pod('p', c.pod);
    const state = new CycleState();
    p.preFilter(state, pod);
    const got = Object.fromEntries(Object.keys(nodes).map((n) => [n, p.filter(state, pod, w.node(n))?.reasons[0]]));
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

test('InterPodAffinity score: preferred affinity attracts, preferred anti-affinity repels', () => {
  const w = world({ n1: {}, n2: {} }, [['c', 'n1', { labels: { app: 'cache' } }]]);
  const p = createInterPodAffinity({}, w.handle);
  const term = { labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: host };
  const cases = [
    { name: 'affinity', affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term }] } }, want: [100, 0] },
    { name: 'anti-affinity', affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term }] } }, want: [0, 100] },
  ];
  for (const c of cases) {
    const pod = w.pod('p', { affinity: c.affinity });
    const state = new CycleState();
    const nodes = [w.node('n1'), w.node('n2')];
    p.preScore(state, pod, nodes);
    const scores = nodes.map((n) => p.score(state, pod, n));
    p.normalizeScore!(state, pod, scores);
    assert.deepEqual(scores, c.want, `${c.name}: got ${JSON.stringify(scores)}, want ${JSON.stringify(c.want)}`);
  }
});

test('InterPodAffinity: several required affinity terms need pods matching all of them (as upstream)', () => {
  const nodes = { n1: { labels: { [zoneKey]: 'a' } }, n2: { labels: { [zoneKey]: 'b' } } };
  const terms: PodAffinityTerm[] = [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: zoneKey }, { labelSelector: { matchLabels: { tier: 'front' } }, topologyKey: zoneKey }];
  const cases: Array<{ name: string; bound: Array<[string, string, object]>; want: Record<string, string | undefined> }> = [
    {
      name: 'zone a has a web pod and a front pod, zone b one pod that is both',
      bound: [['w', 'n1', { labels: { app: 'web' } }], ['f', 'n1', { labels: { tier: 'front' } }], ['both', 'n2', { labels: { app: 'web', tier: 'front' } }]],
      want: { n1: ERR_AFFINITY, n2: undefined },
    },
    { name: 'no pod matches both terms anywhere', bound: [['w', 'n1', { labels: { app: 'web' } }], ['f', 'n2', { labels: { tier: 'front' } }]], want: { n1: ERR_AFFINITY, n2: ERR_AFFINITY } },
  ];
  for (const c of cases) {
    const w = world(nodes, c.bound);
    const p = createInterPodAffinity({}, w.handle);
    const pod = w.pod('p', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } } });
    const state = new CycleState();
    p.preFilter(state, pod);
    const got = Object.fromEntries(Object.keys(nodes).map((n) => [n, p.filter(state, pod, w.node(n))?.reasons[0]]));
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

test('InterPodAffinity: namespaceSelector selects namespaces by their labels', () => {
  const nodes = { n1: {}, n2: {} };
  const antiIn = (sel: Record<string, string> | undefined): Affinity => ({
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: host, ...(sel ? { namespaceSelector: { matchLabels: sel } } : {}) }] },
  });
  const cases: Array<{ name: string; bound: Array<[string, string, object]>; pod: object; want: Record<string, string | undefined> }> = [
    { name: "selector matching the db pod's namespace", bound: [['db0', 'n1', { namespace: 'team-a', labels: { app: 'db' } }]], pod: { affinity: antiIn({ team: 'a' }) }, want: { n1: ERR_ANTI_AFFINITY, n2: undefined } },
    { name: 'selector matching another namespace', bound: [['db0', 'n1', { namespace: 'team-a', labels: { app: 'db' } }]], pod: { affinity: antiIn({ team: 'b' }) }, want: { n1: undefined, n2: undefined } },
    { name: "no selector: the pod's own namespace only", bound: [['db0', 'n1', { namespace: 'team-a', labels: { app: 'db' } }]], pod: { affinity: antiIn(undefined) }, want: { n1: undefined, n2: undefined } },
    {
      name: "an existing pod's term selects the incoming pod's namespace by label",
      bound: [['guard', 'n2', { namespace: 'team-a', labels: { app: 'guard' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: host, namespaceSelector: { matchLabels: { env: 'prod' } } }] } } }]],
      pod: { labels: { app: 'web' } }, want: { n1: undefined, n2: ERR_EXISTING_ANTI_AFFINITY },
    },
  ];
  for (const c of cases) {
    const w = world(nodes, c.bound);
    w.cache.namespaceLabels.set('team-a', { team: 'a' });
    w.cache.namespaceLabels.set('default', { env: 'prod' });
    const p = createInterPodAffinity({}, w.handle);
    const pod = w.pod('p', c.pod);
    const state = new CycleState();
    p.preFilter(state, pod);
    const got = Object.fromEntries(Object.keys(nodes).map((n) => [n, p.filter(state, pod, w.node(n))?.reasons[0]]));
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});
