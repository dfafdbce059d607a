// The schema registry: src/api/generated/schemas.json turned into SchemaNode trees, loaded on first use and
// compiled one type at a time (a type's field table is built the first time someone asks for a field).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../util/package-root';
import { META_V1, openapiName, packageOfApiVersion } from './names';
import type { FieldData, SchemaData, TypeData } from './schema-data';
import type { GroupVersionKind, SchemaKind, SchemaNode, SchemaRegistry } from './types';

/** A SchemaRegistry that can also look types up by name and enumerate them (OpenAPI, tests). */
export interface TypeRegistry extends SchemaRegistry {
  /** The type by OpenAPI name, e.g. 'io.k8s.api.core.v1.PodSpec'. */
  type(name: string): SchemaNode | undefined;
  /** The OpenAPI name of a kind's type, if known. */
  typeNameOf(gvk: GroupVersionKind): string | undefined;
  /** The raw generated data (read-only). */
  readonly data: SchemaData;
}

const EMPTY: readonly string[] = Object.freeze([]);

class TypeEntry {
  private fieldMap?: Map<string, SchemaNode>;
  private names?: readonly string[];
  private req?: readonly string[];
  constructor(
    readonly name: string,
    readonly data: TypeData,
    private readonly reg: Registry,
  ) {}

  fields(): Map<string, SchemaNode> {
    if (!this.fieldMap) {
      const m = new Map<string, SchemaNode>();
      for (const [k, f] of Object.entries(this.data.f ?? {})) m.set(k, this.reg.fieldNode(f));
      this.fieldMap = m;
    }
    return this.fieldMap;
  }

  fieldNames(): readonly string[] {
    return (this.names ??= Object.freeze(Object.keys(this.data.f ?? {})));
  }

  required(): readonly string[] {
    if (!this.req) {
      const r: string[] = [];
      for (const [k, f] of Object.entries(this.data.f ?? {})) if (!f.o) r.push(k);
      this.req = Object.freeze(r);
    }
    return this.req;
  }
}

interface NodeInit {
  kind: SchemaKind;
  typeName?: string;
  description?: string;
  items?: SchemaNode;
  entry?: TypeEntry;
  field?: FieldData;
  format?: string;
}

/** A node of the schema tree. Exposes `format` (int32, int64, ...) beyond the SchemaNode contract. */
export class Node implements SchemaNode {
  readonly kind: SchemaKind;
  readonly typeName?: string;
  readonly description?: string;
  readonly items?: SchemaNode;
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys?: readonly string[];
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
  readonly mapType?: 'atomic' | 'granular';
  readonly format?: string;
  private readonly entry?: TypeEntry;

  constructor(init: NodeInit) {
    this.kind = init.kind;
    if (init.typeName !== undefined) this.typeName = init.typeName;
    if (init.description) this.description = init.description;
    if (init.items) this.items = init.items;
    if (init.entry) this.entry = init.entry;
    if (init.format) this.format = init.format;
    const st = init.entry?.data.mt;
    if (st === 'atomic' || st === 'granular') this.mapType = st;
    const f = init.field;
    if (f) {
      if (f.lt === 'atomic' || f.lt === 'set' || f.lt === 'map') this.listType = f.lt;
      if (f.lk) this.listMapKeys = Object.freeze([...f.lk]);
      if (f.ps) this.patchStrategy = f.ps;
      if (f.pk) this.patchMergeKey = f.pk;
      if (f.mt === 'atomic' || f.mt === 'granular') this.mapType = f.mt;
    }
  }

  field(name: string): SchemaNode | undefined {
    return this.entry?.fields().get(name);
  }

  fieldNames(): readonly string[] {
    return this.entry?.fieldNames() ?? EMPTY;
  }

  get required(): readonly string[] | undefined {
    return this.entry?.required();
  }
}

const SCALAR_KIND: Record<Exclude<FieldData['t'], 'ref'>, SchemaKind> = {
  string: 'string',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  bytes: 'bytes',
};

class Registry implements TypeRegistry {
  private readonly entries = new Map<string, TypeEntry>();
  private readonly roots = new Map<string, Node>();

  constructor(readonly data: SchemaData) {}

  entry(name: string): TypeEntry | undefined {
    let e = this.entries.get(name);
    if (!e) {
      const d = this.data.types[name];
      if (!d) return undefined;
      e = new TypeEntry(name, d, this);
      this.entries.set(name, e);
    }
    return e;
  }

  /** The node of a named type, without a field's description or markers. */
  type(name: string): Node | undefined {
    let n = this.roots.get(name);
    if (!n) {
      const e = this.entry(name);
      if (!e) return undefined;
      n = this.typeNode(e, e.data.d, undefined);
      this.roots.set(name, n);
    }
    return n;
  }

  private typeNode(e: TypeEntry, description: string | undefined, field: FieldData | undefined): Node {
    const k = e.data.k;
    if (k === 'array') {
      const items = e.data.it ? this.elementNode(e.data.it, undefined) : new Node({ kind: 'string' });
      return new Node({ kind: 'array', typeName: e.name, description, items, field });
    }
    if (k) return new Node({ kind: k, typeName: e.name, description, field });
    return new Node({ kind: 'object', typeName: e.name, description, entry: e, field });
  }

  /** The node of one value of a field (the element of an array or map field). */
  private elementNode(f: FieldData, description: string | undefined, markers?: FieldData): Node {
    if (f.t === 'ref') {
      const e = f.r ? this.entry(f.r) : undefined;
      if (!e) throw new Error(`schema: unknown type ${String(f.r)}`);
      return this.typeNode(e, description, markers);
    }
    return new Node({ kind: SCALAR_KIND[f.t], description, field: markers, format: f.fmt });
  }

  fieldNode(f: FieldData): Node {
    if (f.a || f.m) {
      const items = this.elementNode(f, undefined);
      return new Node({ kind: f.a ? 'array' : 'map', description: f.d, items, field: f });
    }
    return this.elementNode(f, f.d, f);
  }

  typeNameOf(gvk: GroupVersionKind): string | undefined {
    const group = gvk.group === 'meta.k8s.io' ? undefined : gvk.group;
    if (group !== undefined) {
      const name = openapiName(`${packageOfApiVersion(group, gvk.version)}.${gvk.kind}`);
      if (this.data.types[name]) return name;
    }
    // metav1 kinds (Status, DeleteOptions, APIGroup, Table, ...) are served in every group-version.
    const meta = `${META_V1}.${gvk.kind}`;
    return this.data.types[meta] ? meta : undefined;
  }

  root(gvk: GroupVersionKind): SchemaNode | undefined {
    const name = this.typeNameOf(gvk);
    return name ? this.type(name) : undefined;
  }
}

let registry: Registry | undefined;

/** The registry of the built-in types. Reads and parses schemas.json on the first call (about 0.7 MB). */
export function getSchemaRegistry(): TypeRegistry {
  if (!registry) {
    const file = join(packageRoot(), 'src', 'api', 'generated', 'schemas.json');
    registry = new Registry(JSON.parse(readFileSync(file, 'utf8')) as SchemaData);
  }
  return registry;
}
