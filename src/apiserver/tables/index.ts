// Server-side Table output (what `kubectl get` prints): a port of Kubernetes' printers
// (pkg/printers/internalversion, v1.32) for every built-in resource, plus the default Name/Created At
// convertor for resources without one. See README.md for the columns of each resource.

import { printerFor } from './registry';
import type { ColumnDefinition, Printer, TableRow } from './types';
import { meta, obj } from './util';

export type { ColumnDefinition, RowCondition, TableRow } from './types';
export { humanDuration } from './duration';
export { hasPrinter } from './registry';

/** Column definitions for a resource, by API group and plural resource name ('' for core). */
export function tableColumns(group: string, plural: string): ColumnDefinition[] {
  return printerFor(group, plural).columns.slice();
}

function safeCells(printer: Printer, o: Record<string, unknown>, now: number): unknown[] {
  try {
    return printer.cells(obj(o), now);
  } catch {
    // Printers are written not to throw; if one ever does, degrade to a row that still lines up.
    const cells: unknown[] = printer.columns.map(() => '');
    const nameAt = printer.columns.findIndex((c) => c.format === 'name');
    const name = meta(obj(o))['name'];
    if (nameAt >= 0) cells[nameAt] = typeof name === 'string' ? name : '';
    return cells;
  }
}

/**
 * One row's cells for an object; `now` injected for ages (ms since epoch). Always the wide set of cells
 * (one per column; kubectl hides priority>0 columns unless `-o wide`). Never throws on odd objects.
 */
export function tableCells(group: string, plural: string, o: Record<string, unknown>, now: number): unknown[] {
  return safeCells(printerFor(group, plural), o, now);
}

export interface BuildTableOptions {
  group: string;
  /** Plural resource name; 'deployments/scale' etc. for subresources. */
  plural: string;
  objects: Array<Record<string, unknown>>;
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** Per row: 'Metadata' (default) a PartialObjectMetadata, 'Object' the object itself, 'None' nothing. */
  includeObject?: 'None' | 'Metadata' | 'Object';
  /** Omit columnDefinitions (watch events after the first). */
  noHeaders?: boolean;
  now: number;
}

/**
 * The whole meta.k8s.io/v1 Table body. Row objects are shared references to the input objects (or
 * their metadata), never copies: serialise the result before the objects change.
 */
export function buildTable(opts: BuildTableOptions): Record<string, unknown> {
  const printer = printerFor(opts.group, opts.plural);
  const include = opts.includeObject ?? 'Metadata';
  const { objects, now } = opts;
  const rows: TableRow[] = new Array<TableRow>(objects.length);
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i] as Record<string, unknown>;
    const row: TableRow = { cells: safeCells(printer, o, now) };
    const conditions = printer.conditions?.(obj(o));
    if (conditions !== undefined) row.conditions = conditions;
    if (include === 'Metadata') {
      row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta(obj(o)) };
    } else if (include === 'Object') {
      row.object = o;
    }
    rows[i] = row;
  }

  const metadata: Record<string, unknown> = {};
  const lm = opts.listMeta;
  if (lm.resourceVersion !== undefined && lm.resourceVersion !== '') metadata['resourceVersion'] = lm.resourceVersion;
  if (lm.continue !== undefined && lm.continue !== '') metadata['continue'] = lm.continue;
  if (lm.remainingItemCount !== undefined) metadata['remainingItemCount'] = lm.remainingItemCount;

  const table: Record<string, unknown> = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata };
  if (!opts.noHeaders) table['columnDefinitions'] = printer.columns;
  table['rows'] = rows;
  return table;
}
