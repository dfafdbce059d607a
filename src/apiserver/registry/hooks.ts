// The registry's view of the API-type machinery built elsewhere: defaulting and validation (src/api),
// managedFields bookkeeping (patch/). One adapter so the registry does not care where each lives.
import { applyDefaults } from '../../api/defaults';
import { validateCreate, validateUpdate, invalidMessage, toCauses, type FieldError } from '../../api/validation';
import { getSchemaRegistry } from '../../api/schema';
import { updateManagedFields } from '../patch';
import type { ResourceInfo } from '../../api/resources';
import { errors } from '../errors';
import { meta, str, type Obj } from './object';

export { applyDefaults };

export function schemaFor(group: string, version: string, kind: string) {
  return getSchemaRegistry().root({ group, version, kind });
}

/** Throws 422 Invalid with per-field causes when `errs` is not empty. */
export function throwIfInvalid(info: ResourceInfo, obj: Obj, errs: FieldError[]): void {
  if (errs.length === 0) return;
  const name = str(meta(obj).name) ?? '';
  throw errors.invalid(info.group, info.kind, name, invalidMessage(info.kind, name, errs, info.group), toCauses(errs));
}

export function validateForCreate(info: ResourceInfo, obj: Obj): void {
  throwIfInvalid(info, obj, validateCreate(info.group, info.kind, obj, { namespaced: info.namespaced }));
}

export function validateForUpdate(info: ResourceInfo, obj: Obj, old: Obj, subresource?: string): void {
  // A binding only sets spec.nodeName, which pod update validation (rightly) forbids for users.
  if (subresource === 'binding') return;
  throwIfInvalid(info, obj, validateUpdate(info.group, info.kind, obj, old, { namespaced: info.namespaced, subresource }));
}

export function recordManagedFields(info: ResourceInfo, opts: { old: Obj | undefined; updated: Obj; manager: string; now: string; subresource?: string }): Obj {
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  return updateManagedFields({ ...opts, schema: schemaFor(info.group, info.version, info.kind), apiVersion });
}
