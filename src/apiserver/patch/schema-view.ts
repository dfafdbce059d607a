// How patching and server-side apply read a SchemaNode: the schema of a child, a list's merge semantics
// (SMP: patchStrategy/patchMergeKey; SSA: listType/listMapKeys), and whether a map or struct is atomic.
// An undefined schema (unknown type, free-form JSON) is "deduced" the way structured-merge-diff does:
// maps are granular, lists are atomic, everything else is a scalar.
import type { SchemaNode } from '../../api/schema/types';

/**
 * Struct types marked `+structType=atomic` in k8s.io/api and apimachinery. The generated schema does not carry
 * type-level markers yet, so they are listed here (x-kubernetes-map-type: atomic in upstream's OpenAPI).
 */
const ATOMIC_STRUCTS = new Set([
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
  'io.k8s.api.core.v1.LocalObjectReference',
  'io.k8s.api.core.v1.ObjectReference',
  'io.k8s.api.core.v1.TypedLocalObjectReference',
  'io.k8s.api.core.v1.TypedObjectReference',
  'io.k8s.api.core.v1.ConfigMapKeySelector',
  'io.k8s.api.core.v1.SecretKeySelector',
  'io.k8s.api.core.v1.ObjectFieldSelector',
  'io.k8s.api.core.v1.ResourceFieldSelector',
  'io.k8s.api.core.v1.NodeSelector',
  'io.k8s.api.core.v1.NodeSelectorTerm',
  'io.k8s.api.core.v1.TopologySelectorTerm',
]);

/** The schema of member `key` of an object or map value described by `s`. */
export function childSchema(s: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (!s) return undefined;
  if (s.kind === 'object') return s.field(key);
  if (s.kind === 'map') return s.items;
  return undefined;
}

/** Whether `key` is a declared field of the struct `s` (as opposed to a map key or an unknown field). */
export function isDeclaredField(s: SchemaNode | undefined, key: string): boolean {
  return s !== undefined && s.kind === 'object' && s.field(key) !== undefined;
}

/** A struct with a known schema (its absent→present transitions are not recorded as ownership of the struct). */
export function isStruct(s: SchemaNode | undefined): boolean {
  return s !== undefined && s.kind === 'object';
}

export function isAtomicMap(s: SchemaNode | undefined): boolean {
  if (!s) return false;
  if (s.mapType === 'atomic') return true;
  return s.kind === 'object' && s.typeName !== undefined && ATOMIC_STRUCTS.has(s.typeName);
}

export type ListSemantics = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: readonly string[] };

const ATOMIC: ListSemantics = { type: 'atomic' };
const SET: ListSemantics = { type: 'set' };

const semanticsCache = new WeakMap<SchemaNode, ListSemantics>();

function computeListSemantics(s: SchemaNode): ListSemantics {
  if (s.listType === 'map' && s.listMapKeys && s.listMapKeys.length > 0) return { type: 'map', keys: [...s.listMapKeys].sort() };
  if (s.listType === 'set') return SET;
  if (s.listType === 'atomic') return ATOMIC;
  if (hasStrategy(s, 'merge')) return s.patchMergeKey ? { type: 'map', keys: [s.patchMergeKey] } : SET;
  return ATOMIC;
}

/** Server-side apply's view of a list: associative (by keys, sorted by name), set, or atomic (the default). */
export function listSemantics(s: SchemaNode | undefined): ListSemantics {
  if (!s) return ATOMIC;
  let ls = semanticsCache.get(s);
  if (!ls) {
    ls = computeListSemantics(s);
    semanticsCache.set(s, ls);
  }
  return ls;
}

export function hasStrategy(s: SchemaNode | undefined, strategy: string): boolean {
  const ps = s?.patchStrategy;
  if (!ps) return false;
  return ps.split(',').some((p) => p.trim() === strategy);
}

/**
 * Defaults of list-map key fields, used when an item omits one (upstream takes them from the OpenAPI
 * defaults: a port's protocol defaults to TCP), so an applied `{containerPort: 80}` matches the live
 * `{containerPort: 80, protocol: TCP}`.
 */
export const LIST_MAP_KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' };
