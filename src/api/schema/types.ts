// The shape of the built-in API types as the rest of berth sees it: a tree of schema nodes generated from
// the Kubernetes v1.32 protobuf definitions (field names, documentation, list/patch markers).
// Used by: field validation (unknown fields, types), OpenAPI v3 documents, strategic merge patch and
// server-side apply (merge keys, list types), protobuf decoding.

export interface GroupVersionKind {
  group: string; // '' for the core group
  version: string;
  kind: string;
}

/** What a value at some path is. `intOrString` and `quantity` accept a JSON string or number. */
export type SchemaKind =
  | 'object' // a struct with known fields
  | 'map' // map<string, T>: any keys, values described by `items`
  | 'array' // a list, elements described by `items`
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'intOrString'
  | 'quantity'
  | 'time' // RFC 3339 string (metav1.Time / MicroTime)
  | 'bytes' // base64 string
  | 'any'; // free-form JSON (RawExtension, FieldsV1, JSON)

export interface SchemaNode {
  readonly kind: SchemaKind;
  /** The generated type name, e.g. 'io.k8s.api.core.v1.PodSpec', for objects. */
  readonly typeName?: string;
  readonly description?: string;
  /** For objects: the field's schema, or undefined for an unknown field. */
  field(name: string): SchemaNode | undefined;
  /** For objects: every field name. */
  fieldNames(): readonly string[];
  /** For arrays and maps: the element schema. */
  readonly items?: SchemaNode;
  /** Markers from the Go types (+listType, +listMapKey, +patchStrategy, +patchMergeKey, +mapType). */
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys?: readonly string[];
  /** e.g. 'merge', 'replace', 'retainKeys', 'merge,retainKeys'. */
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
  readonly mapType?: 'atomic' | 'granular';
  /** Fields without the +optional marker in an object (informational; validation decides what is required). */
  readonly required?: readonly string[];
}

/** Looks up the schema of a kind's top-level object. */
export interface SchemaRegistry {
  root(gvk: GroupVersionKind): SchemaNode | undefined;
}
