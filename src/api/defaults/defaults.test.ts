import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { applyDefaults, podQOSClass } from './index';

type Obj = Record<string, unknown>;
const load = (f: string): Obj => parse(readFileSync(`/work/shared/checks/manifests/${f}`, 'utf8')) as Obj;

describe('applyDefaults on the seed manifests', () => {
  it('pod.yaml looks like what a real cluster returns', () => {
    const p = load('pod.yaml');
    applyDefaults('', 'v1', 'Pod', p);
    const want = {
      containers: [
        {
          name: 'main',
          image: 'busybox:1.36',
          command: ['sh', '-c', 'echo hello from berth; sleep 3600'],
          imagePullPolicy: 'IfNotPresent',
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
    };
    assert.deepEqual(p.spec, want, `got ${JSON.stringify(p.spec)}`);
  });

  it('deployment.yaml gets apps/v1 and pod template defaults', () => {
    const d = load('deployment.yaml');
    applyDefaults('apps', 'v1', 'Deployment', d);
    const spec = d.spec as Obj;
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, 'user strategy kept');
    const tspec = (spec.template as Obj).spec as Obj;
    for (const [k, v] of Object.entries({ dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30 })) {
      assert.equal(tspec[k], v, `template.spec.${k}: got ${String(tspec[k])} want ${v}`);
    }
    assert.equal(tspec.enableServiceLinks, undefined, 'Pod-only defaults must not reach templates');
    assert.equal(tspec.tolerations, undefined, 'admission defaults must not reach templates');
  });

  it('is idempotent', () => {
    const p = load('pod.yaml');
    applyDefaults('', 'v1', 'Pod', p);
    const once = structuredClone(p);
    applyDefaults('', 'v1', 'Pod', p);
    assert.deepEqual(p, once);
  });
});

describe('applyDefaults per kind', () => {
  const cases: Array<{ name: string; group: string; version?: string; kind: string; obj: Obj; check: (o: Obj) => unknown; want: unknown }> = [
    { name: 'latest image pulls Always', group: '', kind: 'Pod', obj: { spec: { containers: [{ name: 'a', image: 'nginx' }] } }, check: (o) => ((o.spec as Obj).containers as Obj[])[0]!.imagePullPolicy, want: 'Always' },
    { name: 'explicit :latest pulls Always', group: '', kind: 'Pod', obj: { spec: { containers: [{ name: 'a', image: 'reg:5000/nginx:latest' }] } }, check: (o) => ((o.spec as Obj).containers as Obj[])[0]!.imagePullPolicy, want: 'Always' },
    { name: 'digest pulls IfNotPresent', group: '', kind: 'Pod', obj: { spec: { containers: [{ name: 'a', image: 'nginx@sha256:abc' }] } }, check: (o) => ((o.spec as Obj).containers as Obj[])[0]!.imagePullPolicy, want: 'IfNotPresent' },
    {
      name: 'probe defaults',
      group: '',
      kind: 'Pod',
      obj: { spec: { containers: [{ name: 'a', image: 'x:1', readinessProbe: { httpGet: { port: 80 } } }] } },
      check: (o) => ((o.spec as Obj).containers as Obj[])[0]!.readinessProbe,
      want: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
    },
    {
      name: 'volume defaults',
      group: '',
      kind: 'Pod',
      obj: { spec: { containers: [], volumes: [{ name: 'a' }, { name: 'b', configMap: { name: 'c' } }, { name: 'd', secret: { secretName: 's' } }] } },
      check: (o) => (o.spec as Obj).volumes,
      want: [{ name: 'a', emptyDir: {} }, { name: 'b', configMap: { name: 'c', defaultMode: 420 } }, { name: 'd', secret: { secretName: 's', defaultMode: 420 } }],
    },
    {
      name: 'requests default from limits',
      group: '',
      kind: 'Pod',
      obj: { spec: { containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '1' } } }] } },
      check: (o) => (((o.spec as Obj).containers as Obj[])[0]!.resources as Obj).requests,
      want: { cpu: '1' },
    },
    {
      name: 'statefulset',
      group: 'apps',
      kind: 'StatefulSet',
      obj: { spec: { template: {} } },
      check: (o) => {
        const s = o.spec as Obj;
        return [s.podManagementPolicy, s.updateStrategy, s.persistentVolumeClaimRetentionPolicy, s.replicas, s.revisionHistoryLimit];
      },
      want: ['OrderedReady', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, { whenDeleted: 'Retain', whenScaled: 'Retain' }, 1, 10],
    },
    {
      name: 'daemonset',
      group: 'apps',
      kind: 'DaemonSet',
      obj: { spec: {} },
      check: (o) => (o.spec as Obj).updateStrategy,
      want: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    },
    {
      name: 'deployment strategy',
      group: 'apps',
      kind: 'Deployment',
      obj: { spec: {} },
      check: (o) => [(o.spec as Obj).replicas, (o.spec as Obj).strategy],
      want: [1, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }],
    },
    {
      name: 'job',
      group: 'batch',
      kind: 'Job',
      obj: { spec: { template: { spec: { containers: [] } } } },
      check: (o) => {
        const s = o.spec as Obj;
        return [s.parallelism, s.completions, s.backoffLimit, s.completionMode, s.suspend, s.manualSelector, s.podReplacementPolicy];
      },
      want: [1, 1, 6, 'NonIndexed', false, false, 'TerminatingOrFailed'],
    },
    {
      name: 'cronjob',
      group: 'batch',
      kind: 'CronJob',
      obj: { spec: { schedule: '* * * * *' } },
      check: (o) => {
        const s = o.spec as Obj;
        return [s.concurrencyPolicy, s.suspend, s.successfulJobsHistoryLimit, s.failedJobsHistoryLimit];
      },
      want: ['Allow', false, 3, 1],
    },
    {
      name: 'service ClusterIP',
      group: '',
      kind: 'Service',
      obj: { spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } },
      check: (o) => o.spec,
      want: {
        selector: { a: 'b' },
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        sessionAffinity: 'None',
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'service NodePort traffic policy',
      group: '',
      kind: 'Service',
      obj: { spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] } },
      check: (o) => [(o.spec as Obj).externalTrafficPolicy, ((o.spec as Obj).ports as Obj[])[0]!.targetPort],
      want: ['Cluster', 'http'],
    },
    {
      name: 'namespace label and phase',
      group: '',
      kind: 'Namespace',
      obj: { metadata: { name: 'dev' } },
      check: (o) => [(o.metadata as Obj).labels, o.status],
      want: [{ 'kubernetes.io/metadata.name': 'dev' }, { phase: 'Active' }],
    },
    { name: 'secret type', group: '', kind: 'Secret', obj: {}, check: (o) => o.type, want: 'Opaque' },
    {
      name: 'resource quantities served in canonical form, rounded up to milli',
      group: '',
      kind: 'Pod',
      obj: { spec: { containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '1000m', memory: '1024Mi' }, requests: { cpu: 0.5, memory: 'bogus', 'ephemeral-storage': '0.0001' } } }] } },
      check: (o) => ((o.spec as Obj).containers as Obj[])[0]!.resources,
      want: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: 'bogus', 'ephemeral-storage': '1m' } },
    },
    {
      name: 'secret stringData merged into data',
      group: '',
      kind: 'Secret',
      obj: { stringData: { user: 'admin' }, data: { a: 'Yg==' } },
      check: (o) => [o.data, o.stringData],
      want: [{ a: 'Yg==', user: 'YWRtaW4=' }, undefined],
    },
    {
      name: 'hostNetwork pod gets hostPort, template does not',
      group: 'apps',
      kind: 'Deployment',
      obj: { spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 80 }] }] } } } },
      check: (o) => (((((o.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0]!.ports as Obj[])[0]!.hostPort,
      want: undefined,
    },
    {
      name: 'hostNetwork pod gets hostPort',
      group: '',
      kind: 'Pod',
      obj: { spec: { hostNetwork: true, containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 80 }] }] } },
      check: (o) => ((((o.spec as Obj).containers as Obj[])[0]!.ports as Obj[])[0]!).hostPort,
      want: 80,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      applyDefaults(c.group, c.version ?? 'v1', c.kind, c.obj);
      const got = c.check(c.obj);
      assert.deepEqual(got, c.want, `got ${JSON.stringify(got)} want ${JSON.stringify(c.want)}`);
    });
  }
});

describe('applyDefaults on update', () => {
  it('keeps priority and service account set by admission on create', () => {
    const old: Obj = { spec: { containers: [{ name: 'a', image: 'x:1' }], priorityClassName: 'high', priority: 1000, serviceAccountName: 'builder' } };
    applyDefaults('', 'v1', 'Pod', old);
    const next: Obj = { spec: { containers: [{ name: 'a', image: 'x:1' }], priorityClassName: 'high' } };
    applyDefaults('', 'v1', 'Pod', next, old);
    const spec = next.spec as Obj;
    assert.deepEqual([spec.priority, spec.serviceAccountName, spec.serviceAccount], [1000, 'builder', 'builder'], `got ${JSON.stringify(spec)}`);
  });
});

describe('podQOSClass', () => {
  const cases: Array<[string, Obj, string]> = [
    ['no resources', { containers: [{}] }, 'BestEffort'],
    ['requests only', { containers: [{ resources: { requests: { cpu: '1' } } }] }, 'Burstable'],
    ['limits equal requests', { containers: [{ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1000m', memory: '1Gi' } } }] }, 'Guaranteed'],
  ];
  for (const [name, spec, want] of cases) it(name, () => assert.equal(podQOSClass(spec), want));
});
