import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefixEnd } from './types';

test('prefixEnd bounds exactly the keys with the prefix', () => {
  const cases: Array<{ name: string; prefix: string; inside: string[]; outside: string[] }> = [
    { name: 'registry pods', prefix: '/registry/pods/', inside: ['/registry/pods/', '/registry/pods/default/x', '/registry/pods/~'], outside: ['/registry/pods', '/registry/pods0', '/registry/podsx'] },
    { name: 'single char', prefix: 'a', inside: ['a', 'a\u00ff', 'azzz'], outside: ['b', '`'] },
  ];
  for (const c of cases) {
    const end = prefixEnd(c.prefix);
    for (const k of c.inside) assert.ok(k >= c.prefix && k < end, `${c.name}: ${JSON.stringify(k)} should be in [${c.prefix}, ${end})`);
    for (const k of c.outside) assert.ok(!(k >= c.prefix && k < end), `${c.name}: ${JSON.stringify(k)} should be outside [${c.prefix}, ${end})`);
  }
});
