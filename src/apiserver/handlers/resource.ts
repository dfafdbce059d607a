// The REST verbs on one served resource (one group/version/plural): get, list, create, update, patch,
// delete, deletecollection, plus the status, scale and binding subresources. Watch is in watch.ts.
import { groupVersion, type ResourceInfo } from '../../api/resources';
import { parseFieldSelector, parseLabelSelector, SelectorParseError, selectorFromSpec } from '../../api/selectors';
import { checkFields, strictDecodingMessage } from '../../api/schema/field-validation';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, serverSideApply, PatchError } from '../patch';
import { buildTable } from '../tables';
import { convert } from '../conversion';
import { ApiError, errors, successStatus } from '../errors';
import { bodyFormat, decodeBody, readBody, type BodyFormat } from '../http/body';
import { listBody, sendJson } from '../http/respond';
import type { ResourceRequest } from '../http/request-info';
import type { Registry, DeleteOptions, ListOptions } from '../registry/registry';
import { schemaFor } from '../registry/hooks';
import { isObj, meta, rfc3339, str, type Obj } from '../registry/object';
import { pruneUnknownFields } from './prune';
import { fieldManagerOf, warningHeaders, type RequestContext } from './context';
import { handleWatch } from './watch';
import type { Entry } from '../watch-cache';

/** One served resource: its API identity and the registry of the storage behind it. */
export interface Endpoint {
  info: ResourceInfo;
  registry: Registry;
}

export function apiVersionOf(info: { group: string; version: string }): string {
  return groupVersion(info);
}

/** The object as the client's version shows it (a conversion only for multi-version resources). */
export function outward(ep: Endpoint, obj: Obj): Obj {
  const storage = ep.registry.info;
  if (storage.group === ep.info.group && storage.version === ep.info.version) return obj;
  return convert(obj, ep.info.kind, apiVersionOf(storage), apiVersionOf(ep.info));
}

function inward(ep: Endpoint, obj: Obj): Obj {
  const storage = ep.registry.info;
  if (storage.group === ep.info.group && storage.version === ep.info.version) return obj;
  return convert(obj, ep.info.kind, apiVersionOf(ep.info), apiVersionOf(storage));
}

export function entryJson(ep: Endpoint, e: Entry): Buffer {
  const storage = ep.registry.info;
  if (storage.group === ep.info.group && storage.version === ep.info.version) return e.json();
  return Buffer.from(JSON.stringify(outward(ep, e.obj)));
}

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

function dryRunOf(ctx: RequestContext): boolean {
  const all = ctx.query.getAll('dryRun');
  for (const v of all) {
    if (v !== 'All') throw errors.badRequest(`Invalid dryRun value: ${v}. Valid values: All`);
  }
  return all.length > 0;
}

export function listOptionsOf(ctx: RequestContext): ListOptions {
  const q = ctx.query;
  try {
    const limitRaw = q.get('limit');
    const limit = limitRaw ? Number(limitRaw) : undefined;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw errors.badRequest(`invalid limit: ${limitRaw}`);
    return {
      labelSelector: parseLabelSelector(q.get('labelSelector')),
      fieldSelector: parseFieldSelector(q.get('fieldSelector')),
      limit,
      continueToken: q.get('continue') ?? undefined,
      resourceVersion: q.get('resourceVersion') ?? '',
    };
  } catch (e) {
    if (e instanceof SelectorParseError) throw errors.badRequest(e.message);
    throw e;
  }
}

type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

