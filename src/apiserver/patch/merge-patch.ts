// RFC 7386 JSON merge patch (application/merge-patch+json): objects merge recursively, null deletes a
// member, anything else (lists included) replaces. Used by `kubectl scale` ({"spec":{"replicas":4}}) and
// `kubectl patch --type=merge`. Unchanged subtrees are shared with the target, which is never mutated.
import { badRequest } from './errors';
import { dropNulls, freshRootAndMetadata, isObj, type Obj } from './json-value';

function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  return mergeObject(isObj(target) ? target : undefined, patch);
}

function mergeObject(target: Obj | undefined, patch: Obj): Obj {
  const out: Obj = target ? { ...target } : {};
  for (const [k, pv] of Object.entries(patch)) {
    if (pv === null) delete out[k];
    else if (isObj(pv)) out[k] = mergeValue(out[k], pv);
    else out[k] = Array.isArray(pv) ? dropNulls(pv) : pv;
  }
  return out;
}

/**
 * Applies a JSON merge patch to `target`. The patch must be a JSON object (Kubernetes rejects anything else
 * with 400 BadRequest, as evanphx/json-patch does with ErrBadJSONPatch).
 */
export function applyMergePatch(target: Obj, patch: unknown): Obj {
  if (!isObj(patch)) throw badRequest('Invalid JSON Patch');
  return freshRootAndMetadata(mergeObject(target, patch), target);
}
