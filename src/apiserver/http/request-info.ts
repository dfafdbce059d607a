// Parses a request path into what it addresses, as upstream's RequestInfoFactory does:
//   /api/v1/namespaces/{ns}/{resource}/{name}/{subresource}
//   /apis/{group}/{version}/namespaces/{ns}/{resource}/{name}/{subresource}
//   /api/v1/{clusterResource}/{name}/{subresource}
// Anything else is a non-resource path (/version, /healthz, /openapi/v3, ...).

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'connect';

export interface ResourceRequest {
  isResource: true;
  verb: Verb;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  /** Path segments after the subresource (e.g. pods/proxy/<path>). */
  rest: string[];
}

export interface NonResourceRequest {
  isResource: false;
  path: string;
  parts: string[];
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname.split('/').filter((p) => p !== '');
  const decoded: string[] = [];
  for (const p of parts) {
    try {
      decoded.push(decodeURIComponent(p));
    } catch {
      return { isResource: false, path: pathname, parts };
    }
  }
  let i: number;
  let group: string;
  let version: string;
  if (decoded[0] === 'api' && decoded.length >= 3) {
    group = '';
    version = decoded[1]!;
    i = 2;
  } else if (decoded[0] === 'apis' && decoded.length >= 4) {
    group = decoded[1]!;
    version = decoded[2]!;
    i = 3;
  } else {
    return { isResource: false, path: pathname, parts: decoded };
  }
  let namespace = '';
  // /namespaces/{ns}/{resource}... ; but /namespaces/{name} and /namespaces/{name}/status|finalize address namespaces
  if (decoded[i] === 'namespaces' && decoded.length > i + 2) {
    namespace = decoded[i + 1]!;
    i += 2;
    const after = decoded[i];
    if (after === 'status' || after === 'finalize') {
      // the namespace object's own subresource
      return finish(method, query, group, version, '', 'namespaces', namespace, after, decoded.slice(i + 1));
    }
  }
  const resource = decoded[i] ?? '';
  const name = decoded[i + 1] ?? '';
  const subresource = decoded[i + 2] ?? '';
  return finish(method, query, group, version, namespace, resource, name, subresource, decoded.slice(i + 3));
}

function finish(
  method: string,
  query: URLSearchParams,
  group: string,
  version: string,
  namespace: string,
  resource: string,
  name: string,
  subresource: string,
  rest: string[],
): ResourceRequest {
  let verb: Verb;
  const watch = query.get('watch');
  const isWatch = watch === 'true' || watch === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name ? (isWatch ? 'watch' : 'get') : isWatch ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = 'get';
  }
  if (CONNECT_SUBRESOURCES.has(subresource)) verb = 'connect';
  return { isResource: true, verb, group, version, namespace, resource, name, subresource, rest };
}