function fieldValidationOf(ctx: RequestContext): FieldValidation {
  const v = ctx.query.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation parameter unsupported: ${v}. Valid values: Ignore, Strict, Warn`);
}

/** Reads and decodes the body as an object of this resource's kind (type and unknown-field checks included). */
async function readObject(ctx: RequestContext, ep: Endpoint, expectKind = ep.info.kind, expectVersion = apiVersionOf(ep.info)): Promise<Obj> {
  const fmt = bodyFormat(ctx.req.headers['content-type']);
  if (!fmt || fmt === 'json-patch' || fmt === 'merge-patch' || fmt === 'strategic-merge-patch' || fmt === 'apply-patch') {
    throw errors.unsupportedMediaType(String(ctx.req.headers['content-type'] ?? ''));
  }
  const body = decodeBody(await readBody(ctx.req), fmt);
  if (!isObj(body)) throw errors.badRequest(`the body of the request must be a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body}`);
  checkTypeMeta(body, expectKind, expectVersion);
  validateFields(ctx, body, expectKind, expectVersion);
  return body;
}

function checkTypeMeta(body: Obj, kind: string, apiVersion: string): void {
  if (body.kind === undefined || body.kind === '') body.kind = kind;
  if (body.apiVersion === undefined || body.apiVersion === '') body.apiVersion = apiVersion;
  if (typeof body.kind !== 'string' || typeof body.apiVersion !== 'string') throw errors.badRequest('Object \'Kind\' is missing or not a string');
  if (body.apiVersion !== apiVersion) {
    throw errors.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersion})`);
  }
  if (body.kind !== kind) throw errors.badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${kind})`);
  if (body.metadata !== undefined && !isObj(body.metadata)) throw errors.badRequest('metadata must be an object');
}

/** Unknown fields → 400 (Strict) or a warning (Warn); JSON type mismatches → 400 always; unknown fields pruned. */
function validateFields(ctx: RequestContext, body: Obj, kind: string, apiVersion: string): void {
  const fv = fieldValidationOf(ctx);
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  const gvk = { group, version, kind };
  const r = checkFields(gvk, body);
  if (r.typeErrors.length > 0) {
    throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${r.typeErrors[0]!.message}`);
  }
  if (r.unknown.length > 0) {
    if (fv === 'Strict') throw errors.badRequest(strictDecodingMessage(r.unknown));
    if (fv === 'Warn') for (const u of r.unknown) ctx.warnings.push(`unknown field "${u}"`);
    pruneUnknownFields(schemaFor(group, version, kind), body);
  }
}

function send(ctx: RequestContext, code: number, body: Buffer | unknown): void {
  sendJson(ctx.res, code, body, warningHeaders(ctx));
}

function sendEntry(ctx: RequestContext, ep: Endpoint, e: Entry, code = 200): void {
  if (ctx.negotiated.form === 'table') {
    send(ctx, code, buildTable({ group: ep.info.group, plural: ep.info.plural, objects: [outward(ep, e.obj)], listMeta: { resourceVersion: String(e.rv) }, now: ctx.now(), includeObject: includeObjectOf(ctx) }));
    return;
  }
  if (ctx.negotiated.form === 'metadata') {
    send(ctx, code, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: e.obj.metadata });
    return;
  }
  send(ctx, code, entryJson(ep, e));
}

function includeObjectOf(ctx: RequestContext): 'None' | 'Metadata' | 'Object' {
  const v = ctx.query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

// ---- verbs ----

export async function handleResource(ctx: RequestContext, ep: Endpoint, ri: ResourceRequest): Promise<void> {
  const info = ep.info;
  if (info.namespaced && ri.namespace === '' && ri.verb !== 'list' && ri.verb !== 'watch') {
    throw errors.notFoundPath();
  }
  if (!info.namespaced && ri.namespace !== '') throw errors.notFoundPath();
  const sub = ri.subresource;
  if (sub) return handleSubresource(ctx, ep, ri);
  if (!info.verbs.includes(ri.verb)) throw errors.methodNotSupported(info.group, info.plural, ri.verb);
  switch (ri.verb) {
    case 'get':
      return sendEntry(ctx, ep, await ep.registry.get(ri.namespace, ri.name));
    case 'list':
      return handleList(ctx, ep, ri.namespace);
    case 'watch':
      return handleWatch(ctx, ep, ri);
    case 'create': {
      if (ri.name) throw errors.methodNotSupported(info.group, info.plural, 'create');
      const body = inward(ep, await readObject(ctx, ep));
      const e = await ep.registry.create(ri.namespace, body, { dryRun: dryRunOf(ctx), fieldManager: fieldManagerOf(ctx), version: ep.registry.info.version });
      return sendEntry(ctx, ep, e, 201);
    }
    case 'update': {
      const body = inward(ep, await readObject(ctx, ep));
      const r = await ep.registry.update(ri.namespace, ri.name, () => body, { dryRun: dryRunOf(ctx), fieldManager: fieldManagerOf(ctx), version: ep.registry.info.version });
      return sendEntry(ctx, ep, r.entry, r.created ? 201 : 200);
    }
    case 'patch':
      return handlePatch(ctx, ep, ri);
    case 'delete':
      return handleDelete(ctx, ep, ri);
    case 'deletecollection':
      return handleDeleteCollection(ctx, ep, ri);
    default:
      throw errors.methodNotSupported(info.group, info.plural, ri.verb);
  }
}

async function handleList(ctx: RequestContext, ep: Endpoint, ns: string): Promise<void> {
  const o = listOptionsOf(ctx);
  const r = await ep.registry.list(ns, o);
  const listMeta: Record<string, unknown> = { resourceVersion: String(r.resourceVersion) };
  if (r.continueToken) listMeta.continue = r.continueToken;
  if (r.remainingItemCount !== undefined) listMeta.remainingItemCount = r.remainingItemCount;
  if (ctx.negotiated.form === 'table') {
    send(ctx, 200, buildTable({
      group: ep.info.group,
      plural: ep.info.plural,
      objects: r.items.map((e) => outward(ep, e.obj)),
      listMeta: { resourceVersion: String(r.resourceVersion), continue: r.continueToken, remainingItemCount: r.remainingItemCount },
      now: ctx.now(),
      includeObject: includeObjectOf(ctx),
    }));
    return;
  }
  if (ctx.negotiated.form === 'metadata') {
    send(ctx, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, items: r.items.map((e) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: e.obj.metadata })) });
    return;
  }
  send(ctx, 200, listBody(ep.info.listKind, apiVersionOf(ep.info), listMeta, r.items.map((e) => entryJson(ep, e))));
}

