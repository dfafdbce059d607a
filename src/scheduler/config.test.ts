import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSchedulerConfig, parseSchedulerConfig, SchedulerConfigError } from './config';
import { resolvePlugins } from './profile';
import { REGISTRY } from './plugins/registry';
import { implementsPoint, type Handle } from './framework';

const HEAD = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';
const impl = (name: string, p: Parameters<typeof implementsPoint>[1]): boolean => !!REGISTRY[name] && implementsPoint(REGISTRY[name]({}, {} as Handle), p);

test('a full configuration parses: profiles, plugins per point, weights, args', () => {
  const cfg = parseSchedulerConfig(`${HEAD}percentageOfNodesToScore: 30
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packer
  plugins:
    score:
      disabled: [{name: NodeResourcesBalancedAllocation}, {name: ImageLocality}]
      enabled: [{name: NodeResourcesFit, weight: 5}]
    filter:
      disabled: [{name: TaintToleration}]
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: MostAllocated, resources: [{name: cpu, weight: 1}]}}
  - name: PodTopologySpread
    args: {defaultingType: List, defaultConstraints: [{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}]}
  - name: InterPodAffinity
    args: {hardPodAffinityWeight: 10}
`);
  assert.equal(cfg.percentageOfNodesToScore, 30, 'percentageOfNodesToScore');
  assert.deepEqual(cfg.profiles.map((p) => p.schedulerName), ['default-scheduler', 'bin-packer'], 'profiles');
  const r = resolvePlugins(cfg.profiles[1]!, impl);
  const score = r.score.map((x) => `${x.name}:${x.weight}`);
  assert.deepEqual(score, ['TaintToleration:3', 'NodeAffinity:2', 'NodeResourcesFit:5', 'PodTopologySpread:2', 'InterPodAffinity:2'], `score plugins: got ${JSON.stringify(score)}`);
  assert.ok(!r.filter.some((x) => x.name === 'TaintToleration'), 'TaintToleration filter disabled');
  const d = resolvePlugins(cfg.profiles[0]!, impl);
  assert.deepEqual(d.filter.map((x) => x.name), ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity'], `default filters: got ${JSON.stringify(d.filter.map((x) => x.name))}`);
  assert.deepEqual(d.postFilter.map((x) => x.name), ['DefaultPreemption'], 'default postFilter');
  assert.deepEqual(d.preBind.map((x) => x.name), ['VolumeBinding'], `default preBind: got ${JSON.stringify(d.preBind.map((x) => x.name))}`);
  assert.deepEqual(d.reserve.map((x) => x.name), ['VolumeBinding'], `default reserve: got ${JSON.stringify(d.reserve.map((x) => x.name))}`);
});

test('invalid configuration names the field and the reason', () => {
  const cases = [
    { name: 'wrong apiVersion', yaml: 'apiVersion: v1\nkind: KubeSchedulerConfiguration\n', want: 'apiVersion: Unsupported value: "v1"' },
    { name: 'percentage out of range', yaml: `${HEAD}percentageOfNodesToScore: 150\n`, want: 'percentageOfNodesToScore: Invalid value: 150: not in valid range [0-100]' },
    { name: 'missing schedulerName', yaml: `${HEAD}profiles:\n- plugins: {}\n`, want: 'profiles[0].schedulerName: Required value' },
    { name: 'duplicate schedulerName', yaml: `${HEAD}profiles:\n- schedulerName: a\n- schedulerName: a\n`, want: 'profiles[1].schedulerName: Duplicate value: "a"' },
    { name: 'unknown plugin', yaml: `${HEAD}profiles:\n- schedulerName: a\n  plugins:\n    filter:\n      enabled: [{name: Nope}]\n`, want: 'profiles[0].plugins.filter.enabled[0].name: Invalid value: "Nope": unknown plugin' },
    { name: 'plugin at the wrong point', yaml: `${HEAD}profiles:\n- schedulerName: a\n  plugins:\n    filter:\n      enabled: [{name: ImageLocality}]\n`, want: 'profiles[0].plugins.filter.enabled[0].name: Invalid value: "ImageLocality": plugin does not implement the filter extension point' },
    { name: 'score weight out of range', yaml: `${HEAD}profiles:\n- schedulerName: a\n  plugins:\n    score:\n      enabled: [{name: ImageLocality, weight: 500}]\n`, want: 'profiles[0].plugins.score.enabled[0].weight: Invalid value: 500: must be in the range [0, 100]' },
    { name: 'bad scoring strategy', yaml: `${HEAD}profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: Random}}\n`, want: 'profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Random"' },
    { name: 'default constraints need List', yaml: `${HEAD}profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: PodTopologySpread\n    args: {defaultConstraints: [{maxSkew: 1, topologyKey: k, whenUnsatisfiable: DoNotSchedule}]}\n`, want: 'profiles[0].pluginConfig[0].args.defaultingType: Invalid value: "System": when .defaultConstraints are not empty, defaultingType must be "List"' },
    { name: 'bad maxSkew', yaml: `${HEAD}profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: PodTopologySpread\n    args: {defaultingType: List, defaultConstraints: [{maxSkew: 0, topologyKey: k, whenUnsatisfiable: DoNotSchedule}]}\n`, want: 'profiles[0].pluginConfig[0].args.defaultConstraints[0].maxSkew: Invalid value: 0: must be greater than zero' },
    { name: 'hardPodAffinityWeight range', yaml: `${HEAD}profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: InterPodAffinity\n    args: {hardPodAffinityWeight: 101}\n`, want: 'profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]' },
    { name: 'negative bindTimeoutSeconds', yaml: `${HEAD}profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: VolumeBinding\n    args: {bindTimeoutSeconds: -1}\n`, want: 'profiles[0].pluginConfig[0].args.bindTimeoutSeconds: Invalid value: -1: invalid BindTimeoutSeconds, should not be a negative value' },
    { name: 'preBind point validated', yaml: `${HEAD}profiles:\n- schedulerName: a\n  plugins:\n    preBind:\n      enabled: [{name: ImageLocality}]\n`, want: 'profiles[0].plugins.preBind.enabled[0].name: Invalid value: "ImageLocality": plugin does not implement the preBind extension point' },
    { name: 'not YAML', yaml: 'a: [unclosed', want: 'invalid YAML' },
  ];
  for (const c of cases) {
    assert.throws(() => parseSchedulerConfig(c.yaml), (e: unknown) => {
      assert.ok(e instanceof SchedulerConfigError, `${c.name}: got ${String(e)}`);
      assert.ok(e.message.includes(c.want), `${c.name}: got "${e.message}", want it to include "${c.want}"`);
      return true;
    }, c.name);
  }
});

test('loadSchedulerConfig reads a file and reports unreadable paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sched-cfg-'));
  const p = join(dir, 'c.yaml');
  writeFileSync(p, `${HEAD}profiles:\n- schedulerName: mine\n`);
  assert.equal(loadSchedulerConfig(p).profiles[0]?.schedulerName, 'mine', 'profile from file');
  assert.throws(() => loadSchedulerConfig(join(dir, 'missing.yaml')), /missing\.yaml/, 'names the missing file');
});
