// OpenAPI v3 documents for GET /openapi/v3 and /openapi/v3/<api|apis/group>/<version>, in the shape of
// upstream's api/openapi-spec/v3 files: components.schemas for every type reachable from the group-version's
// kinds, and paths for every resource in src/api/resources.ts with x-kubernetes-action and
// x-kubernetes-group-version-kind (kubectl uses these to find a kind's schema for explain and to learn that the
// server supports fieldValidation). Documents are built once, on first request, and cached with their hash.
import { createHash } from 'node:crypto';
import { groupVersions, RESOURCES, type ResourceInfo } from '../resources';
import { META_V1 } from './names';
import { reachableTypes, typeSchema, type JsonObject } from './openapi-schemas';
import { getSchemaRegistry } from './registry';
import { opParams, PATH_PARAMS } from './openapi-params';

const REF = '#/components/schemas/';
const CONTENT_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

export interface OpenAPIDocument {
  body: Buffer;
  /** Upper-case hex SHA-512 of body, as upstream puts in `?hash=`. */
  hash: string;
}

/** '' / v1 → 'api/v1'; apps / v1 → 'apis/apps/v1'. */
export function openapiPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function pascal(s: string): string {
  return s
    .split(/[.-]/)
    .filter((p) => p !== 'k8s' && p !== 'io')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function content(ref: string, types = CONTENT_TYPES): JsonObject {
  const out: JsonObject = {};
  for (const t of types) out[t] = { schema: { $ref: `${REF}${ref}` } };
  return out;
}

function responses(codes: Record<string, string>, ref: string): JsonObject {
  const out: JsonObject = {};
  for (const [code, description] of Object.entries(codes)) out[code] = { content: content(ref), description };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

interface OpSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  verb: string;
  action: string;
  prefix: string; // operationId verb: list, create, read, replace, patch, delete, deleteCollection
  description: string;
  codes: Record<string, string>;
  body?: 'kind' | 'patch' | 'delete';
  resp: 'kind' | 'list' | 'status';
}

const COLLECTION_OPS: OpSpec[] = [
  { method: 'get', verb: 'list', action: 'list', prefix: 'list', description: 'list or watch objects of kind {kind}', codes: { 200: 'OK' }, resp: 'list' },
  { method: 'post', verb: 'create', action: 'post', prefix: 'create', description: 'create {article} {kind}', codes: { 200: 'OK', 201: 'Created', 202: 'Accepted' }, body: 'kind', resp: 'kind' },
  { method: 'delete', verb: 'deletecollection', action: 'deletecollection', prefix: 'deleteCollection', description: 'delete collection of {kind}', codes: { 200: 'OK' }, body: 'delete', resp: 'status' },
];
const ITEM_OPS: OpSpec[] = [
  { method: 'get', verb: 'get', action: 'get', prefix: 'read', description: 'read the specified {kind}', codes: { 200: 'OK' }, resp: 'kind' },
  { method: 'put', verb: 'update', action: 'put', prefix: 'replace', description: 'replace the specified {kind}', codes: { 200: 'OK', 201: 'Created' }, body: 'kind', resp: 'kind' },
  { method: 'patch', verb: 'patch', action: 'patch', prefix: 'patch', description: 'partially update the specified {kind}', codes: { 200: 'OK', 201: 'Created' }, body: 'patch', resp: 'kind' },
  { method: 'delete', verb: 'delete', action: 'delete', prefix: 'delete', description: 'delete {article} {kind}', codes: { 200: 'OK', 202: 'Accepted' }, body: 'delete', resp: 'status' },
];

function operation(r: ResourceInfo, op: OpSpec, kindType: string, listType: string, namespaced: boolean, sub?: string): JsonObject {
  const gvTag = `${r.group === '' ? 'core' : pascal(r.group).toLowerCase()}_${r.version}`;
  const gvId = `${r.group === '' ? 'Core' : pascal(r.group)}${r.version.charAt(0).toUpperCase()}${r.version.slice(1)}`;
  const scope = namespaced ? 'Namespaced' : '';
  const subName = sub ? pascal(sub) : '';
  const article = /^[AEIOU]/.test(r.kind) ? 'an' : 'a';
  const what = sub ? `${sub} of the specified ${r.kind}` : r.kind;
  const o: JsonObject = {
    description: op.description.replace('{kind}', what).replace('{article}', article),
    operationId: `${op.prefix}${gvId}${scope}${r.kind}${subName}`,
    parameters: opParams(op.verb),
    responses: responses(op.codes, op.resp === 'list' ? listType : op.resp === 'status' ? `${META_V1}.Status` : kindType),
    tags: [gvTag],
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': { group: r.group, kind: r.kind, version: r.version },
  };
  if (op.body === 'kind') o.requestBody = { content: content(kindType, ['*/*']), required: true };
  if (op.body === 'patch') o.requestBody = { content: content(`${META_V1}.Patch`, PATCH_TYPES), required: true };
  if (op.body === 'delete') o.requestBody = { content: content(`${META_V1}.DeleteOptions`, ['*/*']) };
  return o;
}

function resourcePaths(r: ResourceInfo, kindType: string, listType: string, paths: JsonObject): void {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const coll = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const scopeParams = r.namespaced ? [PATH_PARAMS.namespace, PATH_PARAMS.pretty] : [PATH_PARAMS.pretty];
  const verbs = new Set(r.verbs);
  const collection: JsonObject = {};
  for (const op of COLLECTION_OPS) if (verbs.has(op.verb)) collection[op.method] = operation(r, op, kindType, listType, r.namespaced);
  if (Object.keys(collection).length > 0) paths[coll] = { ...collection, parameters: scopeParams };
  const item: JsonObject = {};
  for (const op of ITEM_OPS) if (verbs.has(op.verb)) item[op.method] = operation(r, op, kindType, listType, r.namespaced);
  if (Object.keys(item).length > 0) paths[`${coll}/{name}`] = { ...item, parameters: [PATH_PARAMS.name, ...scopeParams] };
  if (r.namespaced && verbs.has('list')) {
    const all = operation(r, COLLECTION_OPS[0] as OpSpec, kindType, listType, false);
    all.operationId = `${String(all.operationId)}ForAllNamespaces`;
    paths[`${base}/${r.plural}`] = { get: all, parameters: [PATH_PARAMS.pretty] };
  }
  for (const s of r.subresources) {
    if (s.name !== 'status' && s.name !== 'scale') continue;
    const subType = s.name === 'scale' ? 'io.k8s.api.autoscaling.v1.Scale' : kindType;
    const ops: JsonObject = {};
    for (const op of ITEM_OPS) {
      if (!s.verbs.includes(op.verb)) continue;
      const o = operation(r, op, subType, listType, r.namespaced, s.name);
      if (s.name === 'scale') o['x-kubernetes-group-version-kind'] = { group: 'autoscaling', kind: 'Scale', version: 'v1' };
      ops[op.method] = o;
    }
    paths[`${coll}/{name}/${s.name}`] = { ...ops, parameters: [PATH_PARAMS.name, ...scopeParams] };
  }
}

function build(group: string, version: string): OpenAPIDocument | undefined {
  const resources = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return undefined;
  const reg = getSchemaRegistry();
  const data = reg.data;
  const roots = new Set<string>([`${META_V1}.Status`, `${META_V1}.DeleteOptions`, `${META_V1}.Patch`, `${META_V1}.WatchEvent`, `${META_V1}.APIResourceList`]);
  const paths: JsonObject = {};
  for (const r of resources) {
    const kindType = reg.typeNameOf(r) ?? `${META_V1}.Status`;
    const listType = reg.typeNameOf({ ...r, kind: r.listKind }) ?? kindType;
    roots.add(kindType);
    roots.add(listType);
    if (r.subresources.some((s) => s.name === 'scale')) roots.add('io.k8s.api.autoscaling.v1.Scale');
    resourcePaths(r, kindType, listType, paths);
  }
  // Kinds shared by every group-version (DeleteOptions, WatchEvent, Status) carry this group-version's GVK too.
  const sharedGvk = [{ group, kind: '', version }];
  const schemas: JsonObject = {};
  for (const name of reachableTypes(data, roots)) {
    const t = data.types[name];
    if (!t) continue;
    const short = name.slice(name.lastIndexOf('.') + 1);
    const extra = name.startsWith(`${META_V1}.`) && ['DeleteOptions', 'WatchEvent', 'Status'].includes(short)
      ? sharedGvk.map((g) => ({ ...g, kind: short }))
      : undefined;
    schemas[name] = typeSchema(data, t, extra);
  }
  const sortedPaths: JsonObject = {};
  for (const p of Object.keys(paths).sort()) sortedPaths[p] = paths[p];
  const doc = {
    components: { schemas },
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    openapi: '3.0.0',
    paths: sortedPaths,
  };
  const body = Buffer.from(JSON.stringify(doc));
  return { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() };
}

const cache = new Map<string, OpenAPIDocument | undefined>();

/** The OpenAPI v3 document of one served group-version (cached), or undefined if not served. */
export function openapiGroupVersion(group: string, version: string): OpenAPIDocument | undefined {
  const key = `${group}/${version}`;
  if (!cache.has(key)) cache.set(key, build(group, version));
  return cache.get(key);
}

/** The document for a path under /openapi/v3/ ('api/v1', 'apis/apps/v1'), or undefined. */
export function openapiForPath(path: string): OpenAPIDocument | undefined {
  const p = path.replace(/^\/+|\/+$/g, '');
  const core = /^api\/([^/]+)$/.exec(p);
  if (core?.[1]) return openapiGroupVersion('', core[1]);
  const named = /^apis\/([^/]+)\/([^/]+)$/.exec(p);
  if (named?.[1] && named[2]) return openapiGroupVersion(named[1], named[2]);
  return undefined;
}

let rootDoc: JsonObject | undefined;

/** The body of GET /openapi/v3: every served group-version with its document's URL and hash. */
export function openapiRoot(): JsonObject {
  if (!rootDoc) {
    const paths: JsonObject = {};
    for (const gv of groupVersions()) {
      const doc = openapiGroupVersion(gv.group, gv.version);
      if (!doc) continue;
      const p = openapiPath(gv.group, gv.version);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${doc.hash}` };
    }
    rootDoc = { paths };
  }
  return rootDoc;
}
