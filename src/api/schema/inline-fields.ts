// Go structs embedded with `json:",inline"` that the protobuf schema shows as an ordinary field. In JSON their
// fields appear directly in the parent object; the schema generator and the protobuf decoder flatten them.
// Found by resolving every key of the upstream round-trip fixtures against the schema
// (see generated-schema.test.ts, which fails when one is missing).

/** Proto message full name (without leading dot) → names of its fields that are inlined in JSON. */
export const INLINE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'k8s.io.api.core.v1.Volume': ['volumeSource'],
  'k8s.io.api.core.v1.PersistentVolumeSpec': ['persistentVolumeSource'],
  'k8s.io.api.core.v1.EphemeralContainer': ['ephemeralContainerCommon'],
  'k8s.io.api.core.v1.Probe': ['handler'],
  'k8s.io.api.networking.v1.IngressRule': ['ingressRuleValue'],
};

/** True when a proto field is an inlined Go struct (the list above, or any embedded LocalObjectReference). */
export function isInlineField(message: string, field: string, fieldType: string): boolean {
  if (field === 'localObjectReference' && fieldType.endsWith('LocalObjectReference')) return true;
  return INLINE_FIELDS[message]?.includes(field) ?? false;
}

/** Proto field names that differ from the Go JSON names (go-to-protobuf derives them from Go field names). */
export const JSON_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'k8s.io.api.networking.v1.IngressClassParametersReference': { aPIGroup: 'apiGroup' },
  'k8s.io.api.authentication.v1.BoundObjectReference': { uID: 'uid' },
};

/** The JSON name of a proto field. */
export function jsonName(message: string, field: string): string {
  return JSON_NAMES[message]?.[field] ?? field;
}

/**
 * Messages that carry TypeMeta (`apiVersion`, `kind`) in JSON although their proto has no such fields:
 * every message with an ObjectMeta or ListMeta `metadata` field, plus these (API options, discovery and status
 * types). WatchEvent has none.
 */
export const EXTRA_TYPEMETA: ReadonlySet<string> = new Set([
  'k8s.io.apimachinery.pkg.apis.meta.v1.Status',
  'k8s.io.apimachinery.pkg.apis.meta.v1.APIGroup',
  'k8s.io.apimachinery.pkg.apis.meta.v1.APIGroupList',
  'k8s.io.apimachinery.pkg.apis.meta.v1.APIVersions',
  'k8s.io.apimachinery.pkg.apis.meta.v1.APIResourceList',
  'k8s.io.apimachinery.pkg.apis.meta.v1.CreateOptions',
  'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'k8s.io.apimachinery.pkg.apis.meta.v1.GetOptions',
  'k8s.io.apimachinery.pkg.apis.meta.v1.ListOptions',
  'k8s.io.apimachinery.pkg.apis.meta.v1.PatchOptions',
  'k8s.io.apimachinery.pkg.apis.meta.v1.UpdateOptions',
  'k8s.io.apimachinery.pkg.apis.meta.v1.TableOptions',
  'k8s.io.apimachinery.pkg.apis.meta.v1.PartialObjectMetadata',
  'k8s.io.apimachinery.pkg.apis.meta.v1.PartialObjectMetadataList',
  'k8s.io.api.core.v1.PodLogOptions',
  'k8s.io.api.core.v1.PodExecOptions',
  'k8s.io.api.core.v1.PodAttachOptions',
  'k8s.io.api.core.v1.PodPortForwardOptions',
  'k8s.io.api.core.v1.PodProxyOptions',
  'k8s.io.api.core.v1.NodeProxyOptions',
  'k8s.io.api.core.v1.ServiceProxyOptions',
  'k8s.io.api.core.v1.SerializedReference',
  'k8s.io.api.core.v1.List',
]);

/** True when the Go type of a proto message embeds TypeMeta (JSON `apiVersion` and `kind`). */
export function hasTypeMeta(message: string, metadataFieldType: string | undefined): boolean {
  if (EXTRA_TYPEMETA.has(message)) return true;
  if (message === 'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta') return false;
  return metadataFieldType !== undefined && /\.(ObjectMeta|ListMeta)$/.test(metadataFieldType);
}

/** Proto wrapper messages `{ repeated string items = 1 }` that are a plain `[]string` in Go and JSON. */
export const STRING_LIST_WRAPPERS: ReadonlySet<string> = new Set([
  'k8s.io.apimachinery.pkg.apis.meta.v1.Verbs',
  'k8s.io.api.authentication.v1.ExtraValue',
  'k8s.io.api.authorization.v1.ExtraValue',
  'k8s.io.api.certificates.v1.ExtraValue',
]);
