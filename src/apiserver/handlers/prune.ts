// Drops fields the schema does not know, as decoding into Go structs does upstream (after Strict/Warn have
// reported them). Free-form parts of the schema ('any', maps of any) are kept as they are.
import type { SchemaNode } from '../../api/schema/types';
import { isObj } from '../registry/object';

export function pruneUnknownFields(schema: SchemaNode | undefined, value: unknown): void {
  if (!schema) return;
  walk(schema, value, true);
}

function walk(node: SchemaNode, v: unknown, top: boolean): void {
  switch (node.kind) {
    case 'object': {
      if (!isObj(v)) return;
      for (const k of Object.keys(v)) {
        if (top && (k === 'apiVersion' || k === 'kind')) continue;
        const f = node.field(k);
        if (!f) delete v[k];
        else walk(f, v[k], false);
      }
      return;
    }
    case 'array':
      if (Array.isArray(v) && node.items) for (const x of v) walk(node.items, x, false);
      return;
    case 'map':
      if (isObj(v) && node.items) for (const x of Object.values(v)) walk(node.items, x, false);
      return;
    default:
      return;
  }
}
