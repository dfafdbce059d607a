// The one error type of the patch package. The API server turns it into a Kubernetes Status with this code
// and reason; `details` carries Status.details (e.g. the FieldManagerConflict causes of an apply conflict).

export interface PatchErrorCause {
  type?: string;
  message?: string;
  field?: string;
}

export interface PatchErrorDetails {
  causes?: PatchErrorCause[];
}

export class PatchError extends Error {
  override name = 'PatchError';
  constructor(
    message: string,
    readonly code: 400 | 409 | 422 | 500,
    readonly reason: string,
    readonly details?: PatchErrorDetails,
    /** The underlying, more specific message when `message` is upstream's generic text (JSON patch, 422). */
    readonly detail?: string,
  ) {
    super(message);
  }
}

export function badRequest(message: string): PatchError {
  return new PatchError(message, 400, 'BadRequest');
}

/** 422 as upstream's NewGenericServerResponse(422, ...) builds it: a generic message, the specific one kept aside. */
export function invalidPatch(detail: string): PatchError {
  return new PatchError('the server rejected our request due to an error in our request', 422, 'Invalid', undefined, detail);
}

export function noMergeKey(m: unknown, key: string): PatchError {
  let shown: string;
  try {
    shown = JSON.stringify(m) ?? String(m);
  } catch {
    shown = String(m);
  }
  return badRequest(`map: ${shown} does not contain declared merge key: ${key}`);
}
