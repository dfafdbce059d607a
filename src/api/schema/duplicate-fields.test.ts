import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findDuplicateFields } from './duplicate-fields';

describe('findDuplicateFields', () => {
  const cases: Array<[string, string, string[]]> = [
    ['none', '{"a":1,"b":{"c":[1,2]}}', []],
    ['top level', '{"a":1,"a":2}', ['a']],
    ['nested', '{"metadata":{"name":"x","name":"y"}}', ['metadata.name']],
    ['inside arrays', '{"spec":{"containers":[{"name":"a"},{"name":"b","image":"i","image":"j"}]}}', ['spec.containers[1].image']],
    ['same key in sibling objects is fine', '{"a":{"x":1},"b":{"x":1}}', []],
    ['strings with braces, commas and escapes', '{"a":"{,}\\"","b":"x","c\\"d":1,"c\\"d":2}', ['c"d']],
    ['values that look like keys', '{"a":"a","b":["a","a"]}', []],
    ['whitespace', '{ "a" : 1 ,\n "a" : 2 }', ['a']],
  ];
  for (const [name, text, want] of cases) {
    it(name, () => {
      const got = findDuplicateFields(text);
      assert.deepEqual(got, want, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    });
  }
});
