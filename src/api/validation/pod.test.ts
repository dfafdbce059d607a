import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDefaults } from '../defaults';
import { formatFieldError, invalidMessage } from './field-error';
import { validateCreate, validateUpdate } from './index';

type Obj = Record<string, unknown>;

function pod(spec: Obj, meta: Obj = {}): Obj {
  const p: Obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ...meta }, spec };
  applyDefaults('', 'v1', 'Pod', p);
  return p;
}
const c = (extra: Obj = {}): Obj => ({ name: 'c', image: 'busybox', ...extra });
const msgs = (p: Obj): string[] => validateCreate('', 'Pod', p, { namespaced: true }).map(formatFieldError);

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('Pod create validation', () => {
  it('Bad_Name with no containers gives the upstream message', () => {
    const p = pod({ containers: [] }, { name: 'Bad_Name' });
    const got = invalidMessage('Pod', 'Bad_Name', validateCreate('', 'Pod', p, { namespaced: true }));
    const want = `Pod "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}, spec.containers: Required value]`;
    assert.equal(got, want, `got ${got}\nwant ${want}`);
  });

  const cases: Array<{ name: string; spec: Obj; meta?: Obj; want: string[] }> = [
    { name: 'valid minimal pod', spec: { containers: [c()] }, want: [] },
    { name: 'missing image', spec: { containers: [{ name: 'c' }] }, want: ['spec.containers[0].image: Required value'] },
    {
      name: 'duplicate container names across init containers',
      spec: { containers: [c()], initContainers: [c()] },
      want: ['spec.initContainers[0].name: Duplicate value: "c"'],
    },
    {
      name: 'container port out of range and bad protocol',
      spec: { containers: [c({ ports: [{ containerPort: 70000, protocol: 'HTTP' }] })] },
      want: [
        'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      ],
    },
    {
      name: 'port name too long',
      spec: { containers: [c({ ports: [{ containerPort: 80, name: 'a-very-long-port-name' }] })] },
      want: ['spec.containers[0].ports[0].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters'],
    },
    {
      name: 'requests above limits',
      spec: { containers: [c({ resources: { limits: { cpu: '100m' }, requests: { cpu: '200m' } } })] },
      want: ['spec.containers[0].resources.requests: Invalid value: "200m": must be less than or equal to cpu limit of 100m'],
    },
    {
      name: 'malformed quantity',
      spec: { containers: [c({ resources: { requests: { memory: '1XB' } } })] },
      want: [
        `spec.containers[0].resources.requests[memory]: Invalid value: "1XB": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      ],
    },
    {
      name: 'unknown resource name',
      spec: { containers: [c({ resources: { requests: { gpu: '1' } } })] },
      want: ['spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers'],
    },
    {
      name: 'volume mount of a missing volume',
      spec: { containers: [c({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })] },
      want: ['spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    },
    {
      name: 'volume with two sources and duplicate names',
      spec: {
        containers: [c()],
        volumes: [
          { name: 'v', emptyDir: {}, hostPath: { path: '/tmp' } },
          { name: 'w', emptyDir: {} },
          { name: 'w', emptyDir: {} },
        ],
      },
      want: ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type', 'spec.volumes[2].name: Duplicate value: "w"'],
    },
    {
      name: 'bad restart and dns policy',
      spec: { containers: [c()], restartPolicy: 'Sometimes', dnsPolicy: 'Maybe' },
      want: [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        'spec.dnsPolicy: Unsupported value: "Maybe": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      ],
    },
    {
      name: 'probe without handler',
      spec: { containers: [c({ livenessProbe: { periodSeconds: 5 } })] },
      want: ['spec.containers[0].livenessProbe: Required value: must specify a handler type'],
    },
    {
      name: 'liveness successThreshold must be 1',
      spec: { containers: [c({ livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } })] },
      want: ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    },
    {
      name: 'toleration with empty key must use Exists',
      spec: { containers: [c()], tolerations: [{ operator: 'Equal', value: 'x' }] },
      want: ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"'],
    },
    {
      name: 'bad label key',
      spec: { containers: [c()] },
      meta: { labels: { 'a/b/c': 'x' } },
      want: [
        `metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    },
    {
      name: 'env valueFrom without source',
      spec: { containers: [c({ env: [{ name: 'A', valueFrom: {} }] })] },
      want: ['spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'],
    },
    {
      name: 'configMap defaultMode out of range',
      spec: { containers: [c()], volumes: [{ name: 'v', configMap: { name: 'cm', defaultMode: 1000 } }] },
      want: ['spec.volumes[0].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive'],
    },
    {
      name: 'hostPath with backsteps',
      spec: { containers: [c()], volumes: [{ name: 'v', hostPath: { path: '/a/../b' } }] },
      want: ["spec.volumes[0].hostPath.path: Invalid value: \"/a/../b\": must not contain '..'"],
    },
    {
      name: 'env name with =',
      spec: { containers: [c({ env: [{ name: 'A=B', value: 'x' }] })] },
      want: ["spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"],
    },
    {
      name: 'hostNetwork pod gets hostPort defaulted and valid',
      spec: { hostNetwork: true, containers: [c({ ports: [{ containerPort: 8080 }] })] },
      want: [],
    },
    {
      name: 'duplicate host ports across containers',
      spec: { containers: [c({ ports: [{ containerPort: 80, hostPort: 8080 }] }), c({ name: 'd', ports: [{ containerPort: 81, hostPort: 8080 }] })] },
      want: ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
    },
    {
      name: 'node affinity without terms',
      spec: { containers: [c()], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } },
      want: ['spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term'],
    },
    {
      name: 'missing namespace',
      spec: { containers: [c()] },
      meta: { namespace: '' },
      want: ['metadata.namespace: Required value'],
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const got = msgs(pod(tc.spec, tc.meta));
      assert.deepEqual(got, tc.want, `got ${JSON.stringify(got, null, 1)}\nwant ${JSON.stringify(tc.want, null, 1)}`);
    });
  }
});

