import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMergePatch } from './merge-patch';
import { PatchError } from './errors';
import type { Obj } from './json-value';

// RFC 7386 appendix A (object targets), plus what kubectl sends.
const cases: { name: string; target: Obj; patch: unknown; want: Obj }[] = [
  { name: 'rfc: replace member', target: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'rfc: add member', target: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
  { name: 'rfc: null deletes', target: { a: 'b' }, patch: { a: null }, want: {} },
  { name: 'rfc: null deletes one of two', target: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
  { name: 'rfc: array replaces', target: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'rfc: scalar replaces array', target: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
  { name: 'rfc: nested merge and delete', target: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, want: { a: { b: 'd' } } },
  { name: 'rfc: arrays are not merged', target: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
  { name: 'rfc: nested null in new object dropped', target: { e: null }, patch: { a: 1 }, want: { e: null, a: 1 } },
  { name: 'rfc: new nested object without its nulls', target: {}, patch: { a: { bb: { ccc: null } } }, want: { a: { bb: {} } } },
  { name: 'rfc: empty patch', target: { a: 'b' }, patch: {}, want: { a: 'b' } },
  {
    name: 'kubectl scale body',
    target: { spec: { replicas: 2, selector: { matchLabels: { app: 'web' } } } },
    patch: { spec: { replicas: 4 } },
    want: { spec: { replicas: 4, selector: { matchLabels: { app: 'web' } } } },
  },
  {
    name: 'containers list is replaced wholesale',
    target: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } },
    patch: { spec: { containers: [{ name: 'a', image: 'z' }] } },
    want: { spec: { containers: [{ name: 'a', image: 'z' }] } },
  },
  {
    name: 'label delete by null',
    target: { metadata: { labels: { a: '1', b: '2' } } },
    patch: { metadata: { labels: { a: null } } },
    want: { metadata: { labels: { b: '2' } } },
  },
];

for (const c of cases) {
  test(`applyMergePatch: ${c.name}`, () => {
    const before = JSON.stringify(c.target);
    const got = applyMergePatch(c.target, c.patch);
    assert.deepEqual(got, c.want, `got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
    assert.equal(JSON.stringify(c.target), before, 'target was mutated');
  });
}

for (const [name, patch] of [
  ['array body', [{ a: 1 }]],
  ['string body', 'x'],
  ['null body', null],
] as const) {
  test(`applyMergePatch rejects ${name} with 400`, () => {
    assert.throws(
      () => applyMergePatch({ a: 1 }, patch),
      (e: unknown) => e instanceof PatchError && e.code === 400 && e.reason === 'BadRequest',
    );
  });
}

test('patch results never share root or metadata with the target (callers set resourceVersion on them)', () => {
  const target: Obj = { metadata: { name: 'a', resourceVersion: '1' }, spec: { x: 1 } };
  const got = applyMergePatch(target, { spec: { x: 2 } });
  (got.metadata as Obj).resourceVersion = '2';
  assert.equal((target.metadata as Obj).resourceVersion, '1');
  const empty = applyMergePatch(target, {});
  assert.notEqual(empty, target);
  assert.notEqual(empty.metadata, target.metadata);
});
