// Decodes Kubernetes protobuf request bodies (Content-Type application/vnd.kubernetes.protobuf) into the JSON
// object Go's encoding/json would produce for the same value.
//
//   body = 'k8s\0' + runtime.Unknown{ typeMeta{apiVersion, kind}, raw = <the object's message> }
//
// The descriptor (src/api/generated/proto.json) is loaded on first use. Special apimachinery messages become
// their JSON forms: Time/MicroTime → RFC 3339, Quantity → string, IntOrString → number or string, Duration →
// Go duration string, RawExtension/FieldsV1 → embedded JSON, Verbs/ExtraValue → string arrays.
//
// Presence follows the wire, which is what gogo-protobuf's marshaller writes: nil pointers and empty slices and
// maps are absent; non-pointer structs and scalars are always written. So messages on the wire become objects
// (Go writes `{}` for empty structs too), zero Time is omitted (Go writes null), empty strings are dropped
// (Go's omitempty; a Go `*string` holding "" is lost except for the fields in KEEP_EMPTY_STRING), and zero
// numbers and false booleans are kept (they may be set pointers, e.g. replicas: 0) except in DROP_ZERO.
import type protobuf from 'protobufjs';
import { hasTypeMeta, isInlineField, jsonName, STRING_LIST_WRAPPERS } from '../schema/inline-fields';
import { loadProtoRoot } from './proto-root';
import { formatGoDuration, formatTime } from './wire-values';
import { apiVersionOfPackage, packageOfApiVersion } from '../schema/names';

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // 'k8s\0'

export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
/** JSON names of Go *string fields where "" means something different from absent. */
const KEEP_EMPTY_STRING = new Set(['storageClassName']);
/**
 * Non-pointer Go fields with omitempty that typed clients always put on the wire as zero (kubectl create
 * sends them): dropped when zero, as Go's JSON would. So are zero numbers and false in *Status messages
 * (status is the server's to set). Other zero numbers/false stay: they may be set pointers (replicas: 0).
 */
const DROP_ZERO = new Set([
  `${META}.ObjectMeta.generation`,
  'k8s.io.api.core.v1.Container.stdin',
  'k8s.io.api.core.v1.Container.stdinOnce',
  'k8s.io.api.core.v1.Container.tty',
  'k8s.io.api.core.v1.ContainerPort.hostPort',
  'k8s.io.api.core.v1.PodSpec.hostNetwork',
  'k8s.io.api.core.v1.PodSpec.hostPID',
  'k8s.io.api.core.v1.PodSpec.hostIPC',
  'k8s.io.api.core.v1.ServicePort.nodePort',
  'k8s.io.api.core.v1.ServiceSpec.healthCheckNodePort',
  'k8s.io.api.core.v1.ServiceSpec.publishNotReadyAddresses',
  'k8s.io.api.apps.v1.DeploymentSpec.minReadySeconds',
  'k8s.io.api.apps.v1.DeploymentSpec.paused',
  'k8s.io.api.scheduling.v1.PriorityClass.globalDefault',
]);

interface LongLike {
  toNumber(): number;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && typeof (v as LongLike).toNumber === 'function') return (v as LongLike).toNumber();
  return Number(v);
}

function bytesToJson(b: Uint8Array, where: string): unknown {
  if (b.length === 0) return undefined;
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProtobufDecodeError(`${where}: embedded object is not JSON`);
  }
}

function has(msg: protobuf.Message, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(msg, name);
}

type Converted = unknown;

function convertScalar(f: protobuf.Field, v: unknown): Converted {
  switch (f.type) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return toNumber(v);
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return v;
  }
}

/** Converts a message of a special apimachinery type; returns NOT_SPECIAL for ordinary messages. */
const NOT_SPECIAL = Symbol('not special');
const OMIT = Symbol('omit');

function convertSpecial(typeName: string, m: protobuf.Message): Converted | typeof NOT_SPECIAL | typeof OMIT {
  const r = m as unknown as Record<string, unknown>;
  switch (typeName) {
    case `${META}.Time`:
    case `${META}.MicroTime`: {
      const seconds = toNumber(r.seconds ?? 0);
      const nanos = toNumber(r.nanos ?? 0);
      if (seconds === 0 && nanos === 0) return OMIT;
      return formatTime(seconds, nanos, typeName.endsWith('MicroTime'));
    }
    case `${META}.Duration`:
      return formatGoDuration(toNumber(r.duration ?? 0));
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      return typeof r.string === 'string' && r.string !== '' ? r.string : '0';
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
      return toNumber(r.type ?? 0) === 1 ? (r.strVal ?? '') : toNumber(r.intVal ?? 0);
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
      return bytesToJson((r.raw as Uint8Array | undefined) ?? new Uint8Array(), 'RawExtension') ?? OMIT;
    case `${META}.FieldsV1`:
      return bytesToJson((r.Raw as Uint8Array | undefined) ?? new Uint8Array(), 'FieldsV1') ?? {};
    default:
      if (STRING_LIST_WRAPPERS.has(typeName)) return [...((r.items as string[] | undefined) ?? [])];
      return NOT_SPECIAL;
  }
}

