import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDefaults } from '../defaults';
import { formatFieldError } from './field-error';
import { inheritImmutableMeta, validateCreate, validateUpdate } from './index';

type Obj = Record<string, unknown>;
const UID = '0b6c7d0e-1111-2222-3333-444455556666';
const podTemplate = (labels: Obj, extra: Obj = {}): Obj => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox:1' }], ...extra } });
const jobLabels = { 'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': 'j', 'controller-uid': UID, 'job-name': 'j' };
const job = (extra: Obj = {}, tmpl: Obj = { restartPolicy: 'Never' }): Obj => ({
  metadata: { name: 'j', namespace: 'default', uid: UID },
  spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } }, template: podTemplate(jobLabels, tmpl), ...extra },
});
const meta = (name: string, namespace?: string): Obj => (namespace === undefined ? { name } : { name, namespace });

interface Case {
  name: string;
  group: string;
  kind: string;
  version?: string;
  namespaced?: boolean;
  obj: Obj;
  want: string[];
}

const cases: Case[] = [
  { name: 'job valid', group: 'batch', kind: 'Job', obj: job(), want: [] },
  {
    name: 'job with defaulted restartPolicy Always',
    group: 'batch',
    kind: 'Job',
    obj: job({}, {}),
    want: ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
  },
  {
    name: 'job negative backoffLimit and bad completionMode',
    group: 'batch',
    kind: 'Job',
    obj: job({ backoffLimit: -1, completionMode: 'Sometimes' }),
    want: [
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
    ],
  },
  {
    name: 'cronjob valid',
    group: 'batch',
    kind: 'CronJob',
    obj: { metadata: meta('cj', 'default'), spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: podTemplate({}, { restartPolicy: 'OnFailure' }) } } } },
    want: [],
  },
  {
    name: 'cronjob bad schedule',
    group: 'batch',
    kind: 'CronJob',
    obj: { metadata: meta('cj', 'default'), spec: { schedule: '* * *', jobTemplate: { spec: { template: podTemplate({}, { restartPolicy: 'OnFailure' }) } } } },
    want: ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]'],
  },
  {
    name: 'cronjob minute out of range and long name',
    group: 'batch',
    kind: 'CronJob',
    obj: { metadata: meta('a'.repeat(53), 'default'), spec: { schedule: '61 * * * *', jobTemplate: { spec: { template: podTemplate({}, { restartPolicy: 'Never' }) } } } },
    want: ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61', `metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`],
  },
  { name: 'service valid', group: '', kind: 'Service', obj: { metadata: meta('web', 'default'), spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }, want: [] },
  { name: 'headless service needs no ports', group: '', kind: 'Service', obj: { metadata: meta('web', 'default'), spec: { clusterIP: 'None' } }, want: [] },
  {
    name: 'service without ports',
    group: '',
    kind: 'Service',
    obj: { metadata: meta('web', 'default'), spec: {} },
    want: ['spec.ports: Required value'],
  },
  {
    name: 'service name must be a DNS-1035 label',
    group: '',
    kind: 'Service',
    obj: { metadata: meta('1web', 'default'), spec: { ports: [{ port: 80 }] } },
    want: [
      `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ],
  },
  {
    name: 'service with several unnamed ports and a bad port',
    group: '',
    kind: 'Service',
    obj: { metadata: meta('web', 'default'), spec: { ports: [{ port: 80 }, { port: 0, targetPort: 8080 }] } },
    want: ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value', 'spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive'],
  },
  {
    name: 'service nodePort on ClusterIP',
    group: '',
    kind: 'Service',
    obj: { metadata: meta('web', 'default'), spec: { ports: [{ port: 80, nodePort: 30080 }] } },
    want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
  },
  {
    name: 'configmap bad key',
    group: '',
    kind: 'ConfigMap',
    obj: { metadata: meta('cm', 'default'), data: { 'a b': 'x' } },
    want: [
      `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ],
  },
  {
    name: 'configmap too large',
    group: '',
    kind: 'ConfigMap',
    obj: { metadata: meta('cm', 'default'), data: { a: 'x'.repeat(1024 * 1024 + 1) } },
    want: [': Too long: must have at most 1048576 bytes'],
  },
  {
    name: 'managedFields operation',
    group: '',
    kind: 'ConfigMap',
    obj: { metadata: { name: 'cm', namespace: 'default', managedFields: [{ manager: 'kubectl', operation: 'Patch', fieldsType: 'FieldsV1' }] } },
    want: ['metadata.managedFields[0].operation: Invalid value: "Patch": must be `Apply` or `Update`'],
  },
  {
    name: 'tls secret without keys',
    group: '',
    kind: 'Secret',
    obj: { metadata: meta('s', 'default'), type: 'kubernetes.io/tls', data: {} },
    want: ['data[tls.crt]: Required value', 'data[tls.key]: Required value'],
  },
  {
    name: 'namespace name is a DNS label and has no namespace',
    group: '',
    kind: 'Namespace',
    namespaced: false,
    obj: { metadata: { name: 'a.b', namespace: 'x' } },
    want: ['metadata.name: Invalid value: "a.b": must not contain dots', 'metadata.namespace: Forbidden: not allowed on this type'],
  },
  {
    name: 'pvc without storage request',
    group: '',
    kind: 'PersistentVolumeClaim',
    obj: { metadata: meta('data', 'default'), spec: { accessModes: ['ReadWriteOnce'] } },
    want: ['spec.resources[storage]: Required value'],
  },
  {
    name: 'pvc without access modes',
    group: '',
    kind: 'PersistentVolumeClaim',
    obj: { metadata: meta('data', 'default'), spec: { resources: { requests: { storage: '1Gi' } } } },
    want: ['spec.accessModes: Required value: at least 1 access mode is required'],
  },
  {
    name: 'rolebinding bad roleRef',
    group: 'rbac.authorization.k8s.io',
    kind: 'RoleBinding',
    obj: { metadata: meta('rb', 'default'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Pod', name: 'x' }, subjects: [{ kind: 'User', name: 'alice' }] },
    want: ['roleRef.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole"'],
  },
  {
    name: 'clusterrole rule without verbs',
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    namespaced: false,
    obj: { metadata: { name: 'system:thing' }, rules: [{ apiGroups: [''], resources: ['pods'] }] },
    want: ['rules[0].verbs: Required value: verbs must contain at least one value'],
  },
  {
    name: 'priorityclass value too high',
    group: 'scheduling.k8s.io',
    kind: 'PriorityClass',
    namespaced: false,
    obj: { metadata: { name: 'high' }, value: 2000000000 },
    want: ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000'],
  },
  {
    name: 'pdb with both bounds',
    group: 'policy',
    kind: 'PodDisruptionBudget',
    obj: { metadata: meta('pdb', 'default'), spec: { minAvailable: 1, maxUnavailable: 1, selector: { matchLabels: { a: 'b' } } } },
    want: ['spec: Invalid value: policy.PodDisruptionBudgetSpec{...}: minAvailable and maxUnavailable cannot be both set'],
  },
  {
    name: 'hpa max below min',
    group: 'autoscaling',
    kind: 'HorizontalPodAutoscaler',
    version: 'v2',
    obj: { metadata: meta('h', 'default'), spec: { minReplicas: 3, maxReplicas: 2, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } } },
    want: ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`'],
  },
  {
    name: 'ingress path without pathType',
    group: 'networking.k8s.io',
    kind: 'Ingress',
    obj: { metadata: meta('ing', 'default'), spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } },
    want: ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified'],
  },
  {
    name: 'networkpolicy empty peer',
    group: 'networking.k8s.io',
    kind: 'NetworkPolicy',
    obj: { metadata: meta('np', 'default'), spec: { podSelector: {}, ingress: [{ from: [{}] }] } },
    want: ['spec.ingress[0].from[0]: Required value: must specify a peer'],
  },
  {
    name: 'lease with zero duration',
    group: 'coordination.k8s.io',
    kind: 'Lease',
    obj: { metadata: meta('node-1', 'kube-node-lease'), spec: { holderIdentity: 'node-1', leaseDurationSeconds: 0 } },
    want: ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
  },
  {
    name: 'subject access review without attributes',
    group: 'authorization.k8s.io',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    obj: { spec: {} },
    want: ['spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified'],
  },
  {
    name: 'unknown kinds get metadata rules',
    group: 'example.com',
    kind: 'Widget',
    obj: { metadata: { namespace: 'default' } },
    want: ['metadata.name: Required value: name or generateName is required'],
  },
];

describe('validateCreate per kind', () => {
  for (const c of cases) {
    it(c.name, () => {
      applyDefaults(c.group, c.version ?? 'v1', c.kind, c.obj);
      const got = validateCreate(c.group, c.kind, c.obj, { namespaced: c.namespaced ?? true }).map(formatFieldError);
      assert.deepEqual(got, c.want, `got ${JSON.stringify(got, null, 1)}\nwant ${JSON.stringify(c.want, null, 1)}`);
    });
  }
});

describe('validateUpdate per kind', () => {
  const upd = (group: string, kind: string, old: Obj, mut: (o: Obj) => void, namespaced = true): string[] => {
    applyDefaults(group, 'v1', kind, old);
    const o = structuredClone(old);
    mut(o);
    return validateUpdate(group, kind, o, old, { namespaced }).map(formatFieldError);
  };
  it('service clusterIP may not change', () => {
    const got = upd('', 'Service', { metadata: meta('web', 'default'), spec: { clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5'], ports: [{ port: 80 }] } }, (o) => {
      (o.spec as Obj).clusterIP = '10.0.0.6';
      (o.spec as Obj).clusterIPs = ['10.0.0.6'];
    });
    assert.deepEqual(got, ['spec.clusterIPs[0]: Invalid value: []string{"10.0.0.6"}: may not change once set']);
  });
  it('immutable configmap data may not change', () => {
    const got = upd('', 'ConfigMap', { metadata: meta('cm', 'default'), immutable: true, data: { a: '1' } }, (o) => (o.data = { a: '2' }));
    assert.deepEqual(got, ['data: Forbidden: field is immutable when `immutable` is set']);
  });
  it('job selector may not change', () => {
    const got = upd('batch', 'Job', job(), (o) => ((o.spec as Obj).parallelism = 3));
    assert.deepEqual(got, []);
    const got2 = upd('batch', 'Job', job(), (o) => ((o.spec as Obj).completions = 3));
    assert.deepEqual(got2, ['spec.completions: Invalid value: 3: field is immutable']);
  });
  it('rolebinding roleRef may not change', () => {
    const rb = { metadata: meta('rb', 'default'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'a' }, subjects: [] };
    const got = upd('rbac.authorization.k8s.io', 'RoleBinding', rb, (o) => ((o.roleRef as Obj).name = 'b'));
    assert.deepEqual(got, ['roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"b"}: cannot change roleRef']);
  });
  it('node podCIDRs may only be set once', () => {
    const node = { metadata: { name: 'n1' }, spec: { podCIDRs: ['10.244.0.0/24'] } };
    assert.deepEqual(upd('', 'Node', structuredClone(node), (o) => ((o.metadata as Obj).labels = { a: 'b' }), false), []);
    const got = upd('', 'Node', node, (o) => ((o.spec as Obj).podCIDRs = ['10.244.1.0/24']), false);
    assert.deepEqual(got, ['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid']);
  });
  it('inheritImmutableMeta keeps identity fields so a replace without them validates', () => {
    const old: Obj = { metadata: { name: 'cm', namespace: 'default', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z', generation: 1 }, data: {} };
    const o: Obj = { metadata: { name: 'cm', namespace: 'default' }, data: { a: 'b' } };
    inheritImmutableMeta(o, old);
    assert.deepEqual(validateUpdate('', 'ConfigMap', o, old, { namespaced: true }), []);
    assert.equal((o.metadata as Obj).uid, 'u1');
  });
  it('pvc storage may not shrink', () => {
    const pvc = { metadata: meta('d', 'default'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } }, status: { phase: 'Bound' } };
    const got = upd('', 'PersistentVolumeClaim', pvc, (o) => (((o.spec as Obj).resources as Obj).requests = { storage: '1Gi' }));
    assert.deepEqual(got, ['spec.resources.requests.storage: Forbidden: field can not be less than previous value']);
  });
});
