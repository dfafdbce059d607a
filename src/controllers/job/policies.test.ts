import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../common/types';
import { matchPodFailurePolicy, matchSuccessPolicy } from './policies';
import { parseIndexes } from './indexes';
import type { JobSpec, PodFailurePolicyRule } from './types';

const failedPod = (exit: Record<string, number>, conditions: Array<[string, string]> = [], init: Record<string, number> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'ns' },
  status: {
    phase: 'Failed',
    containerStatuses: Object.entries(exit).map(([name, exitCode]) => ({ name, state: { terminated: { exitCode } } })),
    initContainerStatuses: Object.entries(init).map(([name, exitCode]) => ({ name, state: { terminated: { exitCode } } })),
    conditions: conditions.map(([type, status]) => ({ type, status: status as 'True' })),
  },
});

test('matchPodFailurePolicy', async (t) => {
  const rules = (...r: PodFailurePolicyRule[]): JobSpec => ({ podFailurePolicy: { rules: r } });
  const cases: Array<{ name: string; spec: JobSpec; pod: Pod; wantAction?: string; wantCount: boolean; wantMsg?: string }> = [
    { name: 'no policy: counts', spec: {}, pod: failedPod({ c: 1 }), wantCount: true },
    { name: 'exit code In matches FailJob', spec: rules({ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }), pod: failedPod({ c: 42 }), wantAction: 'FailJob', wantCount: true, wantMsg: 'Container c for pod ns/p failed with exit code 42 matching FailJob rule at index 0' },
    { name: 'exit code In does not match', spec: rules({ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }), pod: failedPod({ c: 1 }), wantCount: true },
    { name: 'NotIn matches other codes', spec: rules({ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1, 2] } }), pod: failedPod({ c: 3 }), wantAction: 'Ignore', wantCount: false },
    { name: 'NotIn never matches exit code 0', spec: rules({ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1] } }), pod: failedPod({ c: 0 }), wantCount: true },
    { name: 'containerName restricts the match', spec: rules({ action: 'FailJob', onExitCodes: { containerName: 'b', operator: 'In', values: [5] } }), pod: failedPod({ a: 5, b: 1 }), wantCount: true },
    { name: 'init containers are checked too', spec: rules({ action: 'Count', onExitCodes: { operator: 'In', values: [7] } }), pod: failedPod({}, [], { init: 7 }), wantAction: 'Count', wantCount: true },
    { name: 'DisruptionTarget condition ignored', spec: rules({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }), pod: failedPod({ c: 137 }, [['DisruptionTarget', 'True']]), wantAction: 'Ignore', wantCount: false },
    { name: 'condition status must match', spec: rules({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }), pod: failedPod({ c: 1 }, [['DisruptionTarget', 'False']]), wantCount: true },
    { name: 'the first matching rule wins', spec: rules({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }, { action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }), pod: failedPod({ c: 1 }, [['DisruptionTarget', 'True']]), wantAction: 'Ignore', wantCount: false },
    { name: 'FailJob on a condition says so', spec: rules({ action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue' }] }), pod: failedPod({}, [['ConfigIssue', 'True']]), wantAction: 'FailJob', wantCount: true, wantMsg: 'Pod ns/p has condition ConfigIssue matching FailJob rule at index 0' },
    { name: 'FailIndex without backoffLimitPerIndex is skipped', spec: rules({ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }), pod: failedPod({ c: 1 }), wantCount: true },
    { name: 'FailIndex with backoffLimitPerIndex', spec: { ...rules({ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }), backoffLimitPerIndex: 2 }, pod: failedPod({ c: 1 }), wantAction: 'FailIndex', wantCount: true },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = matchPodFailurePolicy(c.spec, c.pod);
      assert.deepEqual([got.action, got.countFailed, got.failJobMessage], [c.wantAction, c.wantCount, c.wantMsg], `got ${JSON.stringify(got)}`);
    });
  }
});

test('matchSuccessPolicy', async (t) => {
  const spec = (rules: NonNullable<JobSpec['successPolicy']>['rules']): JobSpec => ({ completionMode: 'Indexed', completions: 10, successPolicy: { rules } });
  const cases: Array<{ name: string; spec: JobSpec; done: string; want: number | undefined }> = [
    { name: 'no policy', spec: { completionMode: 'Indexed', completions: 3 }, done: '0-2', want: undefined },
    { name: 'all of succeededIndexes', spec: spec([{ succeededIndexes: '0,2-3' }]), done: '0,2-3,7', want: 0 },
    { name: 'not all of succeededIndexes', spec: spec([{ succeededIndexes: '0,2-3' }]), done: '0,2', want: undefined },
    { name: 'succeededCount within succeededIndexes', spec: spec([{ succeededIndexes: '0-4', succeededCount: 2 }]), done: '1,4,8', want: 0 },
    { name: 'succeededCount alone', spec: spec([{ succeededIndexes: '9' }, { succeededCount: 3 }]), done: '1,4,8', want: 1 },
    { name: 'succeededCount not reached', spec: spec([{ succeededCount: 4 }]), done: '1,4,8', want: undefined },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = matchSuccessPolicy(c.spec, parseIndexes(c.done));
      assert.equal(got, c.want, `got rule ${got}, want ${c.want}`);
    });
  }
});