describe('Pod update validation', () => {
  const base = (): Obj => pod({ containers: [c()], activeDeadlineSeconds: 100, tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }] }, { uid: 'u1', resourceVersion: '1' });
  const upd = (mut: (p: Obj & { spec: Obj; metadata: Obj }) => void): string[] => {
    const old = base();
    const p = structuredClone(old) as Obj & { spec: Obj; metadata: Obj };
    mut(p);
    applyDefaults('', 'v1', 'Pod', p);
    return validateUpdate('', 'Pod', p, old, { namespaced: true }).map(formatFieldError);
  };
  const cases: Array<{ name: string; mut: (p: Obj & { spec: Obj; metadata: Obj }) => void; want: (s: string[]) => boolean; desc: string }> = [
    { name: 'image change allowed', mut: (p) => ((p.spec.containers as Obj[])[0]!.image = 'nginx'), want: (s) => s.length === 0, desc: 'no errors' },
    { name: 'label change allowed', mut: (p) => (p.metadata.labels = { a: 'b' }), want: (s) => s.length === 0, desc: 'no errors' },
    { name: 'lower activeDeadlineSeconds allowed', mut: (p) => (p.spec.activeDeadlineSeconds = 50), want: (s) => s.length === 0, desc: 'no errors' },
    {
      name: 'raising activeDeadlineSeconds rejected',
      mut: (p) => (p.spec.activeDeadlineSeconds = 500),
      want: (s) => s[0] === 'spec.activeDeadlineSeconds: Invalid value: 500: must be less than or equal to previous value',
      desc: 'previous value error',
    },
    {
      name: 'adding a container rejected',
      mut: (p) => (p.spec.containers as Obj[]).push(c({ name: 'd' })),
      want: (s) => s.length === 1 && s[0] === 'spec.containers: Forbidden: pod updates may not add or remove containers',
      desc: 'add/remove error',
    },
    {
      name: 'changing ports rejected with the upstream wording',
      mut: (p) => ((p.spec.containers as Obj[])[0]!.ports = [{ containerPort: 80, protocol: 'TCP' }]),
      want: (s) =>
        s.length === 1 &&
        s[0]!.startsWith(
          'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
        ),
      desc: 'spec forbidden',
    },
    { name: 'adding a toleration allowed', mut: (p) => (p.spec.tolerations as Obj[]).push({ key: 'k', operator: 'Exists' }), want: (s) => s.length === 0, desc: 'no errors' },
    {
      name: 'changing a toleration rejected',
      mut: (p) => ((p.spec.tolerations as Obj[])[0]!.value = 'w'),
      want: (s) => s[0] === 'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
      desc: 'toleration error',
    },
    {
      name: 'renaming rejected',
      mut: (p) => (p.metadata.name = 'q'),
      want: (s) => s[0] === 'metadata.name: Invalid value: "q": field is immutable',
      desc: 'immutable name',
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const got = upd(tc.mut);
      assert.ok(tc.want(got), `got ${JSON.stringify(got)} want ${tc.desc}`);
    });
  }
});

describe('Pod ephemeralcontainers subresource', () => {
  const base = (): Obj => pod({ containers: [c()] }, { uid: 'u1', resourceVersion: '1' });
  const run = (mut: (spec: Obj) => void, from?: (spec: Obj) => void): string[] => {
    const old = base();
    if (from) from(old.spec as Obj);
    applyDefaults('', 'v1', 'Pod', old);
    const p = structuredClone(old);
    mut(p.spec as Obj);
    applyDefaults('', 'v1', 'Pod', p);
    return validateUpdate('', 'Pod', p, old, { namespaced: true, subresource: 'ephemeralcontainers' }).map(formatFieldError);
  };
  it('adding a debug container is allowed', () => {
    const got = run((s) => (s.ephemeralContainers = [{ name: 'debugger', image: 'busybox', targetContainerName: 'c' }]));
    assert.deepEqual(got, []);
  });
  it('ports and a missing target are refused', () => {
    const got = run((s) => (s.ephemeralContainers = [{ name: 'debugger', image: 'busybox', targetContainerName: 'nope', ports: [{ containerPort: 80 }] }]));
    assert.deepEqual(got, [
      'spec.ephemeralContainers[0].targetContainerName: Not found: "nope"',
      'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container',
    ]);
  });
  it('removing one is refused', () => {
    const got = run(
      (s) => (s.ephemeralContainers = []),
      (s) => (s.ephemeralContainers = [{ name: 'debugger', image: 'busybox' }]),
    );
    assert.deepEqual(got, ['spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be removed\n']);
  });
});
