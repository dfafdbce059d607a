// ObjectMeta validation on create and update (apimachinery/pkg/api/validation/objectmeta.go plus core's
// finalizer-name rule).

import { type FieldError, forbidden, invalid, required, tooLong } from './field-error';
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel, type NameFn } from './names';
import { type Obj, arr, child, deepEqual, index, isObj, num, obj, objs, str } from './util';

export const FIELD_IMMUTABLE = 'field is immutable';
export const IS_NEGATIVE = 'must be greater than or equal to 0';
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** ValidateLabels: errors are reported at the map's path, not per key. */
export function validateLabels(labels: unknown, path: string, errs: FieldError[]): void {
  if (!isObj(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) errs.push(invalid(path, k, m));
    const sv = typeof v === 'string' ? v : String(v);
    for (const m of isValidLabelValue(sv)) errs.push(invalid(path, sv, m));
  }
}

export function validateAnnotations(ann: unknown, path: string, errs: FieldError[]): void {
  if (!isObj(ann)) return;
  let size = 0;
  for (const [k, v] of Object.entries(ann)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, m));
    size += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : String(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT));
}

export function validateNonnegative(v: unknown, path: string, errs: FieldError[]): void {
  const n = num(v);
  if (n !== undefined && n < 0) errs.push(invalid(path, n, IS_NEGATIVE));
}

