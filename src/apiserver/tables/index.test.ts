import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { RESOURCES } from '../../api/resources';
import { buildTable, hasPrinter, tableCells, tableColumns } from './index';
import { NOW, metaOf } from './testing';

type Json = Record<string, unknown>;

const FIXTURES = '/work/shared/k8s-api-v1.32/fixtures';

function fixture(group: string, version: string, kind: string): Json | undefined {
  try {
    return JSON.parse(readFileSync(`${FIXTURES}/${group === '' ? 'core' : group}.${version}.${kind}.json`, 'utf8')) as Json;
  } catch {
    return undefined;
  }
}

const pod = {
  apiVersion: 'v1', kind: 'Pod', metadata: metaOf('p1', 30, { resourceVersion: '7', labels: { app: 'x' } }),
  spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Succeeded' },
};

test('buildTable: default row object is PartialObjectMetadata with the object metadata', () => {
  const t = buildTable({ group: '', plural: 'pods', objects: [pod], listMeta: { resourceVersion: '42' }, now: NOW });
  const rows = t['rows'] as Array<Json>;
  assert.equal(t['kind'], 'Table', `kind: got ${String(t['kind'])}`);
  assert.equal(t['apiVersion'], 'meta.k8s.io/v1', `apiVersion: got ${String(t['apiVersion'])}`);
  assert.deepEqual(t['metadata'], { resourceVersion: '42' }, `metadata: got ${JSON.stringify(t['metadata'])}`);
  assert.equal((t['columnDefinitions'] as unknown[]).length, 9, 'pods have 9 column definitions');
  assert.equal(rows.length, 1, `rows: got ${rows.length}, want 1`);
  const want = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata };
  assert.deepEqual(rows[0]?.['object'], want, `row object: got ${JSON.stringify(rows[0]?.['object'])}`);
  assert.deepEqual(rows[0]?.['cells'], ['p1', '0/1', 'Succeeded', '0', '30s', '<none>', '<none>', '<none>', '<none>']);
  assert.deepEqual(rows[0]?.['conditions'], [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
});

const includeCases: Array<{ name: string; include: 'None' | 'Metadata' | 'Object'; want: unknown }> = [
  { name: 'Object keeps the whole object', include: 'Object', want: pod },
  { name: 'None drops the object', include: 'None', want: undefined },
];
for (const c of includeCases) {
  test(`buildTable: includeObject ${c.name}`, () => {
    const t = buildTable({ group: '', plural: 'pods', objects: [pod], listMeta: {}, includeObject: c.include, now: NOW });
    const row = (t['rows'] as Json[])[0];
    assert.deepEqual(row?.['object'], c.want, `object: got ${JSON.stringify(row?.['object'])}`);
  });
}

test('buildTable: noHeaders omits columnDefinitions; list metadata carries continue and remainingItemCount', () => {
  const t = buildTable({
    group: 'apps', plural: 'deployments', objects: [], noHeaders: true, now: NOW,
    listMeta: { resourceVersion: '9', continue: 'tok', remainingItemCount: 3 },
  });
  assert.equal('columnDefinitions' in t, false, 'columnDefinitions must be absent with noHeaders');
  assert.deepEqual(t['rows'], [], `rows: got ${JSON.stringify(t['rows'])}`);
  assert.deepEqual(t['metadata'], { resourceVersion: '9', continue: 'tok', remainingItemCount: 3 });
});

test('buildTable: output survives a JSON round trip unchanged', () => {
  const t = buildTable({ group: '', plural: 'pods', objects: [pod, pod], listMeta: { resourceVersion: '1' }, now: NOW });
  assert.deepEqual(JSON.parse(JSON.stringify(t)), t, 'table must be plain JSON');
});

test('default convertor: Name and Created At (RFC3339, UTC, no fraction)', () => {
  const cols = tableColumns('rbac.authorization.k8s.io', 'roles').map((c) => `${c.name}:${c.type}:${c.format}`);
  assert.deepEqual(cols, ['Name:string:name', 'Created At:date:']);
  const role = { metadata: { name: 'reader', creationTimestamp: '2024-02-03T04:05:06.789+02:00' } };
  assert.deepEqual(tableCells('rbac.authorization.k8s.io', 'roles', role, NOW), ['reader', '2024-02-03T02:05:06Z']);
  assert.deepEqual(tableCells('', 'limitranges', { metadata: { name: 'l' } }, NOW), ['l', '0001-01-01T00:00:00Z']);
  assert.equal(hasPrinter('', 'limitranges'), false, 'limitranges use the default convertor');
  assert.equal(hasPrinter('', 'pods'), true, 'pods have a printer');
});

test('subresources: scale prints a Scale, status prints like the parent', () => {
  const scale = { kind: 'Scale', metadata: metaOf('web', 60), spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=web' } };
  assert.deepEqual(tableColumns('apps', 'deployments/scale').map((c) => c.name), ['Name', 'Desired', 'Available', 'Age']);
  assert.deepEqual(tableCells('apps', 'deployments/scale', scale, NOW), ['web', 3, 2, '60s']);
  assert.deepEqual(tableColumns('', 'pods/status'), tableColumns('', 'pods'));
});

const ODD: Array<{ name: string; obj: unknown }> = [
  { name: 'empty object', obj: {} },
  { name: 'metadata of the wrong type', obj: { metadata: 5, spec: 'x', status: [] } },
  { name: 'nulls everywhere', obj: { metadata: null, spec: null, status: null, data: null, subsets: null } },
  { name: 'arrays of junk', obj: { metadata: { name: 1, labels: [] }, spec: { containers: [null, 3, 'x'], ports: [null], rules: [7] }, status: { conditions: [null, 'x'], containerStatuses: [null, { state: 5 }] }, subsets: [null, { addresses: [null], ports: [null] }] } },
  { name: 'not an object at all', obj: 'pod' },
];

for (const r of RESOURCES) {
  const label = `${r.group || 'core'}/${r.version}/${r.plural}`;
  test(`every resource: ${label} prints one cell per column for its fixture and for odd objects`, () => {
    const cols = tableColumns(r.group, r.plural);
    assert.ok(cols.length >= 2, `${label}: at least Name and one more column`);
    const fx = fixture(r.group, r.version, r.kind);
    const inputs: Array<{ name: string; obj: unknown }> = fx === undefined ? ODD : [{ name: 'upstream fixture', obj: fx }, ...ODD];
    for (const input of inputs) {
      const cells = tableCells(r.group, r.plural, input.obj as Json, NOW);
      assert.equal(cells.length, cols.length, `${label} ${input.name}: got ${cells.length} cells, want ${cols.length}`);
      for (const cell of cells) {
        const t = typeof cell;
        assert.ok(t === 'string' || t === 'number' || t === 'boolean', `${label} ${input.name}: cell ${JSON.stringify(cell)} is ${t}`);
      }
    }
  });
}

test('fixtures: exact cells of the upstream Deployment and Service fixtures', () => {
  const d = fixture('apps', 'v1', 'Deployment');
  const s = fixture('', 'v1', 'Service');
  assert.ok(d !== undefined && s !== undefined, 'fixtures present');
  const now = Date.parse('2010-01-01T01:01:01Z');
  // creationTimestamp 2008-01-01T01:01:01Z: 731 days before `now` (2008 is a leap year).
  assert.deepEqual(tableCells('apps', 'deployments', d, now), ['nameValue', '7/1', 3, 4, '2y1d', 'nameValue', 'imageValue', '<invalid>']);
  assert.deepEqual(tableCells('', 'services', s, now), ['nameValue', 'typeValue', 'clusterIPsValue', '<unknown>', '3:5/protocolValue', '2y1d', 'selectorKey=selectorValue']);
});
