// metadata.managedFields: reading and writing the entries, and recording a non-apply write
// (create, update, patch) as an `Update` operation the way Kubernetes' field manager does.
//
//   old object ──┐                     ┌─ other managers lose the fields this write touched
//                ├─ compare ─ changed ─┤
//   new object ──┘                     └─ this manager's Update entry gains the added/modified fields
//
// Entries are identified like upstream's BuildManagerIdentifier: manager + operation + subresource, plus
// apiVersion for Update entries. Unchanged entries are written back as the very same objects.
import type { SchemaNode } from '../../api/schema/types';
import { decodeFieldsV1, encodeFieldsV1, isEmpty, union, difference, type FieldNode } from './field-set';
import { compareObjects, stripFor } from './field-walk';
import { deepEqual, isObj, type Obj } from './json-value';

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldNode;
  /** The entry as read, reused when written back unchanged. */
  raw?: Obj;
}

export function sameIdentity(e: ManagerEntry, manager: string, operation: 'Apply' | 'Update', apiVersion: string, subresource: string | undefined): boolean {
  return (
    e.manager === manager &&
    e.operation === operation &&
    (e.subresource ?? '') === (subresource ?? '') &&
    (operation === 'Apply' || e.apiVersion === apiVersion)
  );
}

function identityKey(e: ManagerEntry): string {
  return JSON.stringify([e.manager, e.operation, e.operation === 'Apply' ? '' : e.apiVersion, e.subresource ?? '']);
}

/** Decoded field sets by the raw entry they came from (sets are immutable, entries are reused by writes). */
const decoded = new WeakMap<Obj, FieldNode | null>();

function decodeCached(raw: Obj, fieldsV1: unknown): FieldNode | undefined {
  let set = decoded.get(raw);
  if (set === undefined) {
    set = fieldsV1 === undefined ? { member: false, children: undefined } : (decodeFieldsV1(fieldsV1) ?? null);
    decoded.set(raw, set);
  }
  return set ?? undefined;
}

/** Decodes a managedFields list; entries that are not valid FieldsV1 entries are skipped. */
export function decodeEntries(list: unknown): ManagerEntry[] {
  if (!Array.isArray(list)) return [];
  const out: ManagerEntry[] = [];
  const seen = new Map<string, number>();
  for (const raw of list) {
    if (!isObj(raw)) continue;
    const { manager, operation, apiVersion, time, subresource, fieldsType, fieldsV1 } = raw;
    if (operation !== 'Apply' && operation !== 'Update') continue;
    if (fieldsType !== undefined && fieldsType !== 'FieldsV1') continue;
    const set = decodeCached(raw, fieldsV1);
    if (!set) continue;
    const e: ManagerEntry = {
      manager: typeof manager === 'string' ? manager : '',
      operation,
      apiVersion: typeof apiVersion === 'string' ? apiVersion : '',
      set,
      raw,
    };
    if (typeof time === 'string') e.time = time;
    if (typeof subresource === 'string' && subresource !== '') e.subresource = subresource;
    const id = identityKey(e);
    const prev = seen.get(id);
    if (prev !== undefined) {
      const p = out[prev] as ManagerEntry;
      out[prev] = { ...p, set: union(p.set, e.set), raw: undefined };
    } else {
      seen.set(id, out.length);
      out.push(e);
    }
  }
  return out;
}

export function readManagedFields(obj: Obj | undefined): ManagerEntry[] {
  const md = obj?.metadata;
  return isObj(md) ? decodeEntries(md.managedFields) : [];
}

