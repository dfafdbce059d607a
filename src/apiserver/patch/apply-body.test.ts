import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseApplyBody } from './apply-body';
import { PatchError } from './errors';

const ok: { name: string; body: string; want: unknown }[] = [
  { name: 'JSON as kubectl sends it', body: '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2}}', want: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } } },
  { name: 'YAML', body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "1"\n', want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } } },
  { name: 'JSON with leading whitespace', body: '  \n{"a":[1,2]}', want: { a: [1, 2] } },
  { name: 'flow-style YAML that is not JSON', body: '{a: 1}', want: { a: 1 } },
];
for (const c of ok) {
  test(`parseApplyBody: ${c.name}`, () => {
    assert.deepEqual(parseApplyBody(c.body), c.want);
  });
}

for (const [name, body] of [
  ['a list', '- a\n- b\n'],
  ['a scalar', 'hello'],
  ['broken YAML', 'a: [1, 2\n'],
  ['empty', ''],
] as const) {
  test(`parseApplyBody rejects ${name} with 400`, () => {
    assert.throws(() => parseApplyBody(body), (e: unknown) => e instanceof PatchError && e.code === 400 && e.message.startsWith('error decoding YAML'));
  });
}