function validateOwnerReferences(refs: unknown, path: string, errs: FieldError[]): void {
  let firstController = '';
  for (const ref of objs(refs)) {
    const apiVersion = str(ref.apiVersion);
    const kind = str(ref.kind);
    const slash = apiVersion.lastIndexOf('/');
    const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
    const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
    if (version.length === 0) errs.push(invalid(child(path, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (kind.length === 0) errs.push(invalid(child(path, 'kind'), kind, 'must not be empty'));
    if (str(ref.name).length === 0) errs.push(invalid(child(path, 'name'), str(ref.name), 'must not be empty'));
    if (str(ref.uid).length === 0) errs.push(invalid(child(path, 'uid'), str(ref.uid), 'must not be empty'));
    if (group === '' && version === 'v1' && kind === 'Event') {
      errs.push(invalid(path, ref, `/v1, Kind=Event is disallowed from being an owner`));
    }
    if (ref.controller === true) {
      const cur = `${kind}/${str(ref.name)}`;
      if (firstController !== '') {
        errs.push(
          invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`),
        );
      } else firstController = cur;
    }
  }
}

function validateFinalizers(fins: unknown, path: string, errs: FieldError[]): void {
  const list = arr(fins).map(str);
  let orphan = false;
  let del = false;
  for (const f of list) {
    for (const m of isQualifiedName(f)) errs.push(invalid(path, f, m));
    if (f === 'orphan') orphan = true;
    if (f === 'foregroundDeletion') del = true;
  }
  if (orphan && del) errs.push(invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  // core's validateKubeFinalizerName, per index.
  list.forEach((f, i) => {
    const p = index(path, i);
    const e = isQualifiedName(f);
    if (e.length > 0) for (const m of e) errs.push(invalid(p, f, m));
    else if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(invalid(p, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
}

/** ValidateManagedFields: operation Apply/Update, FieldsV1, printable manager of at most 128 bytes. */
function validateManagedFields(mf: unknown, path: string, errs: FieldError[]): void {
  objs(mf).forEach((e, i) => {
    const p = index(path, i);
    const op = str(e.operation);
    if (op !== 'Apply' && op !== 'Update') errs.push(invalid(child(p, 'operation'), op, 'must be `Apply` or `Update`'));
    const ft = str(e.fieldsType);
    if (ft.length > 0 && ft !== 'FieldsV1') errs.push(invalid(child(p, 'fieldsType'), ft, 'must be `FieldsV1`'));
    const manager = str(e.manager);
    if (Buffer.byteLength(manager) > 128) errs.push(tooLong(child(p, 'manager'), manager, 128));
    let pos = 0;
    for (const ch of manager) {
      const c = ch.codePointAt(0) ?? 0;
      if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
        const hex = c.toString(16).toUpperCase().padStart(4, '0');
        errs.push(invalid(child(p, 'manager'), manager, `invalid character U+${hex} (at position ${pos})`));
      }
      pos += Buffer.byteLength(ch);
    }
    if (Buffer.byteLength(str(e.subresource)) > 256) errs.push(tooLong(child(p, 'subresource'), str(e.subresource), 256));
  });
}

function validateMetaCommon(meta: Obj, namespaced: boolean, errs: FieldError[]): void {
  const ns = str(meta.namespace);
  if (namespaced) {
    if (ns.length === 0) errs.push(required('metadata.namespace'));
    else for (const m of nameIsDNSLabel(ns, false)) errs.push(invalid('metadata.namespace', ns, m));
  } else if (ns.length !== 0) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  validateNonnegative(meta.generation, 'metadata.generation', errs);
  validateLabels(meta.labels, 'metadata.labels', errs);
  validateAnnotations(meta.annotations, 'metadata.annotations', errs);
  validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences', errs);
  validateFinalizers(meta.finalizers, 'metadata.finalizers', errs);
  validateManagedFields(meta.managedFields, 'metadata.managedFields', errs);
}

/** ValidateObjectMeta on create. The API server has already generated `name` from `generateName`. */
export function validateObjectMeta(o: Obj, namespaced: boolean, nameFn: NameFn, errs: FieldError[]): void {
  const meta = obj(o.metadata) ?? {};
  const gen = str(meta.generateName);
  if (gen.length !== 0) for (const m of nameFn(gen, true)) errs.push(invalid('metadata.generateName', gen, m));
  const name = str(meta.name);
  if (name.length === 0) errs.push(required('metadata.name', 'name or generateName is required'));
  else for (const m of nameFn(name, false)) errs.push(invalid('metadata.name', name, m));
  validateMetaCommon(meta, namespaced, errs);
}

/** ValidateObjectMetaUpdate: identity fields are immutable; labels/annotations re-validated. */
export function validateObjectMetaUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  const meta = obj(o.metadata) ?? {};
  const oldMeta = obj(old.metadata) ?? {};
  if (oldMeta.deletionTimestamp !== undefined && oldMeta.deletionTimestamp !== null) {
    const before = new Set(arr(oldMeta.finalizers).map(str));
    const extra = [...new Set(arr(meta.finalizers).map(str))].filter((f) => !before.has(f)).sort();
    if (extra.length > 0) {
      errs.push(
        forbidden(
          'metadata.finalizers',
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  const gen = num(meta.generation) ?? 0;
  if (gen < (num(oldMeta.generation) ?? 0)) errs.push(invalid('metadata.generation', gen, 'must not be decremented'));
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    const nv = meta[f] ?? null;
    const ov = oldMeta[f] ?? null;
    if (!deepEqual(nv, ov)) errs.push(invalid(`metadata.${f}`, nv ?? '', FIELD_IMMUTABLE));
  }
  validateLabels(meta.labels, 'metadata.labels', errs);
  validateAnnotations(meta.annotations, 'metadata.annotations', errs);
  validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences', errs);
  validateFinalizers(meta.finalizers, 'metadata.finalizers', errs);
  validateManagedFields(meta.managedFields, 'metadata.managedFields', errs);
}

/**
 * What upstream's rest.BeforeUpdate does before validating an update: keep uid (when the request has none),
 * creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds and generation from the stored object.
 * Offered for the API server's update path; mutates `o` in place.
 */
export function inheritImmutableMeta(o: Obj, old: Obj): void {
  const meta = obj(o.metadata);
  const oldMeta = obj(old.metadata);
  if (!meta || !oldMeta) return;
  if (str(meta.uid) === '' && oldMeta.uid !== undefined) meta.uid = oldMeta.uid;
  if (oldMeta.creationTimestamp !== undefined && oldMeta.creationTimestamp !== null) meta.creationTimestamp = oldMeta.creationTimestamp;
  if (oldMeta.deletionTimestamp !== undefined && oldMeta.deletionTimestamp !== null) meta.deletionTimestamp = oldMeta.deletionTimestamp;
  if (oldMeta.deletionGracePeriodSeconds !== undefined && oldMeta.deletionGracePeriodSeconds !== null && meta.deletionGracePeriodSeconds == null) {
    meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
  }
  if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
  else delete meta.generation;
}
