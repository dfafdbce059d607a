// Shapes of the meta.k8s.io/v1 Table pieces, and the Printer contract each resource's printer meets.

import { DOC } from './descriptions';
import type { Obj } from './util';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** metav1.TableRowCondition (only pods set one: Completed for Succeeded/Failed pods). */
export interface RowCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface TableRow {
  cells: unknown[];
  conditions?: RowCondition[];
  object?: unknown;
}

/**
 * One resource's Table conversion, the equivalent of a TableHandler in Kubernetes' printers.
 * `cells` returns exactly one cell per column, always the wide set (the API server prints with
 * Wide=true; kubectl hides priority>0 columns itself unless `-o wide`). It must not throw on any
 * input: missing or mistyped fields print as the upstream zero value would.
 */
export interface Printer {
  columns: readonly ColumnDefinition[];
  cells(o: Obj, now: number): unknown[];
  conditions?(o: Obj): RowCondition[] | undefined;
}

/** A column definition; `format` and `priority` as in metav1.TableColumnDefinition. */
export function col(name: string, type: string, description: string, priority = 0, format = ''): ColumnDefinition {
  return Object.freeze({ name, type, format, description, priority });
}

export const NAME_COL = col('Name', 'string', DOC.name, 0, 'name');
export const AGE_COL = col('Age', 'string', DOC.creationTimestamp);
export const CONTAINERS_COL = col('Containers', 'string', 'Names of each container in the template.', 1);
export const IMAGES_COL = col('Images', 'string', 'Images referenced by each container in the template.', 1);