function convertValue(f: protobuf.Field, v: unknown): Converted | typeof OMIT {
  const rt = f.resolvedType;
  if (rt && 'fieldsArray' in rt) {
    const m = v as protobuf.Message;
    const typeName = rt.fullName.slice(1);
    const special = convertSpecial(typeName, m);
    if (special !== NOT_SPECIAL) return special;
    return convertMessage(rt as protobuf.Type, m);
  }
  if (rt) return v; // enum: Kubernetes has none, keep the number
  return convertScalar(f, v);
}

/** One message → a JSON object, inline fields flattened. */
function convertMessage(t: protobuf.Type, msg: protobuf.Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const typeName = t.fullName.slice(1);
  const rec = msg as unknown as Record<string, unknown>;
  const isStatus = typeName.endsWith('Status') && !typeName.startsWith(`${META}.`);
  for (const f of t.fieldsArray) {
    const v = rec[f.name];
    if (v === undefined || v === null) continue;
    const name = jsonName(typeName, f.name);
    if (f.map) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) continue;
      const o: Record<string, unknown> = {};
      for (const [k, x] of entries) {
        const c = convertValue(f, x);
        o[k] = c === OMIT ? null : c; // Go writes a zero Time map value as null
      }
      out[name] = o;
    } else if (f.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      out[name] = arr.map((x) => {
        const c = convertValue(f, x);
        return c === OMIT ? null : c;
      });
    } else {
      if (!has(msg, f.name)) continue;
      if (isInlineField(typeName, f.name, f.type)) {
        const inner = convertValue(f, v);
        if (inner && typeof inner === 'object') Object.assign(out, inner);
        continue;
      }
      const c = convertValue(f, v);
      if (c === OMIT) continue;
      if (c === '' && !KEEP_EMPTY_STRING.has(name)) continue;
      if ((c === 0 || c === false) && (isStatus || DROP_ZERO.has(`${typeName}.${f.name}`))) continue;
      out[name] = c;
    }
  }
  return out;
}

/** The proto message type of a kind: its API package, or metav1 for the shared kinds (DeleteOptions, ...). */
export function messageTypeOf(root: protobuf.Root, apiVersion: string, kind: string): protobuf.Type | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const candidates = [`${packageOfApiVersion(group, version)}.${kind}`, `${META}.${kind}`];
  for (const name of candidates) {
    const pkg = name.slice(0, name.lastIndexOf('.'));
    if (pkg !== META && !apiVersionOfPackage(pkg)) continue;
    const t = root.lookup(name);
    if (t && 'fieldsArray' in t) return t as protobuf.Type;
  }
  return undefined;
}

/**
 * Decodes a protobuf-encoded request body. `defaults` supplies the kind when the envelope's typeMeta is empty
 * (upstream then uses the endpoint's kind). `object` carries apiVersion/kind when the Go type has TypeMeta. Throws ProtobufDecodeError (→ 400 BadRequest) when the body is not
 * a Kubernetes protobuf envelope, names an unknown kind, or does not parse.
 */
export function decodeProtobufObject(body: Buffer, defaults?: { apiVersion: string; kind: string }): DecodedObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(PROTOBUF_MAGIC)) {
    throw new ProtobufDecodeError('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  const root = loadProtoRoot();
  const unknownType = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  let unknown: Record<string, unknown>;
  try {
    unknown = unknownType.decode(body.subarray(4)) as unknown as Record<string, unknown>;
  } catch (e) {
    throw new ProtobufDecodeError(`cannot decode runtime.Unknown: ${(e as Error).message}`);
  }
  const tm = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = tm.apiVersion || defaults?.apiVersion || '';
  const kind = tm.kind || defaults?.kind || '';
  if (!apiVersion || !kind) throw new ProtobufDecodeError('protobuf body lacks apiVersion or kind');
  const t = messageTypeOf(root, apiVersion, kind);
  if (!t) throw new ProtobufDecodeError(`no kind "${kind}" is registered for version "${apiVersion}"`);
  let msg: protobuf.Message;
  try {
    msg = t.decode((unknown.raw as Uint8Array | undefined) ?? new Uint8Array());
  } catch (e) {
    throw new ProtobufDecodeError(`cannot decode ${kind}: ${(e as Error).message}`);
  }
  const body_ = convertMessage(t, msg);
  const object = hasTypeMeta(t.fullName.slice(1), t.fields.metadata?.type) ? { kind, apiVersion, ...body_ } : body_;
  return { apiVersion, kind, object };
}
