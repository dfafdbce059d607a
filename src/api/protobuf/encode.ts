// Encodes a Kubernetes JSON object into the protobuf envelope ('k8s\0' + runtime.Unknown), the inverse of
// decode.ts: for answering clients that ask for application/vnd.kubernetes.protobuf, and for tests.
import type protobuf from 'protobufjs';
import { isInlineField, JSON_NAMES, STRING_LIST_WRAPPERS } from '../schema/inline-fields';
import { messageTypeOf, PROTOBUF_MAGIC, ProtobufDecodeError } from './decode';
import { loadProtoRoot } from './proto-root';
import { parseGoDuration, parseTime } from './wire-values';

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

function jsonBytes(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

/** A JSON value of a special apimachinery type → its message as a protobufjs plain object; undefined if ordinary. */
function specialToProto(typeName: string, v: unknown): Record<string, unknown> | undefined {
  switch (typeName) {
    case `${META}.Time`:
    case `${META}.MicroTime`:
      return parseTime(String(v));
    case `${META}.Duration`:
      return { duration: parseGoDuration(String(v)) };
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      return { string: String(v) };
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
      return typeof v === 'number' ? { type: 0, intVal: v } : { type: 1, strVal: String(v) };
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
      return { raw: jsonBytes(v) };
    case `${META}.FieldsV1`:
      return { Raw: jsonBytes(v) };
    default:
      if (STRING_LIST_WRAPPERS.has(typeName)) return { items: v };
      return undefined;
  }
}

function valueToProto(f: protobuf.Field, v: unknown): unknown {
  const rt = f.resolvedType;
  if (rt && 'fieldsArray' in rt) {
    const typeName = rt.fullName.slice(1);
    return specialToProto(typeName, v) ?? objectToProto(rt as protobuf.Type, v as Record<string, unknown>);
  }
  if (f.type === 'bytes') return Buffer.from(String(v), 'base64');
  return v;
}

/** A JSON object → the plain object protobufjs' fromObject takes for message type `t`. */
function objectToProto(t: protobuf.Type, obj: Record<string, unknown>): Record<string, unknown> {
  const typeName = t.fullName.slice(1);
  const out: Record<string, unknown> = {};
  for (const f of t.fieldsArray) {
    if (isInlineField(typeName, f.name, f.type)) {
      out[f.name] = objectToProto(f.resolvedType as protobuf.Type, obj);
      continue;
    }
    const v = obj[jsonNameOf(typeName, f.name)];
    if (v === undefined || v === null) continue;
    if (f.map) {
      const m: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        // A null map value is a zero value in Go (PDB disruptedPods: {pod: null} is a zero Time).
        if (x !== null) m[k] = valueToProto(f, x);
        else if (f.resolvedType) m[k] = {};
      }
      out[f.name] = m;
    } else if (f.repeated) {
      out[f.name] = (v as unknown[]).map((x) => valueToProto(f, x));
    } else {
      out[f.name] = valueToProto(f, v);
    }
  }
  return out;
}

function jsonNameOf(message: string, field: string): string {
  return JSON_NAMES[message]?.[field] ?? field;
}

/**
 * Encodes `obj` (a Kubernetes JSON object with apiVersion and kind) as a protobuf body. Unknown JSON fields are
 * dropped. Throws ProtobufDecodeError when the kind has no protobuf message.
 */
export function encodeProtobufObject(obj: Record<string, unknown>, gvk?: { apiVersion: string; kind: string }): Buffer {
  const apiVersion = gvk?.apiVersion ?? String(obj.apiVersion ?? '');
  const kind = gvk?.kind ?? String(obj.kind ?? '');
  const root = loadProtoRoot();
  const t = messageTypeOf(root, apiVersion, kind);
  if (!t) throw new ProtobufDecodeError(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const raw = t.encode(t.fromObject(objectToProto(t, obj))).finish();
  const u = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const envelope = u.encode(u.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish();
  return Buffer.concat([PROTOBUF_MAGIC, envelope]);
}
