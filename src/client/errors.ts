// API errors as values: every non-2xx answer becomes an ApiError carrying the server's Status object
// (or one synthesized from the HTTP code when the body was not a Status). Transport failures
// (connection refused, TLS, aborted) stay ordinary Errors.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** meta/v1 Status, as sent by the API server in error bodies and in watch ERROR events. */
export interface Status {
  kind?: string;
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  status?: 'Success' | 'Failure' | string;
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export class ApiError extends Error {
  override name = 'ApiError';
  /** HTTP status code (or the Status' code, for watch ERROR events). */
  readonly code: number;
  /** Status reason, e.g. 'NotFound', 'Conflict', 'AlreadyExists', 'Expired', 'Gone', 'Invalid'. */
  readonly reason: string;
  readonly status: Status;

  constructor(code: number, status: Status) {
    super(status.message || `the server responded with code ${code}`);
    this.code = code;
    this.reason = status.reason || REASON_BY_CODE[code] || 'Unknown';
    this.status = status;
  }
}

/** Builds an ApiError from a response code and body (a Status when the server is Kubernetes-like). */
export function apiErrorFrom(code: number, body: string): ApiError {
  let status: Status | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && (parsed as Status).kind === 'Status') status = parsed as Status;
  } catch {
    // not JSON: fall through
  }
  return new ApiError(code, status ?? {
    kind: 'Status', apiVersion: 'v1', status: 'Failure', code,
    reason: REASON_BY_CODE[code] ?? 'Unknown',
    message: body.trim().slice(0, 500) || `the server responded with code ${code}`,
  });
}

/** The ApiError a watch ERROR event stands for. */
export function apiErrorFromStatus(status: Status): ApiError {
  return new ApiError(status.code ?? 500, status);
}

function asApi(e: unknown): ApiError | undefined {
  return e instanceof ApiError ? e : undefined;
}

export function isNotFound(e: unknown): boolean {
  const a = asApi(e);
  return !!a && (a.reason === 'NotFound' || (a.code === 404 && a.reason === 'Unknown'));
}

export function isAlreadyExists(e: unknown): boolean {
  return asApi(e)?.reason === 'AlreadyExists';
}

/** A resourceVersion precondition failed (optimistic concurrency): re-read and retry. */
export function isConflict(e: unknown): boolean {
  const a = asApi(e);
  return !!a && (a.reason === 'Conflict' || (a.code === 409 && a.reason !== 'AlreadyExists'));
}

/** The requested resourceVersion (or continue token) is too old: relist. */
export function isExpired(e: unknown): boolean {
  const a = asApi(e);
  return !!a && (a.code === 410 || a.reason === 'Expired' || a.reason === 'Gone');
}

export const isGone = isExpired;

export function isTooManyRequests(e: unknown): boolean {
  const a = asApi(e);
  return !!a && (a.code === 429 || a.reason === 'TooManyRequests');
}

export function isInvalid(e: unknown): boolean {
  const a = asApi(e);
  return !!a && (a.code === 422 || a.reason === 'Invalid');
}

export function isForbidden(e: unknown): boolean {
  return asApi(e)?.code === 403;
}
