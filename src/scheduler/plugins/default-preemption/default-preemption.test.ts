import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchedulingAlgorithm } from '../../algorithm';
import { defaultSchedulerConfig } from '../../config';
import { buildProfile } from '../../profile';
import { CycleState, type Status } from '../../types';
import { world } from '../fixtures';
import { createDefaultPreemption, NOT_ELIGIBLE, NOT_ELIGIBLE_TERMINATING, NOT_HELPFUL, selectVictims, type Pdb } from './default-preemption';

function setup(bound: Array<[string, string, object]>) {
  const w = world({ n1: { cpu: '4' }, n2: { cpu: '4' } }, bound);
  const profile = buildProfile(defaultSchedulerConfig().profiles[0]!, w.handle);
  const algo = new SchedulingAlgorithm({ cache: w.cache, percentageOfNodesToScore: 100, techniques: { equivalenceClasses: false, scoreCache: false, sampling: false }, random: () => 0 });
  const fw = algo.filterRunner(profile);
  return { w, profile, algo, fw };
}

test('selectVictims picks the minimal, least important set', () => {
  const cases: Array<{ name: string; bound: Array<[string, string, object]>; pdbs?: Pdb[]; pod: object; want: string[] | undefined }> = [
    { name: 'one low pod is enough; the higher one is reprieved', bound: [['low', 'n1', { cpu: '2', priority: 1 }], ['mid', 'n1', { cpu: '2', priority: 5 }]], pod: { cpu: '2', priority: 10 }, want: ['default/low'] },
    { name: 'needs both', bound: [['a', 'n1', { cpu: '2', priority: 1 }], ['b', 'n1', { cpu: '2', priority: 2 }]], pod: { cpu: '4', priority: 10 }, want: ['default/b', 'default/a'] },
    { name: 'equal priority is never a victim', bound: [['eq', 'n1', { cpu: '4', priority: 10 }]], pod: { cpu: '1', priority: 10 }, want: undefined },
    { name: 'anti-affinity conflict: the conflicting pod is the victim', bound: [['db', 'n1', { cpu: '100m', priority: 1, labels: { app: 'db' } }], ['other', 'n1', { cpu: '100m', priority: 1 }]], pod: { cpu: '100m', priority: 10, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }] } } }, want: ['default/db'] },
    { name: 'PDB-protected pod is spared when another will do', bound: [['prot', 'n1', { cpu: '2', priority: 1, labels: { app: 'p' } }], ['free', 'n1', { cpu: '2', priority: 3 }]], pdbs: [{ namespace: 'default', selector: { matchLabels: { app: 'p' } }, disruptionsAllowed: 0 }], pod: { cpu: '2', priority: 10 }, want: ['default/free'] },
  ];
  for (const c of cases) {
    const { w, fw, profile, algo } = setup(c.bound);
    const pod = w.pod('p', c.pod);
    const state = new CycleState();
    assert.equal(algo.preFilter(profile, state, pod), undefined, `${c.name}: preFilter`);
    const got = selectVictims(state, pod, w.node('n1'), fw, c.pdbs ?? []);
    assert.deepEqual(got?.victims.map((v) => v.key), c.want, `${c.name}: got ${JSON.stringify(got?.victims.map((v) => v.key))}, want ${JSON.stringify(c.want)}`);
  }
});

test('postFilter nominates the cheapest node and explains when preemption cannot help', () => {
  const { w, fw } = setup([['a', 'n1', { cpu: '4', priority: 5 }], ['b', 'n2', { cpu: '4', priority: 1 }]]);
  const pf = createDefaultPreemption({}, w.handle);
  const insufficient: Status = { code: 'Unschedulable', reasons: ['Insufficient cpu'], plugin: 'NodeResourcesFit' };
  const res = pf.postFilter(new CycleState(), w.pod('p', { cpu: '4', priority: 10 }), new Map([['n1', insufficient], ['n2', insufficient]]), fw);
  assert.equal(res.nominatedNodeName, 'n2', `nominated: got ${res.nominatedNodeName}, want n2 (lower-priority victim)`);
  const taint: Status = { code: 'UnschedulableAndUnresolvable', reasons: ['x'], plugin: 'TaintToleration' };
  const none = pf.postFilter(new CycleState(), w.pod('p', { cpu: '4', priority: 10 }), new Map([['n1', taint], ['n2', taint]]), fw);
  assert.equal(none.status.reasons[0], `preemption: 0/2 nodes are available: 2 ${NOT_HELPFUL}.`, `message: got ${none.status.reasons[0]}`);
  const never = pf.postFilter(new CycleState(), w.pod('p', { cpu: '4', priority: 10, preemptionPolicy: 'Never' }), new Map([['n1', insufficient]]), fw);
  assert.equal(never.nominatedNodeName, undefined, 'preemptionPolicy Never must not preempt');
  assert.deepEqual(never.status.reasons, [`preemption: ${NOT_ELIGIBLE}`], `Never message: got ${JSON.stringify(never.status.reasons)}`);
});

test('postFilter waits for victims preempted on the nominated node (PodEligibleToPreemptOthers)', () => {
  const deleting = { metadata: { deletionTimestamp: '2025-01-01T00:00:00Z' } };
  const byPreemption = { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' };
  const insufficient: Status = { code: 'Unschedulable', reasons: ['Insufficient cpu'], plugin: 'NodeResourcesFit' };
  const unresolvable: Status = { code: 'UnschedulableAndUnresolvable', reasons: ['x'], plugin: 'NodeAffinity' };
  const cases: Array<{ name: string; conditions: object[]; n1: Status; wantMsg?: string; wantNominated?: string }> = [
    { name: 'victim terminating by preemption: not eligible, keeps waiting', conditions: [byPreemption], n1: insufficient, wantMsg: `preemption: ${NOT_ELIGIBLE_TERMINATING}` },
    { name: 'terminating for another reason: preempts again', conditions: [], n1: insufficient, wantNominated: 'n2' },
    { name: 'nominated node now unresolvable: preempts elsewhere', conditions: [byPreemption], n1: unresolvable, wantNominated: 'n2' },
  ];
  for (const c of cases) {
    const { w, fw } = setup([]);
    const going = w.pod('going', { cpu: '4', priority: 1 });
    const pod = { ...going, pod: { ...going.pod, metadata: { ...going.pod.metadata, ...deleting.metadata }, status: { conditions: c.conditions as never } } };
    w.cache.addPod(pod, 'n1');
    w.cache.addPod(w.pod('other', { cpu: '4', priority: 1 }), 'n2');
    const pf = createDefaultPreemption({}, w.handle);
    const pre = w.pod('p', { cpu: '4', priority: 10 });
    const preemptor = { ...pre, pod: { ...pre.pod, status: { nominatedNodeName: 'n1' } } };
    const res = pf.postFilter(new CycleState(), preemptor, new Map([['n1', c.n1], ['n2', insufficient]]), fw);
    assert.equal(res.nominatedNodeName, c.wantNominated, `${c.name}: nominated: got ${res.nominatedNodeName}, want ${c.wantNominated}`);
    if (c.wantMsg) assert.deepEqual(res.status.reasons, [c.wantMsg], `${c.name}: reasons: got ${JSON.stringify(res.status.reasons)}, want ${c.wantMsg}`);
  }
});
