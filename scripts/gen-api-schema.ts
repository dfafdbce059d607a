// Generates src/api/generated/{schemas.json,proto.json} from the Kubernetes v1.32 protobuf schemas in
// ../shared/k8s-api-v1.32/proto (or the folder given as the first argument).
//   node --import tsx scripts/gen-api-schema.ts [protoDir [outDir]]
// schemas.json: every message as an OpenAPI-style type (see src/api/schema/schema-data.ts for the format).
// proto.json: the protobufjs JSON descriptor used to decode protobuf request bodies at run time.
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { hasTypeMeta, isInlineField, jsonName, STRING_LIST_WRAPPERS } from '../src/api/schema/inline-fields';
import { apiVersionOfPackage, openapiName } from '../src/api/schema/names';
import type { FieldData, SchemaData, TypeData } from '../src/api/schema/schema-data';

const here = dirname(fileURLToPath(import.meta.url));
const protoDir = process.argv[2] ?? join(here, '..', '..', 'shared', 'k8s-api-v1.32', 'proto');
const outDir = process.argv[3] ?? join(here, '..', 'src', 'api', 'generated');

function findProtos(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findProtos(p));
    else if (name.endsWith('.proto')) out.push(p);
  }
  return out;
}

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
/** Proto messages that are scalars in JSON. */
const SPECIAL: Record<string, TypeData['k']> = {
  [`${META}.Time`]: 'time',
  [`${META}.MicroTime`]: 'time',
  [`${META}.Duration`]: 'string',
  [`${META}.FieldsV1`]: 'any',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': 'any',
  'k8s.io.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'intOrString',
};

const TYPEMETA_DOC = {
  apiVersion:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  kind: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
};

interface Markers {
  optional: boolean;
  values: Map<string, string>;
}

/** Splits a Go doc comment into the OpenAPI description (marker lines dropped, lines joined) and markers. */
function parseComment(comment: string | null | undefined): { description: string; markers: Markers } {
  const markers: Markers = { optional: false, values: new Map() };
  const paragraphs: string[][] = [[]];
  for (const raw of (comment ?? '').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('+')) {
      const m = /^\+([\w.-]+)(?:=(.*))?$/.exec(line);
      if (m?.[1] === 'optional') markers.optional = true;
      else if (m?.[1]) markers.values.set(m[1], m[2] ?? '');
      continue;
    }
    if (line === '') {
      if ((paragraphs[paragraphs.length - 1] ?? []).length > 0) paragraphs.push([]);
      continue;
    }
    paragraphs[paragraphs.length - 1]?.push(line);
  }
  const description = paragraphs
    .filter((p) => p.length > 0)
    .map((p) => p.join(' '))
    .join('\n\n');
  return { description, markers };
}

const SCALARS: Record<string, Pick<FieldData, 't' | 'fmt'>> = {
  string: { t: 'string' },
  bool: { t: 'boolean' },
  int32: { t: 'integer', fmt: 'int32' },
  int64: { t: 'integer', fmt: 'int64' },
  uint32: { t: 'integer', fmt: 'int32' },
  uint64: { t: 'integer', fmt: 'int64' },
  double: { t: 'number', fmt: 'double' },
  float: { t: 'number', fmt: 'float' },
  bytes: { t: 'bytes', fmt: 'byte' },
};

/**
 * Fields the heuristics below would call required that upstream's OpenAPI does not (Go omitempty without
 * +optional; the protos do not carry omitempty).
 */
const NOT_REQUIRED = new Set([
  'k8s.io.api.core.v1.PodSpec.initContainers',
  'k8s.io.api.core.v1.ServiceSpec.ports',
  'k8s.io.api.apps.v1.StatefulSetSpec.serviceName',
  'k8s.io.api.apps.v1.StatefulSetSpec.updateStrategy',
  'k8s.io.api.apps.v1.StatefulSetSpec.revisionHistoryLimit',
]);
/** Inlined "one of these sources" structs: none of their members is required. */
const ALL_OPTIONAL = new Set(['k8s.io.api.core.v1.VolumeSource', 'k8s.io.api.core.v1.PersistentVolumeSource']);

