import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFieldsV1, difference, encodeFieldsV1, intersection, memberPaths, pathString, union, type FieldNode } from './field-set';
import { toFieldSet, stripFor, compareObjects, removeItems } from './field-walk';
import { deployment, pod } from './testing-schemas';
import type { Obj } from './json-value';

const dec = (v: unknown): FieldNode => {
  const n = decodeFieldsV1(v);
  assert.ok(n, 'decodable');
  return n;
};

test('FieldsV1 decode/encode round-trips and orders children like upstream', () => {
  const input = {
    'f:spec': { 'f:b': {}, 'f:a': {}, 'k:{"port":443}': {}, 'k:{"port":80}': {}, 'v:"z"': {}, 'v:"a"': {}, 'i:10': {}, 'i:2': {} },
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  };
  const got = JSON.stringify(encodeFieldsV1(dec(input)));
  assert.equal(
    got,
    '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:a":{},"f:b":{},"k:{\\"port\\":80}":{},"k:{\\"port\\":443}":{},"v:\\"a\\"":{},"v:\\"z\\"":{},"i:2":{},"i:10":{}}}',
  );
});

const pathCases: [string[], string][] = [
  [['f:spec', 'f:replicas'], '.spec.replicas'],
  [['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image'], '.spec.containers[name="nginx"].image'],
  [['f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'], '.ports[containerPort=80,protocol="TCP"]'],
  [['f:metadata', 'f:finalizers', 'v:"a.io/x"'], '.metadata.finalizers[="a.io/x"]'],
  [['f:list', 'i:3'], '.list[3]'],
];
for (const [p, want] of pathCases) {
  test(`pathString ${want}`, () => assert.equal(pathString(p), want));
}

const setOps: { name: string; a: unknown; b: unknown; union: unknown; difference: unknown; intersection: unknown }[] = [
  {
    name: 'disjoint leaves',
    a: { 'f:a': {} },
    b: { 'f:b': {} },
    union: { 'f:a': {}, 'f:b': {} },
    difference: { 'f:a': {} },
    intersection: {},
  },
  {
    name: 'member with children vs leaf member',
    a: { 'f:l': { '.': {}, 'f:x': {} } },
    b: { 'f:l': {} },
    union: { 'f:l': { '.': {}, 'f:x': {} } },
    difference: { 'f:l': { 'f:x': {} } },
    intersection: { 'f:l': {} },
  },
  {
    name: 'nested overlap',
    a: { 'f:s': { 'f:x': {}, 'f:y': {} } },
    b: { 'f:s': { 'f:y': {}, 'f:z': {} } },
    union: { 'f:s': { 'f:x': {}, 'f:y': {}, 'f:z': {} } },
    difference: { 'f:s': { 'f:x': {} } },
    intersection: { 'f:s': { 'f:y': {} } },
  },
];
for (const c of setOps) {
  test(`set operations: ${c.name}`, () => {
    const a = dec(c.a);
    const b = dec(c.b);
    assert.deepEqual(encodeFieldsV1(union(a, b)), c.union, 'union');
    assert.deepEqual(encodeFieldsV1(difference(a, b)), c.difference, 'difference');
    assert.deepEqual(encodeFieldsV1(intersection(a, b)), c.intersection, 'intersection');
  });
}

test('memberPaths iterates members before children', () => {
  const s = dec({ 'f:spec': { 'f:template': { 'f:x': {} }, 'f:replicas': {} }, 'f:a': {} });
  assert.deepEqual(memberPaths(s).map(pathString), ['.a', '.spec.replicas', '.spec.template.x']);
});

test('toFieldSet of an applied configuration (ToFieldSet semantics)', () => {
  const cfg: Obj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { a: '1' } },
    spec: {
      nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 'k' }],
      securityContext: {},
      volumes: [],
      containers: [{ name: 'c', image: 'i', args: ['x'], ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } } }],
    },
    status: { phase: 'Running' },
  };
  const got = encodeFieldsV1(toFieldSet(cfg, pod, stripFor(undefined)));
  assert.deepEqual(got, {
    'f:metadata': { 'f:labels': { 'f:a': {} } },
    'f:spec': {
      'f:containers': {
        'k:{"name":"c"}': {
          '.': {},
          'f:args': {},
          'f:image': {},
          'f:name': {},
          'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
          'f:resources': { 'f:limits': { 'f:cpu': {} } },
        },
      },
      'f:nodeSelector': {},
      'f:securityContext': {},
      'f:tolerations': {},
    },
  });
});

test('compareObjects: added, modified and removed sets', () => {
  const l: Obj = { metadata: { name: 'x', labels: { a: '1', b: '2' } }, spec: { replicas: 1, selector: { matchLabels: { a: '1' } } } };
  const r: Obj = { metadata: { name: 'y', labels: { a: '1', c: '3' } }, spec: { replicas: 2, selector: { matchLabels: { a: '2' } }, paused: true } };
  const c = compareObjects(l, r, deployment, stripFor(undefined));
  assert.deepEqual(encodeFieldsV1(c.added), { 'f:metadata': { 'f:labels': { 'f:c': {} } }, 'f:spec': { 'f:paused': {} } });
  assert.deepEqual(encodeFieldsV1(c.modified), { 'f:spec': { 'f:replicas': {}, 'f:selector': {} } });
  assert.deepEqual(encodeFieldsV1(c.removed), { 'f:metadata': { 'f:labels': { 'f:b': {} } } });
});

test('removeItems removes members with their subtrees and list items by key, protecting identity', () => {
  const o: Obj = {
    apiVersion: 'apps/v1',
    metadata: { name: 'web', labels: { a: '1', b: '2' } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } },
  };
  const set = dec({
    'f:apiVersion': {},
    'f:metadata': { 'f:name': {}, 'f:labels': { 'f:a': {} } },
    'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': {}, 'k:{"name":"b"}': { 'f:image': {} } } } } },
  });
  const got = removeItems(o, set, deployment, true);
  assert.deepEqual(got, { apiVersion: 'apps/v1', metadata: { name: 'web', labels: { b: '2' } }, spec: { template: { spec: { containers: [{ name: 'b' }] } } } });
  assert.equal((o.spec as Obj).replicas, 1, 'input was mutated');
});
