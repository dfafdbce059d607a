// Every error the API returns is a Kubernetes Status object; this file is the one place that builds them,
// with upstream's wording (k8s.io/apimachinery/pkg/api/errors), which clients and scripts match on.

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

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error that reaches the client as a Status with this code and reason. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toStatus(): Status {
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** `pods` or `deployments.apps`: how upstream names a resource in messages. */
export function qualifiedResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const errors = {
  notFound(group: string, plural: string, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${qualifiedResource(group, plural)} "${name}" not found`, { name, group: group || undefined, kind: plural });
  },
  alreadyExists(group: string, plural: string, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${qualifiedResource(group, plural)} "${name}" already exists`, { name, group: group || undefined, kind: plural });
  },
  conflict(group: string, plural: string, name: string, why: string): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(group, plural)} "${name}": ${why}`, { name, group: group || undefined, kind: plural });
  },
  /** The optimistic-concurrency failure of an update with a stale resourceVersion. */
  modified(group: string, plural: string, name: string): ApiError {
    return errors.conflict(group, plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
  },
  invalid(group: string, kind: string, name: string, message: string, causes: StatusCause[]): ApiError {
    return new ApiError(422, 'Invalid', message, { name, group: group || undefined, kind, causes });
  },
  badRequest(message: string): ApiError {
    return new ApiError(400, 'BadRequest', message);
  },
  forbidden(group: string, plural: string, name: string, why: string): ApiError {
    const what = name ? `${qualifiedResource(group, plural)} "${name}"` : qualifiedResource(group, plural);
    return new ApiError(403, 'Forbidden', `${what} is forbidden: ${why}`, { name: name || undefined, group: group || undefined, kind: plural });
  },
  unauthorized(): ApiError {
    return new ApiError(401, 'Unauthorized', 'Unauthorized');
  },
  methodNotSupported(group: string, plural: string, verb: string): ApiError {
    return new ApiError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResource(group, plural)}"`, { group: group || undefined, kind: plural });
  },
  /** A path the server does not serve. */
  notFoundPath(): ApiError {
    return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  },
  gone(message: string): ApiError {
    return new ApiError(410, 'Expired', message);
  },
  tooLarge(message = 'Request entity too large: limit is 3145728'): ApiError {
    return new ApiError(413, 'RequestEntityTooLarge', message);
  },
  unsupportedMediaType(contentType: string): ApiError {
    return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${JSON.stringify(contentType)})`);
  },
  notAcceptable(): ApiError {
    return new ApiError(406, 'NotAcceptable', 'the server was unable to respond with a content type that the client supports');
  },
  tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
    return new ApiError(429, 'TooManyRequests', message, { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
  },
  internal(message: string): ApiError {
    return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
  },
  serviceUnavailable(message: string): ApiError {
    return new ApiError(503, 'ServiceUnavailable', message);
  },
  timeout(message: string): ApiError {
    return new ApiError(504, 'Timeout', message);
  },
};

export function successStatus(details?: StatusDetails): Status & { status: 'Success' } {
  const s = { kind: 'Status' as const, apiVersion: 'v1' as const, metadata: {}, status: 'Success' as const, code: 200 };
  return details ? { ...s, details } : s;
}
