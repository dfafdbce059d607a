// Query and path parameters of the OpenAPI operations (names, types and upstream's descriptions, shortened).
import type { JsonObject } from './openapi-schemas';

function q(name: string, type: 'string' | 'boolean' | 'integer', description: string): JsonObject {
  return { description, in: 'query', name, schema: { type, uniqueItems: true } };
}

function path(name: string, description: string): JsonObject {
  return { description, in: 'path', name, required: true, schema: { type: 'string', uniqueItems: true } };
}

export const PATH_PARAMS = {
  name: path('name', 'name of the resource'),
  namespace: path('namespace', 'object name and auth scope, such as for teams and projects'),
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed."),
};

const DRY_RUN = q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed');
const FIELD_MANAGER = q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.');
const FIELD_VALIDATION = q('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.');
const FORCE = q('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.');
const GRACE = q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used.');
const ORPHAN = q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned.');
const PROPAGATION = q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. Acceptable values are: 'Orphan', 'Background', 'Foreground'.");
const LIST = [
  q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  q('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  q('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  q('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`.'),
  q('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.'),
];

/** The query parameters of an operation, by Kubernetes verb. */
export function opParams(verb: string): JsonObject[] {
  switch (verb) {
    case 'list':
      return LIST;
    case 'create':
    case 'update':
      return [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
    case 'patch':
      return [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE];
    case 'delete':
      return [DRY_RUN, GRACE, ORPHAN, PROPAGATION];
    case 'deletecollection':
      return [...LIST.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), DRY_RUN, GRACE, ORPHAN, PROPAGATION];
    default:
      return [];
  }
}
