import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIXTURES_DIR, fixtureFiles, HAVE_FIXTURES } from '../schema/test-fixtures';
import { decodeProtobufObject, ProtobufDecodeError } from './decode';
import { encodeProtobufObject } from './encode';

describe('encodeProtobufObject: JSON fixtures survive JSON → protobuf → JSON', { skip: HAVE_FIXTURES ? false : 'no ../shared fixtures' }, () => {
  for (const file of fixtureFiles('json')) {
    if (file.includes('WatchEvent')) continue; // no TypeMeta: exercised through its .pb in decode.test.ts
    it(file, () => {
      const want = JSON.parse(readFileSync(join(FIXTURES_DIR, file), 'utf8')) as Record<string, unknown>;
      const got = decodeProtobufObject(encodeProtobufObject(want)).object;
      assert.deepStrictEqual(got, want, `${file}: round trip differs`);
    });
  }
});

describe('encodeProtobufObject', () => {
  it('drops unknown fields', () => {
    const got = decodeProtobufObject(encodeProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, bogus: 1, data: { k: 'v' } })).object;
    assert.deepStrictEqual(got, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } });
  });
  it('refuses kinds without a message', () => {
    assert.throws(() => encodeProtobufObject({ apiVersion: 'example.com/v1', kind: 'Widget' }), ProtobufDecodeError);
  });
});