function seconds(t: string | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Upstream's sortEncodedManagedFields: Apply before Update, then by time, manager, apiVersion, subresource. */
function compareEntries(p: ManagerEntry, q: ManagerEntry): number {
  return (
    cmp(p.operation, q.operation) ||
    seconds(p.time) - seconds(q.time) ||
    cmp(p.manager, q.manager) ||
    cmp(p.apiVersion, q.apiVersion) ||
    cmp(p.subresource ?? '', q.subresource ?? '')
  );
}

export function encodeEntry(e: ManagerEntry): Obj {
  if (e.raw) return e.raw;
  const out: Obj = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
  if (e.time !== undefined) out.time = e.time;
  out.fieldsType = 'FieldsV1';
  out.fieldsV1 = encodeFieldsV1(e.set);
  if (e.subresource) out.subresource = e.subresource;
  decoded.set(out, e.set);
  return out;
}

/** `obj` (shallow copy, fresh metadata) with metadata.managedFields set to the entries (omitted when none). */
export function writeManagedFields(obj: Obj, entries: ManagerEntry[]): Obj {
  const live = entries.filter((e) => !isEmpty(e.set)).sort(compareEntries);
  if (!isObj(obj.metadata) && live.length === 0) return { ...obj };
  const md: Obj = isObj(obj.metadata) ? { ...obj.metadata } : {};
  if (live.length > 0) md.managedFields = live.map(encodeEntry);
  else delete md.managedFields;
  return { ...obj, metadata: md };
}

/** An entry whose set changed (or is new): it is re-encoded when written. */
export function withSet(e: ManagerEntry, set: FieldNode, time?: string): ManagerEntry {
  if (set === e.set && time === undefined) return e;
  const out: ManagerEntry = { ...e, set, raw: undefined };
  if (time !== undefined) out.time = time;
  return out;
}

/** `[]` or `[{}]` in a request means "reset managedFields" (upstream's isResetManagedFields). */
function isReset(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  if (list.length === 0) return true;
  return list.length === 1 && isObj(list[0]) && Object.keys(list[0]).length === 0;
}

/** The entries a write starts from: the request's own managedFields when it sets them, else the live ones. */
function baseEntries(old: Obj | undefined, updated: Obj, subresource: string | undefined): ManagerEntry[] {
  if (subresource) return readManagedFields(old);
  const md = updated.metadata;
  const requested = isObj(md) ? md.managedFields : undefined;
  if (isReset(requested)) return [];
  const fromRequest = decodeEntries(requested);
  if (fromRequest.length > 0) {
    const oldMd = old?.metadata;
    const same = isObj(oldMd) && deepEqual(oldMd.managedFields, requested);
    return same ? readManagedFields(old) : fromRequest.map((e) => ({ ...e, raw: undefined }));
  }
  return readManagedFields(old);
}

export interface UpdateManagedFieldsOptions {
  old: Obj | undefined;
  updated: Obj;
  manager: string;
  schema: SchemaNode | undefined;
  apiVersion: string;
  now: string;
  subresource?: string;
}

/**
 * Records a non-apply write in metadata.managedFields: the fields this write added or changed become
 * owned by `manager` (an Update entry, merged with its previous one; its time set to `now`), and every
 * field the write added, changed or removed stops being owned by anyone else. Server-set metadata and
 * `status` (or `spec` for the status subresource) are never tracked. Returns `updated` with fresh root and
 * metadata objects; the rest is shared.
 */
export function updateManagedFields(opts: UpdateManagedFieldsOptions): Obj {
  const { old, updated, manager, schema, apiVersion, now, subresource } = opts;
  const entries = baseEntries(old, updated, subresource);
  const c = compareObjects(old ?? {}, updated, schema, stripFor(subresource));
  const changed = union(c.added, c.modified);
  const touched = union(changed, c.removed);
  const next: ManagerEntry[] = [];
  for (const e of entries) {
    const set = difference(e.set, touched);
    if (!isEmpty(set)) next.push(withSet(e, set));
  }
  if (!isEmpty(changed)) {
    const i = next.findIndex((e) => sameIdentity(e, manager, 'Update', apiVersion, subresource));
    if (i >= 0) {
      const e = next[i] as ManagerEntry;
      next[i] = withSet(e, union(e.set, changed), now);
    } else {
      const e: ManagerEntry = { manager, operation: 'Update', apiVersion, time: now, set: changed };
      if (subresource) e.subresource = subresource;
      next.push(e);
    }
  }
  return writeManagedFields(updated, next);
}