function fieldData(f: protobuf.Field): FieldData {
  const { description, markers } = parseComment(f.comment);
  const out: FieldData = { t: 'string' };
  const scalar = SCALARS[f.type];
  if (scalar) Object.assign(out, scalar);
  else {
    const resolved = f.resolvedType;
    if (!resolved) throw new Error(`unresolved type ${f.type} of ${f.fullName}`);
    out.t = 'ref';
    out.r = openapiName(resolved.fullName.slice(1));
  }
  if (f.repeated) out.a = 1;
  if (f.map) out.m = 1;
  if (description) out.d = description;
  // Required = none of: +optional, a documented default (pointer fields like progressDeadlineSeconds lack
  // +optional but say "Defaults to ..."), a struct/list field of a *Status message, a listed exception.
  const message = f.parent?.fullName.slice(1) ?? '';
  if (
    markers.optional ||
    /\b[Dd]efaults? to\b|\b[Dd]efaulted to\b/.test(description) ||
    (message.endsWith('Status') && (f.repeated || f.map || !SCALARS[f.type])) ||
    NOT_REQUIRED.has(`${message}.${f.name}`) ||
    ALL_OPTIONAL.has(message)
  ) {
    out.o = 1;
  }
  const lt = markers.values.get('listType');
  if (lt) out.lt = lt;
  // +listMapKey may repeat (composite keys): collect every occurrence in order.
  const keys = [...(f.comment ?? '').matchAll(/^\s*\+listMapKey=(\S+)\s*$/gm)].map((m) => m[1] ?? '');
  if (keys.length > 0) out.lk = keys;
  const ps = markers.values.get('patchStrategy');
  if (ps) out.ps = ps;
  const pk = markers.values.get('patchMergeKey');
  if (pk) out.pk = pk;
  const mt = markers.values.get('mapType');
  if (mt) out.mt = mt;
  if (markers.values.has('required')) out.rq = 1;
  return out;
}

function typeData(t: protobuf.Type): TypeData {
  const name = t.fullName.slice(1);
  const { description, markers } = parseComment(t.comment);
  const special = SPECIAL[name];
  if (special) return { k: special, ...(description ? { d: description } : {}) };
  if (STRING_LIST_WRAPPERS.has(name)) return { k: 'array', it: { t: 'string' }, ...(description ? { d: description } : {}) };
  const fields: Record<string, FieldData> = {};
  const metaField = t.fields.metadata;
  const typeMeta = hasTypeMeta(name, metaField?.type);
  if (typeMeta) {
    fields.apiVersion = { t: 'string', d: TYPEMETA_DOC.apiVersion, o: 1 };
    fields.kind = { t: 'string', d: TYPEMETA_DOC.kind, o: 1 };
  }
  for (const f of t.fieldsArray) {
    if (isInlineField(name, f.name, f.type)) {
      const inner = f.resolvedType;
      if (!(inner instanceof protobuf.Type)) throw new Error(`inline field ${f.fullName} is not a message`);
      const innerName = inner.fullName.slice(1);
      for (const g of inner.fieldsArray) fields[jsonName(innerName, g.name)] = fieldData(g);
      continue;
    }
    fields[jsonName(name, f.name)] = fieldData(f);
  }
  const out: TypeData = { f: fields };
  if (description) out.d = description;
  const structType = markers.values.get('structType');
  if (structType) out.mt = structType;
  if (typeMeta) {
    const gv = apiVersionOfPackage(name.slice(0, name.lastIndexOf('.')));
    if (gv) out.gvk = { group: gv.group, version: gv.version, kind: t.name };
  }
  return out;
}

/**
 * apiregistration.k8s.io/v1 (kube-aggregator) has no generated.proto among the sources: its few types are
 * written out here from k8s.io/kube-aggregator/pkg/apis/apiregistration/v1/types.go.
 */
