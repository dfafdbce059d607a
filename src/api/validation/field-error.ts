// Field-level validation errors and the messages the Kubernetes API server builds from them
// (k8s.io/apimachinery/pkg/util/validation/field and api/errors.NewInvalid), word for word.

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotFound'
  | 'InternalError';

export interface FieldError {
  type: FieldErrorType;
  /** Path in Kubernetes' notation: `spec.containers[0].name`, `metadata.labels[app]`. */
  field: string;
  /** The offending value, printed the way Go's field.Error prints it (strings quoted, numbers bare). */
  value?: unknown;
  detail: string;
}

/**
 * A value whose printed form is already known (Go's `%#v` of a struct, e.g.
 * `v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, ...}`). Printed verbatim.
 */
export class GoLiteral {
  constructor(readonly text: string) {}
}

/** A value that is printed without the `Invalid value: ...` part (Go's omitValue). */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

// --- constructors, named as upstream's field.Required/Invalid/... ---

export function required(field: string, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field, value: '', detail };
}
export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value, detail };
}
export function notSupported(field: string, value: unknown, valid: readonly string[]): FieldError {
  const detail = valid.length > 0 ? 'supported values: ' + valid.map(goQuote).join(', ') : '';
  return { type: 'FieldValueNotSupported', field, value, detail };
}
export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, value, detail: '' };
}
export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, value: '', detail };
}
export function notFound(field: string, value: unknown): FieldError {
  return { type: 'FieldValueNotFound', field, value, detail: '' };
}
export function tooLong(field: string, value: unknown, maxBytes: number): FieldError {
  return { type: 'FieldValueTooLong', field, value, detail: `must have at most ${maxBytes} bytes` };
}
export function tooMany(field: string, actual: number, max: number): FieldError {
  return {
    type: 'FieldValueTooMany',
    field,
    value: actual >= 0 ? actual : OMIT_VALUE,
    detail: max >= 0 ? `must have at most ${max} items` : 'has too many items',
  };
}
export function typeInvalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueTypeInvalid', field, value, detail };
}
export function internalError(field: string, detail: string): FieldError {
  return { type: 'InternalError', field, value: null, detail };
}

/** Go's strconv.Quote for the printable-ASCII/UTF-8 cases that occur in API objects. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** Go's `%#v` for the plain JSON values we may hold (maps sorted by key, as fmt does). */
function goRepr(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof GoLiteral) return v.text;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => goQuote(x as string)).join(', ')}}`;
    return `[]interface {}{${v.map(goRepr).join(', ')}}`;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.every(([, x]) => typeof x === 'string')) {
      return `map[string]string{${entries.map(([k, x]) => `${goQuote(k)}:${goQuote(x as string)}`).join(', ')}}`;
    }
    return `map[string]interface {}{${entries.map(([k, x]) => `${goQuote(k)}:${goRepr(x)}`).join(', ')}}`;
  }
  return String(v);
}

/** field.Error.ErrorBody(): the message without the field path. */
export function errorBody(e: FieldError): string {
  let s: string;
  const t = TYPE_TEXT[e.type];
  switch (e.type) {
    case 'FieldValueRequired':
    case 'FieldValueForbidden':
    case 'FieldValueTooLong':
    case 'InternalError':
      s = t;
      break;
    default: {
      const v = e.value;
      if (v === OMIT_VALUE) s = t;
      else if (v === null || v === undefined) s = `${t}: "null"`;
      else if (typeof v === 'string') s = `${t}: ${goQuote(v)}`;
      else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') s = `${t}: ${String(v)}`;
      else s = `${t}: ${goRepr(v)}`;
    }
  }
  if (e.detail.length > 0) s += `: ${e.detail}`;
  return s;
}

/** One cause as Kubernetes prints it: `spec.containers[0].name: Required value`. */
export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

/** Go's GroupKind.String(): `Deployment.apps`, or just `Pod` for the core group. */
export function qualifiedKind(kind: string, group?: string): string {
  return group ? `${kind}.${group}` : kind;
}

/**
 * The Status message of a 422 Invalid, as apierrors.NewInvalid words it:
 * `Pod "x" is invalid: [a, b]` (duplicates dropped; no brackets for a single error).
 * `group` is optional; pass it for non-core kinds to get upstream's `Deployment.apps "web" is invalid`.
 */
export function invalidMessage(kind: string, name: string, errs: FieldError[], group?: string): string {
  const head = `${qualifiedKind(kind, group)} ${goQuote(name)} is invalid`;
  const seen = new Set<string>();
  const msgs: string[] = [];
  for (const e of errs) {
    const m = formatFieldError(e);
    if (!seen.has(m)) {
      seen.add(m);
      msgs.push(m);
    }
  }
  if (msgs.length === 0) return head;
  if (msgs.length === 1) return `${head}: ${msgs[0] ?? ''}`;
  return `${head}: [${msgs.join(', ')}]`;
}

/** Status.details.causes: `{ reason: e.type, message: ErrorBody(), field }`, one per error, in order. */
export function toCauses(errs: FieldError[]): Array<{ reason: string; message: string; field: string }> {
  return errs.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field }));
}
