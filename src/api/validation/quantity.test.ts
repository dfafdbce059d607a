import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cmpQuantity, formatQuantity, parseQuantity } from './quantity';

describe('quantity', () => {
  const canon = [
    ['100m', '100m'], ['0.5', '500m'], ['1', '1'], ['1000', '1k'], ['1Gi', '1Gi'], ['1536Mi', '1536Mi'], ['1.5Gi', '1536Mi'],
    ['16Mi', '16Mi'], ['1e3', '1e3'], ['0', '0'], ['2000m', '2'], ['512', '512'], [2, '2'], ['0.1', '100m'],
  ] as const;
  for (const [input, want] of canon) {
    it(`canonical form of ${String(input)}`, () => {
      const q = parseQuantity(input);
      assert.ok(q, `parse ${String(input)} failed`);
      const got = formatQuantity(q);
      assert.equal(got, want, `got ${got} want ${want}`);
    });
  }
  for (const bad of ['', 'abc', '1.2.3', '1Xi', ' 1', '--1', '1e']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseQuantity(bad), undefined, `parsed ${bad}`));
  }
  it('compares across suffixes', () => {
    const a = parseQuantity('1Gi');
    const b = parseQuantity('1000Mi');
    const c = parseQuantity('1073741824');
    assert.ok(a && b && c);
    assert.equal(cmpQuantity(a, b), 1);
    assert.equal(cmpQuantity(a, c), 0);
    assert.equal(cmpQuantity(b, a), -1);
  });
});