function apiregistrationTypes(): Record<string, TypeData> {
  const P = 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1';
  const META_REF = 'io.k8s.apimachinery.pkg.apis.meta.v1';
  const tm = { apiVersion: { t: 'string', d: TYPEMETA_DOC.apiVersion, o: 1 }, kind: { t: 'string', d: TYPEMETA_DOC.kind, o: 1 } } as const;
  const gvk = (kind: string): TypeData['gvk'] => ({ group: 'apiregistration.k8s.io', version: 'v1', kind });
  return {
    [`${P}.APIService`]: {
      d: 'APIService represents a server for a particular GroupVersion. Name must be "version.group".',
      f: {
        ...tm,
        metadata: { t: 'ref', r: `${META_REF}.ObjectMeta`, d: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata", o: 1 },
        spec: { t: 'ref', r: `${P}.APIServiceSpec`, d: 'Spec contains information for locating and communicating with a server', o: 1 },
        status: { t: 'ref', r: `${P}.APIServiceStatus`, d: 'Status contains derived information about an API server', o: 1 },
      },
      gvk: gvk('APIService'),
    },
    [`${P}.APIServiceList`]: {
      d: 'APIServiceList is a list of APIService objects.',
      f: {
        ...tm,
        metadata: { t: 'ref', r: `${META_REF}.ListMeta`, d: "Standard list metadata More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata", o: 1 },
        items: { t: 'ref', r: `${P}.APIService`, a: 1, d: 'Items is the list of APIService' },
      },
      gvk: gvk('APIServiceList'),
    },
    [`${P}.APIServiceSpec`]: {
      d: 'APIServiceSpec contains information for locating and communicating with a server. Only https is supported, though you are able to disable certificate verification.',
      f: {
        service: { t: 'ref', r: `${P}.ServiceReference`, d: 'Service is a reference to the service for this API server.  It must communicate on port 443. If the Service is nil, that means the handling for the API groupversion is handled locally on this server. The call will simply delegate to the normal handler chain to be fulfilled.', o: 1 },
        group: { t: 'string', d: 'Group is the API group name this server hosts', o: 1 },
        version: { t: 'string', d: 'Version is the API version this server hosts.  For example, "v1"', o: 1 },
        insecureSkipTLSVerify: { t: 'boolean', d: 'InsecureSkipTLSVerify disables TLS certificate verification when communicating with this server. This is strongly discouraged.  You should use the CABundle instead.', o: 1 },
        caBundle: { t: 'bytes', fmt: 'byte', d: "CABundle is a PEM encoded CA bundle which will be used to validate an API server's serving certificate. If unspecified, system trust roots on the apiserver are used.", o: 1, lt: 'atomic' },
        groupPriorityMinimum: { t: 'integer', fmt: 'int32', d: 'GroupPriorityMinimum is the priority this group should have at least. Higher priority means that the group is preferred by clients over lower priority ones.' },
        versionPriority: { t: 'integer', fmt: 'int32', d: 'VersionPriority controls the ordering of this API version inside of its group.  Must be greater than zero.' },
      },
    },
    [`${P}.APIServiceStatus`]: {
      d: 'APIServiceStatus contains derived information about an API server',
      f: {
        conditions: { t: 'ref', r: `${P}.APIServiceCondition`, a: 1, d: 'Current service state of apiService.', o: 1, lt: 'map', lk: ['type'], ps: 'merge', pk: 'type' },
      },
    },
    [`${P}.APIServiceCondition`]: {
      d: 'APIServiceCondition describes the state of an APIService at a particular point',
      f: {
        type: { t: 'string', d: 'Type is the type of the condition.' },
        status: { t: 'string', d: 'Status is the status of the condition. Can be True, False, Unknown.' },
        lastTransitionTime: { t: 'ref', r: `${META_REF}.Time`, d: 'Last time the condition transitioned from one status to another.', o: 1 },
        reason: { t: 'string', d: "Unique, one-word, CamelCase reason for the condition's last transition.", o: 1 },
        message: { t: 'string', d: 'Human-readable message indicating details about last transition.', o: 1 },
      },
    },
    [`${P}.ServiceReference`]: {
      d: 'ServiceReference holds a reference to Service.legacy.k8s.io',
      f: {
        namespace: { t: 'string', d: 'Namespace is the namespace of the service', o: 1 },
        name: { t: 'string', d: 'Name is the name of the service', o: 1 },
        port: { t: 'integer', fmt: 'int32', d: 'If specified, the port on the service that hosting webhook. Default to 443 for backward compatibility. `port` should be a valid port number (1-65535, inclusive).', o: 1 },
      },
    },
  };
}

function main(): void {
  const root = new protobuf.Root();
  const files = findProtos(protoDir);
  for (const file of files) {
    protobuf.parse(readFileSync(file, 'utf8'), root, { alternateCommentMode: true, keepCase: true });
  }
  root.resolveAll();
  const types: Record<string, TypeData> = {};
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) types[openapiName(nested.fullName.slice(1))] = typeData(nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
    }
  };
  visit(root);
  Object.assign(types, apiregistrationTypes());
  const sorted: Record<string, TypeData> = {};
  for (const k of Object.keys(types).sort()) sorted[k] = types[k] as TypeData;
  const data: SchemaData = { version: 1, source: 'k8s.io/api v0.32.9, k8s.io/apimachinery v0.32.9', types: sorted };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'schemas.json'), JSON.stringify(data));

  // The descriptor without comments: decoding needs names, numbers and types only.
  const descriptor = root.toJSON({ keepComments: false });
  writeFileSync(join(outDir, 'proto.json'), JSON.stringify(descriptor));
  const size = (p: string): number => statSync(join(outDir, p)).size;
  console.log(
    `gen-api-schema: ${files.length} proto files, ${Object.keys(sorted).length} types; ` +
      `schemas.json ${size('schemas.json')} bytes, proto.json ${size('proto.json')} bytes`,
  );
}

main();
