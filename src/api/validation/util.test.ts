import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepEqual } from './util';

describe('deepEqual (Semantic.DeepEqual for JSON)', () => {
  const cases: Array<[string, unknown, unknown, boolean]> = [
    ['same scalars', 1, 1, true],
    ['different scalars', 1, 2, false],
    ['absent vs empty list field', { a: 1 }, { a: 1, b: [] }, true],
    ['null vs absent field', { a: null }, {}, true],
    ['empty object equals absent (nil map / zero struct)', { a: {} }, {}, true],
    ['non-empty object is not absent', { a: { b: 1 } }, {}, false],
    ['key order ignored', { a: 1, b: 2 }, { b: 2, a: 1 }, true],
    ['nested lists', { a: [{ b: [1] }] }, { a: [{ b: [1] }] }, true],
    ['list order matters', [1, 2], [2, 1], false],
    ['extra field differs', { a: 1 }, { a: 1, b: 0 }, false],
  ];
  for (const [name, a, b, want] of cases) {
    it(name, () => {
      assert.equal(deepEqual(a, b), want, `deepEqual(${JSON.stringify(a)}, ${JSON.stringify(b)}) want ${want}`);
      assert.equal(deepEqual(b, a), want, 'symmetric');
    });
  }
});
