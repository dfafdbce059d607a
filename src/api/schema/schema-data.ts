// The format of src/api/generated/schemas.json (written by scripts/gen-api-schema.ts). Short keys keep the
// file small; src/api/schema/registry.ts turns it into SchemaNode trees.

export interface SchemaData {
  version: 1;
  source: string;
  /** OpenAPI-style name ('io.k8s.api.core.v1.PodSpec') → type. */
  types: Record<string, TypeData>;
}

export interface TypeData {
  /** Kind of the type when it is not a struct: special scalars (Time, Quantity, ...) and []string wrappers. */
  k?: 'time' | 'quantity' | 'intOrString' | 'string' | 'any' | 'array';
  /** Description. */
  d?: string;
  /** Struct fields by JSON name, inline structs already flattened, apiVersion/kind added where Go has TypeMeta. */
  f?: Record<string, FieldData>;
  /** For k = 'array': the element. */
  it?: FieldData;
  /** +structType (atomic/granular): x-kubernetes-map-type of the struct. */
  mt?: string;
  /** Set on kinds (types with TypeMeta) of the k8s.io/api packages. */
  gvk?: { group: string; version: string; kind: string };
}

export interface FieldData {
  /** Scalar kind, or 'ref' to a type named by `r`. */
  t: 'string' | 'integer' | 'number' | 'boolean' | 'bytes' | 'ref';
  r?: string;
  /** OpenAPI format: int32, int64, double, float, byte. */
  fmt?: string;
  /** Repeated (a JSON array). */
  a?: 1;
  /** A map with string keys; the value is described by t/r. */
  m?: 1;
  d?: string;
  /** +optional. */
  o?: 1;
  /** +required. */
  rq?: 1;
  lt?: string;
  lk?: string[];
  ps?: string;
  pk?: string;
  mt?: string;
}
