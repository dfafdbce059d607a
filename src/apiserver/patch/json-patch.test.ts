import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyJsonPatch } from './json-patch';
import { PatchError } from './errors';
import type { Obj } from './json-value';

const deploy = (): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '2', 'a/b': 'x', 'm~n': 'y' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } }, list: [1, 2, 3] },
});

const ok: { name: string; patch: unknown; want: (d: Obj) => void }[] = [
  { name: 'add member', patch: [{ op: 'add', path: '/spec/paused', value: true }], want: (d) => ((d.spec as Obj).paused = true) },
  { name: 'add replaces existing member', patch: [{ op: 'add', path: '/spec/replicas', value: 5 }], want: (d) => ((d.spec as Obj).replicas = 5) },
  { name: 'add at array index', patch: [{ op: 'add', path: '/spec/list/1', value: 9 }], want: (d) => ((d.spec as Obj).list = [1, 9, 2, 3]) },
  { name: 'add with - appends', patch: [{ op: 'add', path: '/spec/list/-', value: 4 }], want: (d) => ((d.spec as Obj).list = [1, 2, 3, 4]) },
  { name: 'add at end index', patch: [{ op: 'add', path: '/spec/list/3', value: 4 }], want: (d) => ((d.spec as Obj).list = [1, 2, 3, 4]) },
  { name: 'remove member', patch: [{ op: 'remove', path: '/spec/replicas' }], want: (d) => delete (d.spec as Obj).replicas },
  { name: 'remove array element', patch: [{ op: 'remove', path: '/spec/list/0' }], want: (d) => ((d.spec as Obj).list = [2, 3]) },
  { name: 'remove negative index counts from end', patch: [{ op: 'remove', path: '/spec/list/-1' }], want: (d) => ((d.spec as Obj).list = [1, 2]) },
  { name: 'replace', patch: [{ op: 'replace', path: '/spec/replicas', value: 3 }], want: (d) => ((d.spec as Obj).replicas = 3) },
  {
    name: 'escaped ~1 and ~0',
    patch: [
      { op: 'replace', path: '/metadata/annotations/a~1b', value: 'z' },
      { op: 'remove', path: '/metadata/annotations/m~0n' },
    ],
    want: (d) => ((d.metadata as Obj).annotations = { 'deployment.kubernetes.io/revision': '2', 'a/b': 'z' }),
  },
  {
    name: 'move',
    patch: [{ op: 'move', from: '/spec/replicas', path: '/spec/count' }],
    want: (d) => {
      const s = d.spec as Obj;
      s.count = s.replicas;
      delete s.replicas;
    },
  },
  { name: 'copy', patch: [{ op: 'copy', from: '/spec/list', path: '/spec/list2' }], want: (d) => ((d.spec as Obj).list2 = [1, 2, 3]) },
  { name: 'test passes', patch: [{ op: 'test', path: '/spec/replicas', value: 2 }, { op: 'replace', path: '/spec/replicas', value: 7 }], want: (d) => ((d.spec as Obj).replicas = 7) },
  { name: 'test deep value passes', patch: [{ op: 'test', path: '/spec/template/spec/containers/0', value: { image: 'nginx:1.26', name: 'nginx' } }], want: () => undefined },
  {
    name: 'kubectl rollout undo body',
    patch: [
      { op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '3' } },
    ],
    want: (d) => {
      (d.spec as Obj).template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } };
      (d.metadata as Obj).annotations = { 'deployment.kubernetes.io/revision': '3' };
    },
  },
  {
    name: 'later ops see earlier ones',
    patch: [
      { op: 'add', path: '/spec/extra', value: { a: 1 } },
      { op: 'add', path: '/spec/extra/b', value: 2 },
    ],
    want: (d) => ((d.spec as Obj).extra = { a: 1, b: 2 }),
  },
  { name: 'empty patch', patch: [], want: () => undefined },
];

for (const c of ok) {
  test(`applyJsonPatch: ${c.name}`, () => {
    const target = deploy();
    const patchCopy = JSON.parse(JSON.stringify(c.patch)) as unknown;
    const got = applyJsonPatch(target, c.patch);
    const want = deploy();
    c.want(want);
    assert.deepEqual(got, want, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    assert.deepEqual(target, deploy(), 'target was mutated');
    assert.deepEqual(c.patch, patchCopy, 'patch was mutated');
  });
}

const bad: { name: string; patch: unknown; code: number; detail?: RegExp }[] = [
  { name: 'body is an object', patch: { op: 'add' }, code: 400 },
  { name: 'operation is not an object', patch: ['add'], code: 400 },
  { name: 'replace of a missing key', patch: [{ op: 'replace', path: '/spec/foo', value: 1 }], code: 422, detail: /replace operation does not apply: doc is missing key: \/spec\/foo/ },
  { name: 'remove of a missing key', patch: [{ op: 'remove', path: '/spec/foo' }], code: 422, detail: /Unable to remove nonexistent key: foo/ },
  { name: 'add below a missing parent', patch: [{ op: 'add', path: '/spec/nope/x', value: 1 }], code: 422, detail: /add operation does not apply: doc is missing path/ },
  { name: 'failed test', patch: [{ op: 'test', path: '/spec/replicas', value: 3 }], code: 422, detail: /testing value \/spec\/replicas failed/ },
  { name: 'test of a missing path', patch: [{ op: 'test', path: '/spec/nope', value: 3 }], code: 422 },
  { name: 'index out of range', patch: [{ op: 'replace', path: '/spec/list/7', value: 1 }], code: 422, detail: /invalid index/ },
  { name: 'add past the end', patch: [{ op: 'add', path: '/spec/list/5', value: 1 }], code: 422, detail: /invalid index/ },
  { name: 'unknown op', patch: [{ op: 'frobnicate', path: '/spec' }], code: 422, detail: /Unexpected kind: frobnicate/ },
  { name: 'missing path', patch: [{ op: 'add', value: 1 }], code: 422 },
  { name: 'add without value', patch: [{ op: 'add', path: '/spec/x' }], code: 422 },
  { name: 'move from a missing path', patch: [{ op: 'move', from: '/spec/nope', path: '/spec/x' }], code: 422 },
  { name: 'root pointer', patch: [{ op: 'replace', path: '', value: {} }], code: 422 },
];

for (const c of bad) {
  test(`applyJsonPatch rejects: ${c.name}`, () => {
    const target = deploy();
    assert.throws(
      () => applyJsonPatch(target, c.patch),
      (e: unknown) => {
        assert.ok(e instanceof PatchError, `got ${String(e)}, want a PatchError`);
        assert.equal(e.code, c.code, `got code ${e.code} (${e.message}), want ${c.code}`);
        if (c.code === 422) {
          assert.equal(e.reason, 'Invalid');
          assert.equal(e.message, 'the server rejected our request due to an error in our request');
        }
        if (c.detail) assert.match(e.detail ?? '', c.detail, `got detail ${String(e.detail)}`);
        return true;
      },
    );
    assert.deepEqual(target, deploy(), 'target was mutated by a failed patch');
  });
}

test('applyJsonPatch shares untouched subtrees and copies written paths', () => {
  const target = deploy();
  const got = applyJsonPatch(target, [{ op: 'replace', path: '/spec/replicas', value: 9 }]);
  assert.notEqual(got.metadata, target.metadata, 'metadata is always a fresh object');
  assert.deepEqual(got.metadata, target.metadata);
  assert.notEqual(got.spec, target.spec, 'written spec must be a copy');
  assert.equal((got.spec as Obj).template, (target.spec as Obj).template);
});
