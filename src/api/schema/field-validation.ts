// Field validation of decoded JSON objects against the built-in schemas, as the API server's strict decoding
// does upstream: unknown fields (reported for fieldValidation=Strict/Warn) and JSON type mismatches (always a
// 400 BadRequest upstream, because Go's decoder cannot put a string into an int32).
//
// Each type is compiled once into a checker closure (a Map from field name to checker); the hot path is one
// Map lookup and one typeof per JSON value.
import { findDuplicateFields } from './duplicate-fields';
import { getSchemaRegistry } from './registry';
import type { GroupVersionKind, SchemaNode } from './types';

export interface TypeError {
  /** Path with indices, as in strict-decoding messages: 'spec.containers[0].ports[1].containerPort'. */
  path: string;
  /** Go-style message, e.g. 'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'. */
  message: string;
}

export interface FieldCheckResult {
  /** Unknown field paths, e.g. 'spec.containers[0].imagePullPolicyy' (upstream: `unknown field "<path>"`). */
  unknown: string[];
  /** Duplicate keys; only known when the caller checked the raw text (JSON.parse keeps the last one). */
  duplicate?: string[];
  typeErrors: TypeError[];
}

interface Ctx {
  unknown: string[];
  typeErrors: TypeError[];
}

/** Checks one value; `path` is the display path, `goPath` the Go field-stack path (no indices), `owner` the Go struct. */
type Checker = (v: unknown, path: string, goPath: string, owner: string, ctx: Ctx) => void;

const compiled = new WeakMap<SchemaNode, Checker>();
const MAX_ERRORS = 100;

function jsonTypeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'object') return 'object';
  return typeof v; // 'string' | 'number'
}

function shortTypeName(typeName: string | undefined): string {
  if (!typeName) return '';
  const parts = typeName.split('.');
  return `${parts[parts.length - 2] ?? ''}.${parts[parts.length - 1] ?? ''}`;
}

function goTypeName(n: SchemaNode): string {
  const fmt = (n as { format?: string }).format;
  switch (n.kind) {
    case 'string':
      return n.typeName ? shortTypeName(n.typeName) : 'string';
    case 'integer':
      return fmt === 'int32' ? 'int32' : 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'bytes':
      return '[]uint8';
    case 'array':
      return n.typeName ? shortTypeName(n.typeName) : `[]${n.items ? goTypeName(n.items) : 'interface {}'}`;
    case 'map':
      return `map[string]${n.items ? goTypeName(n.items) : 'interface {}'}`;
    case 'any':
      return n.typeName ? shortTypeName(n.typeName) : 'interface {}';
    default:
      return shortTypeName(n.typeName);
  }
}

function mismatch(ctx: Ctx, v: unknown, path: string, goPath: string, owner: string, n: SchemaNode): void {
  if (ctx.typeErrors.length >= MAX_ERRORS) return;
  // Go names the literal only for numbers that do not fit an integer type ("number 1.5"); else just the JSON type.
  const what = typeof v === 'number' && n.kind === 'integer' ? `number ${String(v)}` : jsonTypeOf(v);
  const where = owner ? `Go struct field ${owner}.${goPath}` : 'Go value';
  ctx.typeErrors.push({ path, message: `json: cannot unmarshal ${what} into ${where} of type ${goTypeName(n)}` });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function compile(n: SchemaNode): Checker {
  const hit = compiled.get(n);
  if (hit) return hit;
  // Object fields and array/map items compile on first use, so recursive types cannot loop here.
  let c: Checker;
  switch (n.kind) {
    case 'object':
      c = compileObject(n);
      break;
    case 'array': {
      const items = n.items;
      let itemCheck: Checker | undefined;
      c = (v, path, goPath, owner, ctx) => {
        if (v === null) return;
        if (!Array.isArray(v)) return mismatch(ctx, v, path, goPath, owner, n);
        if (!items) return;
        itemCheck ??= compile(items);
        for (let i = 0; i < v.length; i++) itemCheck(v[i], `${path}[${i}]`, goPath, owner, ctx);
      };
      break;
    }
    case 'map': {
      const items = n.items;
      let itemCheck: Checker | undefined;
      c = (v, path, goPath, owner, ctx) => {
        if (v === null) return;
        if (typeof v !== 'object' || Array.isArray(v)) return mismatch(ctx, v, path, goPath, owner, n);
        if (!items) return;
        itemCheck ??= compile(items);
        // Go's error field stack has no map keys (nor indices); the display path has both.
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) itemCheck(x, join(path, k), goPath, owner, ctx);
      };
      break;
    }
    case 'string':
      c = (v, path, goPath, owner, ctx) => {
        if (v !== null && typeof v !== 'string') mismatch(ctx, v, path, goPath, owner, n);
      };
      break;
    case 'boolean':
      c = (v, path, goPath, owner, ctx) => {
        if (v !== null && typeof v !== 'boolean') mismatch(ctx, v, path, goPath, owner, n);
      };
      break;
    case 'integer': {
      const int32 = (n as { format?: string }).format === 'int32';
      c = (v, path, goPath, owner, ctx) => {
        if (v === null) return;
        if (typeof v !== 'number' || !Number.isInteger(v) || (int32 && (v > 2147483647 || v < -2147483648))) {
          mismatch(ctx, v, path, goPath, owner, n);
        }
      };
      break;
    }
    case 'number':
      c = (v, path, goPath, owner, ctx) => {
        if (v !== null && typeof v !== 'number') mismatch(ctx, v, path, goPath, owner, n);
      };
      break;
    case 'intOrString':
    case 'quantity':
      c = (v, path, goPath, owner, ctx) => {
        if (v !== null && typeof v !== 'string' && typeof v !== 'number') mismatch(ctx, v, path, goPath, owner, n);
      };
      break;
    case 'time':
      c = (v, path, goPath, owner, ctx) => {
        if (v === null) return;
        if (typeof v !== 'string') return mismatch(ctx, v, path, goPath, owner, n);
        if (!RFC3339.test(v) && ctx.typeErrors.length < MAX_ERRORS) {
          ctx.typeErrors.push({ path, message: `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as RFC 3339` });
        }
      };
      break;
    case 'bytes':
      c = (v, path, goPath, owner, ctx) => {
        if (v === null) return;
        if (typeof v !== 'string') return mismatch(ctx, v, path, goPath, owner, n);
        if (!BASE64.test(v) && ctx.typeErrors.length < MAX_ERRORS) {
          ctx.typeErrors.push({ path, message: `illegal base64 data at input byte ${firstBadBase64Byte(v)}` });
        }
      };
      break;
    default:
      c = () => undefined;
  }
  compiled.set(n, c);
  return c;
}

