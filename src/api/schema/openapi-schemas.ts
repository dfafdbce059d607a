// The `components.schemas` part of an OpenAPI v3 document, in the shape upstream's api/openapi-spec/v3 files
// have: one entry per type, fields referring to other types through `allOf: [{$ref}]`, list/map/patch
// markers as x-kubernetes-* extensions.
import type { FieldData, SchemaData, TypeData } from './schema-data';

export type JsonObject = Record<string, unknown>;

const REF = '#/components/schemas/';

/** A type name's element schema when used by a field: wrapper types ([]string in Go) are inlined. */
function elementSchema(data: SchemaData, f: FieldData): JsonObject {
  if (f.t === 'ref') {
    const target = f.r ? data.types[f.r] : undefined;
    if (target?.k === 'array') return { type: 'array', items: { type: 'string', default: '' } };
    return { allOf: [{ $ref: `${REF}${f.r ?? ''}` }] };
  }
  switch (f.t) {
    case 'bytes':
      return { type: 'string', format: 'byte' };
    case 'integer':
      return { type: 'integer', format: f.fmt ?? 'int64' };
    case 'number':
      return { type: 'number', format: f.fmt ?? 'double' };
    default:
      return { type: f.t };
  }
}

function fieldSchema(data: SchemaData, f: FieldData): JsonObject {
  let s: JsonObject;
  if (f.a) {
    s = { type: 'array', items: elementSchema(data, f) };
    if (f.lt) s['x-kubernetes-list-type'] = f.lt;
    if (f.lk) s['x-kubernetes-list-map-keys'] = f.lk;
  } else if (f.m) {
    s = { type: 'object', additionalProperties: elementSchema(data, f) };
  } else {
    s = elementSchema(data, f);
  }
  if (f.d) s.description = f.d;
  if (f.mt) s['x-kubernetes-map-type'] = f.mt;
  if (f.pk) s['x-kubernetes-patch-merge-key'] = f.pk;
  if (f.ps) s['x-kubernetes-patch-strategy'] = f.ps;
  return sortKeys(s);
}

function sortKeys(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/** The OpenAPI schema of one generated type. */
export function typeSchema(data: SchemaData, t: TypeData, extraGvks?: JsonObject[]): JsonObject {
  const s: JsonObject = {};
  if (t.d) s.description = t.d;
  switch (t.k) {
    case 'time':
      Object.assign(s, { type: 'string', format: 'date-time' });
      break;
    case 'quantity':
      Object.assign(s, { oneOf: [{ type: 'string' }, { type: 'number' }] });
      break;
    case 'intOrString':
      Object.assign(s, { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true });
      break;
    case 'string':
      s.type = 'string';
      break;
    case 'any':
      s.type = 'object';
      break;
    case 'array':
      Object.assign(s, { type: 'array', items: { type: 'string', default: '' } });
      break;
    default: {
      const props: JsonObject = {};
      const required: string[] = [];
      for (const name of Object.keys(t.f ?? {}).sort()) {
        const f = (t.f ?? {})[name];
        if (!f) continue;
        props[name] = fieldSchema(data, f);
        if (!f.o && name !== 'apiVersion' && name !== 'kind') required.push(name);
      }
      s.properties = props;
      if (required.length > 0) s.required = required;
      s.type = 'object';
      if (t.mt) s['x-kubernetes-map-type'] = t.mt;
      const gvks = [...(t.gvk ? [{ group: t.gvk.group, kind: t.gvk.kind, version: t.gvk.version }] : []), ...(extraGvks ?? [])];
      if (gvks.length > 0) s['x-kubernetes-group-version-kind'] = gvks;
    }
  }
  return s;
}

/** Every type reachable from `roots` (by field references), roots included, sorted by name. */
export function reachableTypes(data: SchemaData, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const stack = [...roots].filter((r) => data.types[r]);
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const t = data.types[name];
    for (const f of Object.values(t?.f ?? {})) {
      if (f.t !== 'ref' || !f.r || seen.has(f.r)) continue;
      if (data.types[f.r]?.k === 'array') continue; // inlined wrapper
      stack.push(f.r);
    }
  }
  return [...seen].sort();
}
