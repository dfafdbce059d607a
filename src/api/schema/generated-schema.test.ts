// The generated schemas against the upstream fixtures (fully populated objects): every JSON key must resolve
// and every value must have the schema's JSON type. A missing inline field or a misnamed field fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFields } from './field-validation';
import { getSchemaRegistry } from './registry';
import { FIXTURES_DIR, fixtureFiles, fixtureGvk, HAVE_FIXTURES } from './test-fixtures';

describe('every upstream fixture resolves in the generated schema', { skip: HAVE_FIXTURES ? false : 'no ../shared fixtures' }, () => {
  const files = fixtureFiles('json');
  it('has fixtures to check', () => {
    assert.ok(files.length >= 60, `fixture count: got ${files.length}, want >= 60`);
  });
  for (const file of files) {
    it(file, () => {
      const gvk = fixtureGvk(file);
      assert.ok(getSchemaRegistry().root(gvk), `no schema for ${JSON.stringify(gvk)}`);
      const obj = JSON.parse(readFileSync(join(FIXTURES_DIR, file), 'utf8')) as unknown;
      const r = checkFields(gvk, obj);
      assert.deepEqual(r.unknown, [], `unknown fields in ${file}: got ${JSON.stringify(r.unknown)}, want none`);
      assert.deepEqual(r.typeErrors, [], `type errors in ${file}: got ${JSON.stringify(r.typeErrors)}, want none`);
    });
  }
});
