import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createIndexer } from './indexer';
import { fieldValue, parseFieldSelector, parseLabelSelector } from './selector';
import type { KubeObject } from './types';

test('label selectors: table', () => {
  const labels = { app: 'web', tier: 'fe', env: 'prod' };
  const cases: Array<{ sel: string; want: boolean }> = [
    { sel: '', want: true },
    { sel: 'app=web', want: true },
    { sel: 'app==web,tier=fe', want: true },
    { sel: 'app=db', want: false },
    { sel: 'app!=db', want: true },
    { sel: 'missing!=x', want: true },
    { sel: 'env in (prod, staging)', want: true },
    { sel: 'env notin (prod)', want: false },
    { sel: 'tier', want: true },
    { sel: '!tier', want: false },
    { sel: '!missing,app in (web)', want: true },
  ];
  for (const c of cases) {
    const got = parseLabelSelector(c.sel).matches(labels);
    assert.equal(got, c.want, `${JSON.stringify(c.sel)}: got ${got}, want ${c.want}`);
  }
  assert.throws(() => parseLabelSelector('a in b'), /invalid selector/);
});

test('field selectors: dotted paths, absent fields read as empty', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  const cases = [
    { sel: 'spec.nodeName=n1', want: true },
    { sel: 'spec.nodeName=n2', want: false },
    { sel: 'metadata.name=p,metadata.namespace=ns', want: true },
    { sel: 'status.phase!=Succeeded', want: true },
    { sel: 'spec.schedulerName=', want: true },
  ];
  for (const c of cases) assert.equal(parseFieldSelector(c.sel).matches(pod), c.want, c.sel);
  assert.equal(fieldValue(pod, 'spec.missing.deeper'), '');
});

test('indexer: indexes follow updates and removals', () => {
  const ix = createIndexer<KubeObject & { spec?: { nodeName?: string } }>({ node: (o) => (o.spec?.nodeName ? [o.spec.nodeName] : []) });
  ix.upsert({ metadata: { name: 'a', namespace: 'x' }, spec: { nodeName: 'n1' } });
  ix.upsert({ metadata: { name: 'b', namespace: 'y' }, spec: { nodeName: 'n1' } });
  ix.upsert({ metadata: { name: 'a', namespace: 'x' }, spec: { nodeName: 'n2' } });
  const names = (v: string): string[] => ix.byIndex('node', v).map((o) => o.metadata?.name ?? '').sort();
  assert.deepEqual(names('n1'), ['b'], `n1 after move: ${names('n1').join(',')}`);
  assert.deepEqual(names('n2'), ['a']);
  assert.equal(ix.list('x').length, 1, 'namespace index');
  ix.remove('y/b');
  assert.deepEqual(names('n1'), [], 'removed object still indexed');
  ix.addIndexers({ late: () => ['all'] });
  assert.equal(ix.byIndex('late', 'all').length, 1, 'an index added later must cover existing objects');
  assert.throws(() => ix.byIndex('nope', 'x'), /no index/);
});
