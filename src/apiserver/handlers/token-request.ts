// serviceaccounts/token (TokenRequest, authentication.k8s.io/v1): issues a bound service-account token,
// as upstream's pkg/registry/core/serviceaccount/storage/token.go (`kubectl create token`, the kubelet's
// projected serviceAccountToken volumes).
import { signToken, tokenClaims, type KubernetesClaim, type ServiceAccountTokenAuth } from '../auth/service-account-token';
import { ApiError, errors } from '../errors';
import { bodyFormat, decodeBody, readBody } from '../http/body';
import { sendJson } from '../http/respond';
import type { ResourceRequest } from '../http/request-info';
import { isObj, meta, rfc3339, str, type Obj } from '../registry/object';
import type { Registry } from '../registry/registry';
import { warningHeaders, type RequestContext } from './context';
import type { Endpoint } from './resource';

export const DEFAULT_EXPIRATION_SECONDS = 3600;
export const MIN_EXPIRATION_SECONDS = 600;
export const MAX_EXPIRATION_SECONDS = 2 ** 32;

export interface TokenRequestDeps {
  sa: ServiceAccountTokenAuth;
  registry(group: string, plural: string): Registry | undefined;
}

function invalid(field: string, value: unknown, why: string): ApiError {
  const detail = `${field}: Invalid value: ${JSON.stringify(value)}: ${why}`;
  return errors.invalid('authentication.k8s.io', 'TokenRequest', '', `TokenRequest.authentication.k8s.io "" is invalid: ${detail}`, [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` }]);
}

/** Defaults and validates the spec (upstream's SetDefaults_TokenRequestSpec + ValidateTokenRequest). */
export function tokenRequestSpec(body: Obj, apiAudiences: string[]): { audiences: string[]; expirationSeconds: number; boundObjectRef?: Obj } {
  const spec = isObj(body.spec) ? body.spec : {};
  const exp = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof exp !== 'number' || !Number.isInteger(exp)) throw invalid('spec.expirationSeconds', exp, 'must be an integer');
  if (exp < MIN_EXPIRATION_SECONDS) throw invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes');
  if (exp > MAX_EXPIRATION_SECONDS) throw invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds');
  const auds = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  return { audiences: auds.length ? auds : apiAudiences, expirationSeconds: exp, boundObjectRef: isObj(spec.boundObjectRef) ? spec.boundObjectRef : undefined };
}

function uidOf(o: Obj): string {
  return String(meta(o).uid ?? '');
}

/** POST serviceaccounts/NAME/token. */
export async function handleTokenRequest(ctx: RequestContext, ep: Endpoint, ri: ResourceRequest, deps: TokenRequestDeps): Promise<void> {
  if (ri.verb !== 'create') throw errors.methodNotSupported('', 'serviceaccounts/token', ri.verb);
  const fmt = bodyFormat(ctx.req.headers['content-type']);
  if (!fmt || fmt.endsWith('patch')) throw errors.unsupportedMediaType(String(ctx.req.headers['content-type'] ?? ''));
  const body = decodeBody(await readBody(ctx.req), fmt);
  if (!isObj(body)) throw errors.badRequest('the body of the request must be a TokenRequest object');
  if ((body.apiVersion ?? 'authentication.k8s.io/v1') !== 'authentication.k8s.io/v1' || (body.kind ?? 'TokenRequest') !== 'TokenRequest') {
    throw errors.badRequest(`the body must be an authentication.k8s.io/v1 TokenRequest, got ${String(body.apiVersion)} ${String(body.kind)}`);
  }
  const bm = isObj(body.metadata) ? body.metadata : {};
  if (bm.namespace !== undefined && bm.namespace !== '' && bm.namespace !== ri.namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const spec = tokenRequestSpec(body, deps.sa.apiAudiences);
  const sa = (await ep.registry.get(ri.namespace, ri.name)).obj;
  const now = ctx.now();
  const kube: KubernetesClaim = { namespace: ri.namespace, serviceaccount: { name: ri.name, uid: uidOf(sa) } };
  const ref = spec.boundObjectRef;
  if (ref) {
    const kind = str(ref.kind) ?? '';
    const apiVersion = str(ref.apiVersion) ?? '';
    const name = str(ref.name) ?? '';
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
    const plural = group === '' ? ({ Pod: 'pods', Secret: 'secrets', Node: 'nodes' } as Record<string, string>)[kind] : undefined;
    if (!plural) throw errors.badRequest(`cannot bind token to object of type ${apiVersion ? `${apiVersion}, ` : ''}Kind=${kind}`);
    const reg = deps.registry('', plural);
    if (!reg) throw errors.internal(`no registry for ${plural}`);
    const obj = (await reg.get(plural === 'nodes' ? '' : ri.namespace, name)).obj;
    if (plural === 'pods') {
      const podSpec = isObj(obj.spec) ? obj.spec : {};
      if (ri.name !== (str(podSpec.serviceAccountName) ?? 'default')) {
        throw errors.badRequest(`cannot bind token for serviceaccount "${ri.name}" to pod running with different serviceaccount name.`);
      }
      kube.pod = { name, uid: uidOf(obj) };
      const nodeName = str(podSpec.nodeName);
      const node = nodeName ? deps.registry('', 'nodes')?.peek('', nodeName)?.obj : undefined;
      if (nodeName && node) kube.node = { name: nodeName, uid: uidOf(node) };
    } else if (plural === 'secrets') kube.secret = { name, uid: uidOf(obj) };
    else kube.node = { name, uid: uidOf(obj) };
    const wantUid = str(ref.uid);
    if (wantUid && wantUid !== uidOf(obj)) {
      throw errors.conflict('', kind, name, `the UID in the bound object reference (${wantUid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
  }
  const claims = tokenClaims({ kube, audiences: spec.audiences, expirationSeconds: spec.expirationSeconds, nowMs: now, issuer: deps.sa.issuer });
  const token = signToken(deps.sa.key, claims);
  sendJson(ctx.res, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: ri.name, namespace: ri.namespace, creationTimestamp: rfc3339(now) },
    spec: { audiences: spec.audiences, expirationSeconds: spec.expirationSeconds, boundObjectRef: ref ?? null },
    status: { token, expirationTimestamp: rfc3339(claims.exp * 1000) },
  }, warningHeaders(ctx));
}
