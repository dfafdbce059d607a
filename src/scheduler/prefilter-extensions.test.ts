// PreFilterExtensions (AddPod/RemovePod): PodTopologySpread's and InterPodAffinity's PreFilter state
// follows the pods a what-if adds (nominated pods) or removes (preemption victims), so cluster-wide
// values (the spread minimum, affinity totals, nominated pods' own terms) are recomputed. Every case
// here had a different outcome when plugins only corrected the filtered node's own domain.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchedulingAlgorithm } from './algorithm';
import { defaultSchedulerConfig } from './config';
import { selectVictims } from './plugins/default-preemption/default-preemption';
import { world } from './plugins/fixtures';
import { ERR_AFFINITY, ERR_EXISTING_ANTI_AFFINITY } from './plugins/inter-pod-affinity/inter-pod-affinity';
import { ERR_REASON_CONSTRAINTS } from './plugins/pod-topology-spread/pod-topology-spread';
import { buildProfile } from './profile';
import { CycleState, type Affinity, type TopologySpreadConstraint } from './types';

const zoneKey = 'topology.kubernetes.io/zone';
const host = 'kubernetes.io/hostname';
const zone = (z: string, cpu = '1'): { cpu: string; labels: Record<string, string> } => ({ cpu, labels: { [zoneKey]: z } });
const spread: TopologySpreadConstraint[] = [{ maxSkew: 1, topologyKey: zoneKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }];
const web = { labels: { app: 'web' } };
const antiWeb: Affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: host }] } };
const affWebZone: Affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: zoneKey }] } };

type Bound = Array<[string, string, object]>;

function setup(nodes: Parameters<typeof world>[0], bound: Bound, nominated: Array<[string, string, object]> = []) {
  const w = world(nodes, bound);
  for (const [name, node, spec] of nominated) w.cache.nominate(w.pod(name, spec), node);
  const profile = buildProfile(defaultSchedulerConfig().profiles[0]!, w.handle);
  const algo = new SchedulingAlgorithm({ cache: w.cache, percentageOfNodesToScore: 100, techniques: { equivalenceClasses: false, scoreCache: false, sampling: false }, random: () => 0 });
  return { w, profile, algo, fw: algo.filterRunner(profile) };
}

