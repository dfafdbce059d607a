// PATCH and server-side apply for the API server: JSON patch, JSON merge patch, strategic merge patch,
// apply with conflicts, and metadata.managedFields on every write. See README.md.
export { PatchError, type PatchErrorCause, type PatchErrorDetails } from './errors';
export type { Obj } from './json-value';
export { applyJsonPatch } from './json-patch';
export { applyMergePatch } from './merge-patch';
export { applyStrategicMergePatch } from './strategic-merge-patch';
export { serverSideApply, type ServerSideApplyOptions } from './server-side-apply';
export { updateManagedFields, type UpdateManagedFieldsOptions } from './managed-fields';
export { parseApplyBody } from './apply-body';
