// Malformed input must never throw: every kind of the resource table is fed mutated objects (seeded, so the
// run is deterministic) through applyDefaults, validateCreate and validateUpdate.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOURCES } from '../resources';
import { applyDefaults } from '../defaults';
import { validateCreate, validateUpdate } from './index';

type Obj = Record<string, unknown>;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SAMPLE: Obj = {
  metadata: { name: 'x', namespace: 'default', labels: { a: 'b' }, annotations: { c: 'd' }, finalizers: ['kubernetes'], ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: true }] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }] },
    template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } }, env: [{ name: 'E', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }], livenessProbe: { httpGet: { port: 'http' } } }], volumes: [{ name: 'v', configMap: { name: 'cm' } }] } },
    containers: [{ name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/v' }] }],
    volumes: [{ name: 'v', projected: { sources: [{ secret: { name: 's', items: [{ key: 'k', path: 'p' }] } }] } }],
    ports: [{ port: 80, targetPort: 'http', nodePort: 30000 }],
    rules: [{ host: 'a.b', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 1 } } } }] } }],
    schedule: '* * * * *',
    jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } },
    ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 80, endPort: 90 }] }],
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    hard: { pods: '10' },
    limits: [{ type: 'Container', max: { cpu: '2' }, default: { cpu: '1' } }],
    scaleTargetRef: { kind: 'Deployment', name: 'd' },
    metrics: [{ type: 'Resource', resource: { name: 'cpu' } }],
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '1Gi' } },
    capacity: { storage: '1Gi' },
    hostPath: { path: '/tmp' },
  },
  data: { k: 'dg==' },
  subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }],
  rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
  subjects: [{ kind: 'User', name: 'u' }],
  endpoints: [{ addresses: ['10.0.0.1'] }],
  addressType: 'IPv4',
  value: 10,
  provisioner: 'p',
  type: 'Opaque',
  status: { phase: 'Running', podIPs: [{ ip: '10.0.0.1' }], conditions: [{ type: 'Ready' }] },
};

const WEIRD: unknown[] = [null, 0, -1, 1e12, 'x', '', '*', [], [null], [1, 'a'], {}, { a: null }, true, 'Bad_Name', '10.0.0.1/99', '1.5.5', { '': '' }];

function mutate(v: unknown, r: () => number, depth: number): unknown {
  if (r() < 0.08) return WEIRD[Math.floor(r() * WEIRD.length)];
  if (Array.isArray(v)) return v.map((x) => mutate(x, r, depth + 1));
  if (typeof v === 'object' && v !== null && depth < 12) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v as Obj)) out[k] = mutate(x, r, depth + 1);
    return out;
  }
  return v;
}

describe('robustness', () => {
  it('never throws on mutated objects of every kind', () => {
    const r = rng(42);
    let runs = 0;
    for (const res of RESOURCES) {
      for (let i = 0; i < 60; i++) {
        const o = mutate(SAMPLE, r, 0) as Obj;
        const old = mutate(SAMPLE, r, 0) as Obj;
        const ctx = { namespaced: res.namespaced };
        try {
          applyDefaults(res.group, res.version, res.kind, o);
          applyDefaults(res.group, res.version, res.kind, old);
          validateCreate(res.group, res.kind, o, ctx);
          validateUpdate(res.group, res.kind, o, old, ctx);
          validateUpdate(res.group, res.kind, o, old, { ...ctx, subresource: 'status' });
        } catch (e) {
          assert.fail(`${res.group}/${res.kind} threw ${String(e)} on ${JSON.stringify(o)}`);
        }
        runs++;
      }
    }
    assert.ok(runs > 1000, `only ${runs} runs`);
  });
});
