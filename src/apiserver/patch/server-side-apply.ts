// Server-side apply (application/apply-patch+yaml), after structured-merge-diff's Updater.Apply:
//
//   merged   = live ⊕ applied                      (ssa-merge.ts)
//   merged  -= fields the applier owned last time, dropped from `applied` now, and owned by nobody else
//   conflicts = fields other managers own that `merged` adds or changes  → 409 unless force
//   others   -= changed fields (taken over when forced) and removed fields
//   applier's Apply entry = exactly the fields of `applied`
//
// A live object without managedFields first has all its fields given to the "before-first-apply" manager,
// as upstream does, so that applying over an unmanaged object reports conflicts instead of silently
// taking it over.
import type { SchemaNode } from '../../api/schema/types';
import { badRequest, PatchError } from './errors';
import { difference, equalSets, intersection, isEmpty, memberPaths, pathString, union, type FieldNode } from './field-set';
import { compareObjects, ensureNamed, removeItems, stripFor, toFieldSet } from './field-walk';
import { isObj, type Obj } from './json-value';
import { readManagedFields, sameIdentity, withSet, writeManagedFields, type ManagerEntry } from './managed-fields';
import { mergeValues } from './ssa-merge';

export interface ServerSideApplyOptions {
  live: Obj | undefined;
  applied: Obj;
  manager: string;
  force: boolean;
  schema: SchemaNode | undefined;
  apiVersion: string;
  now: string;
  /** 'status' when applying to the status subresource: status is owned instead of spec, entries carry it. */
  subresource?: string;
}

const BEFORE_FIRST_APPLY = 'before-first-apply';

/** How upstream's printManager names a manager in conflict messages. */
export function managerLabel(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

function conflictError(conflicts: { e: ManagerEntry; set: FieldNode }[]): PatchError {
  const byManager = conflicts
    .map(({ e, set }) => ({ label: managerLabel(e), paths: memberPaths(set).map(pathString) }))
    .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const causes = byManager.flatMap((m) => m.paths.map((field) => ({ type: 'FieldManagerConflict', message: `conflict with ${m.label}`, field })));
  let message: string;
  const only = byManager[0];
  if (causes.length === 1 && only) {
    message = `Apply failed with 1 conflict: conflict with ${only.label}: ${only.paths[0] ?? ''}`;
  } else {
    const lines: string[] = [];
    for (const m of byManager) {
      lines.push(`conflicts with ${m.label}:`);
      for (const p of m.paths) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${causes.length} conflicts: ${lines.join('\n')}`;
  }
  return new PatchError(message, 409, 'Conflict', { causes });
}

/**
 * Removes from `merged` what the applier owned before (`last`) and no manager owns now (`owned`),
 * following upstream's prune + addBackOwnedItems + addBackDanglingItems. Fields nobody ever owned stay.
 */
function prune(merged: Obj, last: FieldNode, owned: FieldNode, schema: SchemaNode | undefined): Obj {
  const lastE = ensureNamed(last, schema);
  const p1 = removeItems(merged, lastE, schema, false);
  const mergedSet = toFieldSet(merged, schema, undefined, true);
  const p1Set = toFieldSet(p1, schema, undefined, true);
  const ownedE = ensureNamed(owned, schema);
  const p2 = removeItems(merged, difference(mergedSet, union(p1Set, ownedE)), schema, false);
  const p2Set = toFieldSet(p2, schema, undefined, true);
  return removeItems(merged, intersection(difference(mergedSet, p2Set), lastE), schema, true);
}

function withoutManagedFields(obj: Obj): Obj {
  const md = obj.metadata;
  if (!isObj(md) || !('managedFields' in md)) return obj;
  const m = { ...md };
  delete m.managedFields;
  return { ...obj, metadata: m };
}

/**
 * Applies `applied` (the user's partial configuration) as `manager` to `live` (undefined: the object does
 * not exist and is created from the configuration). Returns the resulting object with metadata.managedFields
 * updated. Throws PatchError 409 Conflict (Status details.causes of type FieldManagerConflict) when other
 * managers own fields the configuration changes and `force` is false; 400 when the configuration sets
 * metadata.managedFields.
 */
export function serverSideApply(opts: ServerSideApplyOptions): Obj {
  const { live, applied, manager, force, schema, apiVersion, now, subresource } = opts;
  if (!isObj(applied)) throw badRequest('error decoding YAML: the applied configuration is not an object');
  const am = applied.metadata;
  if (isObj(am) && am.managedFields !== undefined && am.managedFields !== null) throw badRequest('metadata.managedFields must be nil');
  const strip = stripFor(subresource);
  const liveClean = live ? withoutManagedFields(live) : undefined;
  let entries = readManagedFields(live);
  if (liveClean && entries.length === 0) {
    const c = compareObjects({}, liveClean, schema, strip);
    const set = union(c.added, c.modified);
    if (!isEmpty(set)) entries = [{ manager: BEFORE_FIRST_APPLY, operation: 'Update', apiVersion, time: now, set }];
  }
  const configSet = toFieldSet(applied, schema, strip);
  let merged = mergeValues(liveClean, applied, schema) as Obj;
  const last = entries.find((e) => sameIdentity(e, manager, 'Apply', apiVersion, subresource));
  const others = entries.filter((e) => e !== last);
  // Nothing to prune when the applier still specifies everything it owned (the common re-apply).
  if (last && !isEmpty(difference(last.set, configSet))) {
    let owned = configSet;
    for (const e of others) owned = union(owned, e.set);
    merged = prune(merged, last.set, owned, schema);
  }
  const c = compareObjects(liveClean ?? {}, merged, schema, strip);
  const changed = union(c.added, c.modified);
  const conflicts: { e: ManagerEntry; set: FieldNode }[] = [];
  for (const e of others) {
    const set = intersection(e.set, changed);
    if (!isEmpty(set)) conflicts.push({ e, set });
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  const next: ManagerEntry[] = [];
  for (const e of others) {
    const set = difference(difference(e.set, changed), c.removed);
    if (!isEmpty(set)) next.push(withSet(e, set));
  }
  const objectChanged = !isEmpty(changed) || !isEmpty(c.removed);
  const unchangedEntry = last && !objectChanged && last.apiVersion === apiVersion && equalSets(last.set, configSet);
  if (!isEmpty(configSet)) {
    const e: ManagerEntry = { manager, operation: 'Apply', apiVersion, time: now, set: configSet };
    if (subresource) e.subresource = subresource;
    next.push(unchangedEntry ? last : e);
  }
  return writeManagedFields(merged, next);
}