function firstBadBase64Byte(s: string): number {
  for (let i = 0; i < s.length; i++) if (!/[A-Za-z0-9+/=]/.test(s[i] ?? '')) return i;
  return Math.max(0, s.length - (s.length % 4));
}

function compileObject(n: SchemaNode): Checker {
  const owner = shortTypeName(n.typeName).split('.')[1] ?? '';
  let fields: Map<string, Checker> | undefined;
  const fieldChecker = (name: string): Checker | undefined => {
    if (!fields) fields = new Map();
    let c = fields.get(name);
    if (c === undefined) {
      const f = n.field(name);
      if (!f) return undefined;
      c = compile(f);
      fields.set(name, c);
    }
    return c;
  };
  return (v, path, goPath, parentOwner, ctx) => {
    if (v === null) return;
    if (typeof v !== 'object' || Array.isArray(v)) return mismatch(ctx, v, path, goPath, parentOwner, n);
    for (const k in v as Record<string, unknown>) {
      const c = fieldChecker(k);
      if (!c) {
        if (ctx.unknown.length < MAX_ERRORS) ctx.unknown.push(join(path, k));
        continue;
      }
      c((v as Record<string, unknown>)[k], join(path, k), join(goPath, k), owner, ctx);
    }
  };
}

export interface CheckFieldsOptions {
  /** The JSON text `obj` was parsed from: enables `duplicate` (costs one extra scan of the text). */
  rawJson?: string;
}

/**
 * Checks `obj` against the schema of `gvk`. apiVersion and kind at the top level are always accepted. Kinds
 * without a schema (custom resources, unknown kinds) yield no findings. At most 100 findings of each sort.
 */
export function checkFields(gvk: GroupVersionKind, obj: unknown, opts?: CheckFieldsOptions): FieldCheckResult {
  const ctx: Ctx & { duplicate?: string[] } = { unknown: [], typeErrors: [] };
  if (opts?.rawJson !== undefined) {
    const dups = findDuplicateFields(opts.rawJson);
    if (dups.length > 0) ctx.duplicate = dups;
  }
  const root = getSchemaRegistry().root(gvk);
  if (!root || typeof obj !== 'object' || obj === null || Array.isArray(obj)) return ctx;
  const rootCheck = compile(root);
  const rest: Record<string, unknown> = {};
  let sawTypeMeta = false;
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if ((k === 'apiVersion' || k === 'kind') && !root.field(k)) sawTypeMeta = true;
    else rest[k] = v;
  }
  rootCheck(sawTypeMeta ? rest : obj, '', '', '', ctx);
  return ctx;
}

/** Upstream's wording for a Strict rejection: `strict decoding error: unknown field "a", unknown field "b"`. */
export function strictDecodingMessage(unknown: readonly string[], duplicate: readonly string[] = []): string {
  const parts = [...unknown.map((p) => `unknown field "${p}"`), ...duplicate.map((p) => `duplicate field "${p}"`)];
  return `strict decoding error: ${parts.join(', ')}`;
}

/**
 * Upstream's 400 BadRequest message for a body Go cannot decode, e.g. `Deployment in version "v1" cannot be
 * handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of
 * type int32`.
 */
export function decodeErrorMessage(gvk: GroupVersionKind, err: TypeError): string {
  return `${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: ${err.message}`;
}
