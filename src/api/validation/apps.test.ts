import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDefaults } from '../defaults';
import { formatFieldError, invalidMessage } from './field-error';
import { validateCreate, validateUpdate } from './index';

type Obj = Record<string, unknown>;

function workload(kind: string, group: string, spec: Obj): Obj {
  const o: Obj = { metadata: { name: 'web', namespace: 'default', uid: 'u', resourceVersion: '1' }, spec };
  applyDefaults(group, 'v1', kind, o);
  return o;
}
const template = (labels: Obj = { app: 'web' }, spec: Obj = {}): Obj => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x:1' }], ...spec } });
const sel = (labels: Obj = { app: 'web' }): Obj => ({ matchLabels: labels });

describe('workload create validation', () => {
  const cases: Array<{ name: string; group: string; kind: string; spec: Obj; want: string[] }> = [
    { name: 'valid deployment', group: 'apps', kind: 'Deployment', spec: { selector: sel(), template: template() }, want: [] },
    {
      name: 'deployment selector does not match',
      group: 'apps',
      kind: 'Deployment',
      spec: { selector: sel(), template: template({ app: 'other' }) },
      want: ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`'],
    },
    {
      name: 'deployment without selector',
      group: 'apps',
      kind: 'Deployment',
      spec: { template: template() },
      want: ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
    },
    {
      name: 'negative replicas',
      group: 'apps',
      kind: 'Deployment',
      spec: { replicas: -1, selector: sel(), template: template() },
      want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    },
    {
      name: 'maxSurge and maxUnavailable both 0',
      group: 'apps',
      kind: 'Deployment',
      spec: { selector: sel(), template: template(), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } },
      want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'],
    },
    {
      name: 'bad percentage',
      group: 'apps',
      kind: 'Deployment',
      spec: { selector: sel(), template: template(), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '10', maxUnavailable: '120%' } } },
      want: [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: 10: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 120%: must not be greater than 100%',
      ],
    },
    {
      name: 'template restartPolicy must be Always',
      group: 'apps',
      kind: 'ReplicaSet',
      spec: { selector: sel(), template: template({ app: 'web' }, { restartPolicy: 'Never' }) },
      want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    },
    {
      name: 'statefulset empty selector',
      group: 'apps',
      kind: 'StatefulSet',
      spec: { selector: {}, template: template(), serviceName: 'web' },
      want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset'],
    },
    {
      name: 'statefulset claim templates count as volumes',
      group: 'apps',
      kind: 'StatefulSet',
      spec: {
        selector: sel(),
        template: template({ app: 'web' }, { containers: [{ name: 'c', image: 'x:1', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] }),
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
      want: [],
    },
    {
      name: 'daemonset surge and unavailable both set',
      group: 'apps',
      kind: 'DaemonSet',
      spec: { selector: sel(), template: template(), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } },
      want: ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero'],
    },
    { name: 'valid replication controller', group: '', kind: 'ReplicationController', spec: { template: template() }, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = workload(c.kind, c.group, c.spec);
      const got = validateCreate(c.group, c.kind, o, { namespaced: true }).map(formatFieldError);
      assert.deepEqual(got, c.want, `got ${JSON.stringify(got, null, 1)}\nwant ${JSON.stringify(c.want, null, 1)}`);
    });
  }
});

describe('workload update validation', () => {
  it('apps/v1 selector is immutable, with the upstream message', () => {
    const old = workload('Deployment', 'apps', { selector: sel(), template: template() });
    const upd = workload('Deployment', 'apps', { selector: sel({ app: 'web2' }), template: template({ app: 'web2' }) });
    const errs = validateUpdate('apps', 'Deployment', upd, old, { namespaced: true });
    const got = invalidMessage('Deployment', 'web', errs, 'apps');
    const want =
      'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable';
    assert.equal(got, want, `got ${got}`);
  });
  it('scaling a deployment is fine', () => {
    const old = workload('Deployment', 'apps', { selector: sel(), template: template() });
    const upd = workload('Deployment', 'apps', { replicas: 5, selector: sel(), template: template() });
    const got = validateUpdate('apps', 'Deployment', upd, old, { namespaced: true });
    assert.deepEqual(got, []);
  });
  it('statefulset serviceName is immutable', () => {
    const old = workload('StatefulSet', 'apps', { selector: sel(), template: template(), serviceName: 'a' });
    const upd = workload('StatefulSet', 'apps', { selector: sel(), template: template(), serviceName: 'b' });
    const got = validateUpdate('apps', 'StatefulSet', upd, old, { namespaced: true }).map(formatFieldError);
    assert.equal(got.length, 1, `got ${JSON.stringify(got)}`);
    assert.match(got[0] ?? '', /^spec: Forbidden: updates to statefulset spec for fields other than 'replicas'/);
  });
  it('scale subresource runs the full rules', () => {
    const old = workload('Deployment', 'apps', { selector: sel(), template: template() });
    const upd = structuredClone(old);
    (upd.spec as Obj).replicas = -2;
    const got = validateUpdate('apps', 'Deployment', upd, old, { namespaced: true, subresource: 'scale' }).map(formatFieldError);
    assert.deepEqual(got, ['spec.replicas: Invalid value: -2: must be greater than or equal to 0']);
  });
  it('status subresource checks status only', () => {
    const old = workload('Deployment', 'apps', { selector: sel(), template: template() });
    const upd = structuredClone(old);
    upd.status = { replicas: -1 };
    const got = validateUpdate('apps', 'Deployment', upd, old, { namespaced: true, subresource: 'status' }).map(formatFieldError);
    assert.deepEqual(got, ['status.replicas: Invalid value: -1: must be greater than or equal to 0']);
  });
});