// ---- patch ----

async function readPatch(ctx: RequestContext): Promise<{ fmt: BodyFormat; body: unknown }> {
  const fmt = bodyFormat(ctx.req.headers['content-type']);
  if (fmt !== 'json-patch' && fmt !== 'merge-patch' && fmt !== 'strategic-merge-patch' && fmt !== 'apply-patch') {
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
  }
  const body = decodeBody(await readBody(ctx.req), fmt);
  if (fmt === 'json-patch' ? !Array.isArray(body) : !isObj(body)) {
    throw errors.badRequest(fmt === 'json-patch' ? 'json patch must be an array of operations' : 'the patch must be a JSON object');
  }
  if (Array.isArray(body) && body.length > MAX_JSON_PATCH_OPERATIONS) {
    throw errors.tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${body.length}`);
  }
  return { fmt, body };
}

function patchError(e: unknown): unknown {
  if (e instanceof PatchError) return new ApiError(e.code, e.reason, e.message, e.details);
  return e;
}

/** Upstream's limit on the operations of one JSON patch. */
const MAX_JSON_PATCH_OPERATIONS = 10_000;

/** Applies a patch of any type to the current object (in the request's version). */
function applyPatchBody(fmt: BodyFormat, cur: Obj, body: unknown, ep: Endpoint): Obj {
  try {
    switch (fmt) {
      case 'json-patch':
        return applyJsonPatch(cur, body);
      case 'merge-patch':
        return applyMergePatch(cur, body);
      default:
        return applyStrategicMergePatch(cur, body, schemaFor(ep.info.group, ep.info.version, ep.info.kind));
    }
  } catch (e) {
    throw patchError(e);
  }
}

async function handlePatch(ctx: RequestContext, ep: Endpoint, ri: ResourceRequest, subresource?: string): Promise<void> {
  const { fmt, body } = await readPatch(ctx);
  const manager = fieldManagerOf(ctx);
  const dryRun = dryRunOf(ctx);
  const fv = fieldValidationOf(ctx);
  const av = apiVersionOf(ep.info);
  if (fmt === 'apply-patch') {
    if (!ctx.query.get('fieldManager')) throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const applied = body as Obj;
    checkTypeMeta(applied, ep.info.kind, av);
    validateFields(ctx, applied, ep.info.kind, av);
    const am = meta(applied);
    if (am.name !== undefined && am.name !== ri.name) throw errors.badRequest(`the name of the object (${String(am.name)}) does not match the name on the URL (${ri.name})`);
    const force = boolParam(ctx.query, 'force');
    const r = await ep.registry.update(ri.namespace, ri.name, (cur) => {
      try {
        const out = serverSideApply({
          live: cur ? outward(ep, cur) : undefined,
          applied: { ...applied, metadata: { ...am, name: ri.name, ...(ep.info.namespaced ? { namespace: ri.namespace } : {}) } },
          manager,
          force,
          schema: schemaFor(ep.info.group, ep.info.version, ep.info.kind),
          apiVersion: av,
          now: rfc3339(ctx.now()),
          subresource,
        });
        if (cur) meta(out).resourceVersion = meta(cur).resourceVersion;
        return inward(ep, out);
      } catch (e) {
        throw patchError(e);
      }
    }, { dryRun, fieldManager: manager, managedFieldsDone: true, version: ep.registry.info.version, createIfMissing: !subresource, subresource });
    return sendEntry(ctx, ep, r.entry, r.created ? 201 : 200);
  }
  const r = await ep.registry.update(ri.namespace, ri.name, (cur) => {
    if (!cur) throw errors.notFound(ep.info.group, ep.info.plural, ri.name);
    const curRv = meta(cur).resourceVersion;
    const patched = applyPatchBody(fmt, outward(ep, cur), body, ep);
    if (!isObj(patched)) throw errors.badRequest('the patch produced something that is not an object');
    checkTypeMeta(patched, ep.info.kind, av);
    const pm = meta(patched);
    // A patch that names a resourceVersion is a precondition; otherwise it applies to whatever is latest
    // (the registry re-applies it when another write wins the race, as upstream does).
    const patchRv = fmt === 'json-patch' ? (pm.resourceVersion !== curRv ? pm.resourceVersion : undefined) : isObj((body as Obj).metadata) ? ((body as Obj).metadata as Obj).resourceVersion : undefined;
    if (patchRv !== undefined && patchRv !== null && patchRv !== '') pm.resourceVersion = patchRv;
    else delete pm.resourceVersion;
    if (fv !== 'Ignore') {
      const res = checkFields({ group: ep.info.group, version: ep.info.version, kind: ep.info.kind }, patched);
      if (res.typeErrors.length) throw errors.badRequest(`${ep.info.kind} in version "${ep.info.version}" cannot be handled as a ${ep.info.kind}: ${res.typeErrors[0]!.message}`);
      if (res.unknown.length) {
        if (fv === 'Strict') throw errors.badRequest(strictDecodingMessage(res.unknown));
        for (const u of res.unknown) ctx.warnings.push(`unknown field "${u}"`);
      }
    }
    pruneUnknownFields(schemaFor(ep.info.group, ep.info.version, ep.info.kind), patched);
    return inward(ep, patched);
  }, { dryRun, fieldManager: manager, version: ep.registry.info.version, subresource });
  sendEntry(ctx, ep, r.entry);
}

// ---- delete ----

async function deleteOptionsOf(ctx: RequestContext): Promise<DeleteOptions> {
  const q = ctx.query;
  const o: DeleteOptions = {};
  const buf = await readBody(ctx.req);
  if (buf.length > 0) {
    const fmt = bodyFormat(ctx.req.headers['content-type']) ?? 'json';
    const body = decodeBody(buf, fmt === 'protobuf' ? 'protobuf' : 'json');
    if (!isObj(body)) throw errors.badRequest('DeleteOptions must be a JSON object');
    if (body.gracePeriodSeconds !== undefined && body.gracePeriodSeconds !== null) {
      if (typeof body.gracePeriodSeconds !== 'number') throw errors.badRequest('gracePeriodSeconds must be an integer');
      o.gracePeriodSeconds = body.gracePeriodSeconds;
    }
    if (typeof body.propagationPolicy === 'string') o.propagationPolicy = body.propagationPolicy as DeleteOptions['propagationPolicy'];
    if (body.orphanDependents === true) o.propagationPolicy ??= 'Orphan';
    if (body.orphanDependents === false) o.propagationPolicy ??= 'Background';
    if (isObj(body.preconditions)) o.preconditions = { uid: str(body.preconditions.uid), resourceVersion: str(body.preconditions.resourceVersion) };
    if (Array.isArray(body.dryRun) && body.dryRun.length > 0) o.dryRun = true;
  }
  const g = q.get('gracePeriodSeconds');
  if (g !== null) {
    const n = Number(g);
    if (!Number.isInteger(n)) throw errors.badRequest(`invalid gracePeriodSeconds: ${g}`);
    o.gracePeriodSeconds = n;
  }
  const p = q.get('propagationPolicy');
  if (p) o.propagationPolicy = p as DeleteOptions['propagationPolicy'];
  if (q.get('orphanDependents') === 'true') o.propagationPolicy ??= 'Orphan';
  if (o.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(o.propagationPolicy)) {
    throw errors.invalid('', 'DeleteOptions', '', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${o.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`, [{ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${o.propagationPolicy}"` }]);
  }
  if (dryRunOf(ctx)) o.dryRun = true;
  return o;
}

async function handleDelete(ctx: RequestContext, ep: Endpoint, ri: ResourceRequest): Promise<void> {
  const o = await deleteOptionsOf(ctx);
  const r = await ep.registry.delete(ri.namespace, ri.name, o);
  // 200 when the object is gone, 202 when its deletion waits on finalizers or a grace period (as upstream).
  sendEntry(ctx, ep, r.entry, r.deleted ? 200 : 202);
}

async function handleDeleteCollection(ctx: RequestContext, ep: Endpoint, ri: ResourceRequest): Promise<void> {
  const lo = listOptionsOf(ctx);
  const o = await deleteOptionsOf(ctx);
  const r = await ep.registry.list(ri.namespace, { ...lo, limit: undefined, continueToken: undefined });
  const deleted: Buffer[] = [];
  for (const e of r.items) {
    try {
      const d = await ep.registry.delete(e.namespace, e.name, o);
      deleted.push(entryJson(ep, d.entry));
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) continue;
      throw err;
    }
  }
  send(ctx, 200, listBody(ep.info.listKind, apiVersionOf(ep.info), { resourceVersion: String(r.resourceVersion) }, deleted));
}

// ---- subresources ----

async function handleSubresource(ctx: RequestContext, ep: Endpoint, ri: ResourceRequest): Promise<void> {
  const info = ep.info;
  const sub = info.subresources.find((s) => s.name === ri.subresource);
  if (!sub) throw errors.notFoundPath();
  const verb = ri.verb;
  switch (ri.subresource) {
    case 'status':
      if (verb === 'get') return sendEntry(ctx, ep, await ep.registry.get(ri.namespace, ri.name));
      if (verb === 'update') {
        const body = inward(ep, await readObject(ctx, ep));
        const r = await ep.registry.update(ri.namespace, ri.name, () => body, { dryRun: dryRunOf(ctx), fieldManager: fieldManagerOf(ctx), version: ep.registry.info.version, subresource: 'status' });
        return sendEntry(ctx, ep, r.entry);
      }
      if (verb === 'patch') return handlePatch(ctx, ep, ri, 'status');
      break;
    case 'scale':
      return handleScale(ctx, ep, ri);
    case 'binding':
      if (verb === 'create') return handleBinding(ctx, ep, ri.namespace, ri.name);
      break;
    case 'finalize':
      if (verb === 'update') {
        const body = await readObject(ctx, ep);
        const r = await ep.registry.update('', ri.name, (cur) => {
          if (!cur) throw errors.notFound('', 'namespaces', ri.name);
          const spec = isObj(body.spec) ? body.spec : {};
          return { ...cur, spec: { ...(isObj(cur.spec) ? cur.spec : {}), finalizers: spec.finalizers ?? [] }, metadata: { ...meta(cur), resourceVersion: meta(body).resourceVersion ?? meta(cur).resourceVersion } };
        }, { fieldManager: fieldManagerOf(ctx), version: 'v1', subresource: 'finalize' });
        return sendEntry(ctx, ep, r.entry);
      }
      break;
    default:
      if (ctx.subresourceHandler) return ctx.subresourceHandler(ctx, ep, ri);
  }
  throw errors.methodNotSupported(info.group, `${info.plural}/${ri.subresource}`, verb);
}

declare module './context' {
  interface RequestContext {
    /** Handles node-routed subresources (log, exec, attach, portforward, proxy, eviction) when set. */
    subresourceHandler?: (ctx: RequestContext, ep: Endpoint, ri: ResourceRequest) => Promise<void>;
  }
}

/** The selector string a Scale reports: the workload's label selector in string form. */
function selectorString(obj: Obj): string {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const sel = spec.selector;
  if (!isObj(sel)) return '';
  if (obj.kind === 'ReplicationController') {
    return Object.entries(sel).map(([k, v]) => `${k}=${String(v)}`).join(',');
  }
  try {
    return selectorFromSpec(sel as Parameters<typeof selectorFromSpec>[0]).toString();
  } catch {
    return '';
  }
}

function scaleOf(obj: Obj): Obj {
  const m = meta(obj);
  const spec = isObj(obj.spec) ? obj.spec : {};
  const status = isObj(obj.status) ? obj.status : {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
    status: { replicas: typeof status.replicas === 'number' ? status.replicas : 0, selector: selectorString(obj) },
  };
}

async function handleScale(ctx: RequestContext, ep: Endpoint, ri: ResourceRequest): Promise<void> {
  if (ri.verb === 'get') {
    const e = await ep.registry.get(ri.namespace, ri.name);
    send(ctx, 200, scaleOf(e.obj));
    return;
  }
  let newScale: (cur: Obj) => Obj;
  if (ri.verb === 'update') {
    const fmt = bodyFormat(ctx.req.headers['content-type']);
    if (!fmt || fmt === 'json-patch' || fmt === 'merge-patch' || fmt === 'strategic-merge-patch' || fmt === 'apply-patch') throw errors.unsupportedMediaType(String(ctx.req.headers['content-type']));
    const body = decodeBody(await readBody(ctx.req), fmt);
    if (!isObj(body)) throw errors.badRequest('Scale must be an object');
    newScale = () => body;
  } else if (ri.verb === 'patch') {
    const { fmt, body } = await readPatch(ctx);
    if (fmt === 'apply-patch') throw new ApiError(415, 'UnsupportedMediaType', 'apply patches are not supported on the scale subresource');
    newScale = (cur) => {
      try {
        const s = scaleOf(cur);
        return fmt === 'json-patch' ? applyJsonPatch(s, body) : applyMergePatch(s, body);
      } catch (e) {
        throw patchError(e);
      }
    };
  } else throw errors.methodNotSupported(ep.info.group, `${ep.info.plural}/scale`, ri.verb);
  const r = await ep.registry.update(ri.namespace, ri.name, (cur) => {
    if (!cur) throw errors.notFound(ep.info.group, ep.info.plural, ri.name);
    const s = newScale(cur);
    const spec = isObj(s.spec) ? s.spec : {};
    const replicas = spec.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid('autoscaling', 'Scale', ri.name, `Scale.autoscaling "${ri.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'must be greater than or equal to 0' }]);
    }
    const sm = isObj(s.metadata) ? s.metadata : {};
    return { ...cur, spec: { ...(isObj(cur.spec) ? cur.spec : {}), replicas }, metadata: { ...meta(cur), resourceVersion: sm.resourceVersion ?? meta(cur).resourceVersion } };
  }, { dryRun: dryRunOf(ctx), fieldManager: fieldManagerOf(ctx), version: ep.registry.info.version, subresource: 'scale' });
  send(ctx, 200, scaleOf(r.entry.obj));
}

async function handleBinding(ctx: RequestContext, ep: Endpoint, ns: string, podName: string): Promise<void> {
  const fmt = bodyFormat(ctx.req.headers['content-type']);
  if (!fmt) throw errors.unsupportedMediaType(String(ctx.req.headers['content-type']));
  const body = decodeBody(await readBody(ctx.req), fmt);
  if (!isObj(body)) throw errors.badRequest('Binding must be an object');
  return bindPod(ctx, ep, ns, podName, body);
}

/** pods/binding: assigns a pod to a node, once (the scheduler's write). */
export async function bindPod(ctx: RequestContext, ep: Endpoint, ns: string, podName: string, body: Obj): Promise<void> {
  const target = isObj(body.target) ? body.target : {};
  const node = str(target.name);
  if (!node) {
    throw errors.invalid('', 'Binding', podName, `Binding "${podName}" is invalid: target.name: Required value`, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  }
  const bm = isObj(body.metadata) ? body.metadata : {};
  const annotations = isObj(bm.annotations) ? (bm.annotations as Record<string, string>) : undefined;
  await ep.registry.update(ns, podName, (cur) => {
    if (!cur) throw errors.notFound('', 'pods', podName);
    const m = meta(cur);
    if (m.deletionTimestamp) throw errors.conflict('', 'pods', podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
    const spec = isObj(cur.spec) ? cur.spec : {};
    if (spec.nodeName) throw errors.conflict('', 'pods', podName, `pod ${podName} is already assigned to node "${String(spec.nodeName)}"`);
    spec.nodeName = node;
    cur.spec = spec;
    if (annotations) m.annotations = { ...((m.annotations as Record<string, string> | undefined) ?? {}), ...annotations };
    const status = isObj(cur.status) ? cur.status : {};
    const conds = ((status.conditions as Obj[] | undefined) ?? []).filter((c) => c.type !== 'PodScheduled');
    conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(ctx.now()) });
    status.conditions = conds;
    cur.status = status;
    return cur;
  }, { fieldManager: fieldManagerOf(ctx), version: 'v1', subresource: 'binding' });
  send(ctx, 201, successStatus());
}
