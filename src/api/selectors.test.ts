import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFieldSelector, parseLabelSelector, selectorFromMap, selectorFromSpec, SelectorParseError } from './selectors';

test('label selectors match as upstream', () => {
  const cases: Array<{ name: string; sel: string; labels: Record<string, string>; want: boolean }> = [
    { name: 'empty selects all', sel: '', labels: { a: 'b' }, want: true },
    { name: 'equality', sel: 'app=web', labels: { app: 'web' }, want: true },
    { name: 'double equals', sel: 'app==web', labels: { app: 'web' }, want: true },
    { name: 'equality miss', sel: 'app=web', labels: { app: 'db' }, want: false },
    { name: 'inequality on missing key', sel: 'app!=web', labels: {}, want: true },
    { name: 'in', sel: 'env in (prod, staging)', labels: { env: 'staging' }, want: true },
    { name: 'notin missing key', sel: 'env notin (prod)', labels: {}, want: true },
    { name: 'exists', sel: 'tier', labels: { tier: '' }, want: true },
    { name: 'does not exist', sel: '!tier', labels: { tier: 'x' }, want: false },
    { name: 'several', sel: 'app=web,tier!=db,!canary', labels: { app: 'web', tier: 'fe' }, want: true },
    { name: 'gt', sel: 'n>3', labels: { n: '4' }, want: true },
    { name: 'prefixed key', sel: 'app.kubernetes.io/name=x', labels: { 'app.kubernetes.io/name': 'x' }, want: true },
  ];
  for (const c of cases) {
    const got = parseLabelSelector(c.sel).matches(c.labels);
    assert.equal(got, c.want, `${c.name}: ${c.sel} on ${JSON.stringify(c.labels)}: got ${got}, want ${c.want}`);
  }
});

test('bad label selectors are parse errors', () => {
  for (const bad of ['app=', 'a in b', 'a in (b', '=x', 'a=b,,', 'bad key=x', 'a=b c']) {
    if (bad === 'app=') {
      // an empty value is valid upstream
      assert.ok(parseLabelSelector(bad).matches({ app: '' }), 'app= matches an empty value');
      continue;
    }
    assert.throws(() => parseLabelSelector(bad), SelectorParseError, `want a parse error for ${JSON.stringify(bad)}`);
  }
});

test('selectorFromSpec and selectorFromMap', () => {
  assert.equal(selectorFromSpec(null).matches({}), false, 'null selects nothing');
  assert.equal(selectorFromSpec({}).matches({ a: 'b' }), true, '{} selects everything');
  const s = selectorFromSpec({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] });
  assert.equal(s.matches({ app: 'web', tier: 'fe' }), true);
  assert.equal(s.matches({ app: 'web', tier: 'be' }), false);
  assert.equal(s.toString(), 'app=web,tier in (fe)');
  assert.equal(selectorFromMap({ app: 'x' }).matches({ app: 'x', b: 'c' }), true);
});

test('field selectors', () => {
  const fs = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed');
  const obj: Record<string, string> = { 'spec.nodeName': 'n1', 'status.phase': 'Running' };
  assert.equal(fs.matches((f) => obj[f]), true);
  assert.equal(fs.exact('spec.nodeName'), 'n1');
  assert.equal(fs.exact('status.phase'), undefined);
  assert.equal(parseFieldSelector('spec.nodeName=').matches(() => ''), true, 'empty value matches unset');
  assert.throws(() => parseFieldSelector('nonsense'), SelectorParseError);
});