test('filters with nominated pods added through PreFilterExtensions', () => {
  const cases: Array<{ name: string; nodes: Parameters<typeof world>[0]; bound: Bound; nominated: Array<[string, string, object]>; pod: object; want: Record<string, string | undefined> }> = [
    {
      // Zones b and c hold one web pod each, a none; a web pod is nominated to a1. With it added, the
      // least-loaded zone has 1, so a1 is within maxSkew (a stale minimum of 0 rejected it).
      name: 'PodTopologySpread: a nominated pod raises the spread minimum',
      nodes: { a1: zone('a', '4'), b1: zone('b', '4'), c1: zone('c', '4') },
      bound: [['wb', 'b1', { ...web, cpu: '100m' }], ['wc', 'c1', { ...web, cpu: '100m' }]],
      nominated: [['nom', 'a1', { ...web, cpu: '100m', priority: 10 }]],
      pod: { ...web, cpu: '100m', priority: 10, topologySpreadConstraints: spread },
      want: { a1: undefined, b1: ERR_REASON_CONSTRAINTS, c1: ERR_REASON_CONSTRAINTS },
    },
    {
      // No bound pod has anti-affinity terms; the nominated pod's own term must still repel us from n1.
      name: "InterPodAffinity: a nominated pod's required anti-affinity repels",
      nodes: { n1: { cpu: '4' }, n2: { cpu: '4' } },
      bound: [],
      nominated: [['guard', 'n1', { cpu: '100m', priority: 10, affinity: antiWeb }]],
      pod: { ...web, cpu: '100m', priority: 5 },
      want: { n1: ERR_EXISTING_ANTI_AFFINITY, n2: undefined },
    },
    {
      name: 'InterPodAffinity: a lower-priority nominated pod is ignored',
      nodes: { n1: { cpu: '4' }, n2: { cpu: '4' } },
      bound: [],
      nominated: [['guard', 'n1', { cpu: '100m', priority: 1, affinity: antiWeb }]],
      pod: { ...web, cpu: '100m', priority: 5 },
      want: { n1: undefined, n2: undefined },
    },
  ];
  for (const c of cases) {
    const { w, profile, algo } = setup(c.nodes, c.bound, c.nominated);
    const pod = w.pod('p', c.pod);
    const state = new CycleState();
    assert.equal(algo.preFilter(profile, state, pod), undefined, `${c.name}: preFilter`);
    const got = Object.fromEntries(Object.keys(c.nodes).map((n) => [n, algo.runFilters(profile, state, pod, w.node(n))?.reasons[0]]));
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

test('PodTopologySpread RemovePod recomputes the minimum over every domain, on a cloned state only', () => {
  const { w, profile, algo, fw } = setup({ a1: zone('a', '4'), b1: zone('b', '4') }, [['wa', 'a1', web], ['wb', 'b1', web]]);
  const pod = w.pod('p', { ...web, topologySpreadConstraints: spread });
  const state = new CycleState();
  algo.preFilter(profile, state, pod);
  const b1 = (s: CycleState): string | undefined => algo.runFilters(profile, s, pod, w.node('b1'))?.reasons[0];
  assert.equal(b1(state), undefined, `b1 before: got ${b1(state)}, want fits (a=1, b=1, min 1)`);
  const what = state.clone();
  const a1 = w.node('a1').clone();
  const wa = a1.removePod('default/wa')!;
  fw.removePod(what, pod, wa, a1);
  assert.equal(b1(what), ERR_REASON_CONSTRAINTS, `b1 with wa removed: got ${b1(what)}, want rejected (a=0 is the new minimum)`);
  assert.equal(b1(state), undefined, `original state after the what-if: got ${b1(state)}, want unchanged (fits)`);
  fw.addPod(what, pod, wa, a1);
  assert.equal(b1(what), undefined, `b1 with wa added back: got ${b1(what)}, want fits again`);
});

test('preemption victim selection with PreFilterExtensions', () => {
  const cases: Array<{ name: string; nodes: Parameters<typeof world>[0]; bound: Bound; nominated?: Array<[string, string, object]>; pod: object; node: string; want: string[] | undefined }> = [
    {
      // a1 is full of a low-priority non-web pod; a web pod is nominated to a1; b and c hold one web
      // pod each (high priority, full). Removing `low` makes room; with the nominated pod counted in
      // zone a the minimum is 1, so the spread allows a1.
      name: 'PodTopologySpread: candidate node with a nominated pod',
      nodes: { a1: zone('a', '1'), b1: zone('b', '1'), c1: zone('c', '1') },
      bound: [['low', 'a1', { cpu: '1', priority: 1 }], ['wb', 'b1', { ...web, cpu: '1', priority: 100 }], ['wc', 'c1', { ...web, cpu: '1', priority: 100 }]],
      nominated: [['nom', 'a1', { ...web, priority: 10 }]],
      pod: { ...web, cpu: '1', priority: 10, topologySpreadConstraints: spread },
      node: 'a1',
      want: ['default/low'],
    },
    {
      // The only pod matching the preemptor's required affinity is the low-priority pod in its way.
      // With it removed no pod matches anywhere and the preemptor matches its own term, so (as
      // upstream) the affinity is waived and the pod is a victim.
      name: 'InterPodAffinity: the affinity total follows victims (self-affinity waiver)',
      nodes: { n1: zone('z', '1'), n2: zone('z', '1') },
      bound: [['low', 'n1', { ...web, cpu: '1', priority: 1 }], ['high', 'n2', { cpu: '1', priority: 100 }]],
      pod: { ...web, cpu: '1', priority: 10, affinity: affWebZone },
      node: 'n1',
      want: ['default/low'],
    },
    {
      name: 'InterPodAffinity: a victim that another matching pod still satisfies the affinity for',
      nodes: { n1: zone('z', '1'), n2: zone('z', '1') },
      bound: [['low', 'n1', { cpu: '1', priority: 1 }], ['w', 'n2', { ...web, cpu: '1', priority: 100 }]],
      pod: { cpu: '1', priority: 10, affinity: affWebZone },
      node: 'n1',
      want: ['default/low'],
    },
  ];
  for (const c of cases) {
    const { w, profile, algo, fw } = setup(c.nodes, c.bound, c.nominated);
    const pod = w.pod('p', c.pod);
    const state = new CycleState();
    assert.equal(algo.preFilter(profile, state, pod), undefined, `${c.name}: preFilter`);
    const st = algo.runFilters(profile, state, pod, w.node(c.node));
    assert.equal(st?.code, 'Unschedulable', `${c.name}: the candidate must be rejected (and resolvable) before preemption; got ${JSON.stringify(st)}`);
    const got = selectVictims(state, pod, w.node(c.node), fw, [])?.victims.map((v) => v.key);
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

test('InterPodAffinity without the waiver: affinity to a group that does not exist stays unresolvable', () => {
  const { w, profile, algo } = setup({ n1: zone('z', '1') }, []);
  const pod = w.pod('p', { cpu: '100m', affinity: affWebZone }); // does not match its own term
  const state = new CycleState();
  algo.preFilter(profile, state, pod);
  const got = algo.runFilters(profile, state, pod, w.node('n1'));
  assert.equal(got?.reasons[0], ERR_AFFINITY, `got ${JSON.stringify(got)}, want ${ERR_AFFINITY}`);
});
