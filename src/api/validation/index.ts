// Public surface of validation: validateCreate / validateUpdate for every built-in kind, and the error helpers.
// Both expect the object to have been defaulted first (applyDefaults), as the Kubernetes API server does.

import type { FieldError } from './field-error';
import { nameIsDNSSubdomain } from './names';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta';
import type { KindRules, ValidationContext } from './registry';
import { isObj } from './util';
import { CORE_RULES, GROUP_RULES } from './kind-rules';
import { WORKLOAD_RULES } from './workload-rules';

export type { FieldError, FieldErrorType } from './field-error';
export { formatFieldError, invalidMessage, toCauses, errorBody, qualifiedKind } from './field-error';
export type { ValidationContext } from './registry';
export { inheritImmutableMeta } from './object-meta';

const RULES: ReadonlyMap<string, KindRules> = new Map<string, KindRules>([...WORKLOAD_RULES, ...CORE_RULES, ...GROUP_RULES]);

const GENERIC: KindRules = { nameFn: nameIsDNSSubdomain };

function rulesFor(group: string, kind: string): KindRules {
  return RULES.get(`${group}/${kind}`) ?? GENERIC;
}

/** Validates an object about to be created. Returns [] when valid. Never throws on malformed input. */
export function validateCreate(group: string, kind: string, obj: Record<string, unknown>, ctx: { namespaced: boolean }): FieldError[] {
  if (!isObj(obj)) return validateCreate(group, kind, {}, ctx);
  const r = rulesFor(group, kind);
  const c: ValidationContext = { namespaced: ctx.namespaced };
  if (r.create) return r.create(obj, c);
  const errs: FieldError[] = [];
  if (!r.noMeta) validateObjectMeta(obj, ctx.namespaced, r.nameFn, errs);
  r.spec?.(obj, errs, c);
  return errs;
}

/**
 * Validates an update of `old` into `obj`. With `subresource: 'status'` only metadata and status rules apply
 * (the caller is expected to have reset spec from `old`, as upstream's status strategies do).
 */
export function validateUpdate(
  group: string,
  kind: string,
  obj: Record<string, unknown>,
  old: Record<string, unknown>,
  ctx: { namespaced: boolean; subresource?: string },
): FieldError[] {
  if (!isObj(obj) || !isObj(old)) return validateUpdate(group, kind, isObj(obj) ? obj : {}, isObj(old) ? old : {}, ctx);
  const r = rulesFor(group, kind);
  const c: ValidationContext = ctx.subresource === undefined ? { namespaced: ctx.namespaced } : { namespaced: ctx.namespaced, subresource: ctx.subresource };
  if (r.fullUpdate) return r.fullUpdate(obj, old, c);
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(obj, old, errs);
  if (ctx.subresource === 'status') {
    r.status?.(obj, old, errs);
    return errs;
  }
  // The scale subresource writes through the main object's strategy upstream, so full rules apply to it.
  if (ctx.subresource !== undefined && ctx.subresource !== '' && ctx.subresource !== 'scale') return errs;
  r.spec?.(obj, errs, c, old);
  r.update?.(obj, old, errs, c);
  return errs;
}

/** True when `v` is a JSON object (handy for callers guarding inputs). */
export const isJSONObject = isObj;
