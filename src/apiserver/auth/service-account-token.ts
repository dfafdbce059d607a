// Bound service-account tokens: signed JWTs issued by TokenRequest (serviceaccounts/token) and accepted as
// bearer tokens, as upstream's pkg/serviceaccount (claims.go, jwt.go) does.
//
//   TokenRequest ─▶ issueToken(): claims {iss, sub, aud, exp, iat, nbf, jti, kubernetes.io{namespace,
//                   serviceaccount, pod|secret|node}} signed ES256 with tls/service-account.key (kid = sha256 of SPKI)
//   Authorization: Bearer <jwt> ─▶ verify signature + issuer + audience + time (once per token per 10 s, cached)
//                   ─▶ the service account (and bound object) must still exist with the same uid (watch-cache
//                   lookups, every request) ─▶ user system:serviceaccount:NS:NAME
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Authenticator, UserInfo } from './authn';

/** Upstream's default --service-account-issuer (and, with no --api-audiences, the API audience). */
export const SA_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const SA_KEY_FILE = 'service-account.key';

export interface ServiceAccountKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** base64url(sha256(SPKI DER)): upstream's keyIDFromPublicKey. */
  kid: string;
}

function keyFrom(privateKey: KeyObject): ServiceAccountKey {
  const publicKey = createPublicKey(privateKey);
  const kid = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
  return { privateKey, publicKey, kid };
}

/** A fresh in-memory P-256 key (tokens die with the process; for servers started without a data dir). */
export function ephemeralServiceAccountKey(): ServiceAccountKey {
  return keyFrom(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

/** Loads `<tlsDir>/service-account.key` (PKCS#8 PEM, P-256), creating it (0600) on first use. */
export function ensureServiceAccountKey(tlsDir: string): ServiceAccountKey {
  const path = join(tlsDir, SA_KEY_FILE);
  if (existsSync(path)) return keyFrom(createPrivateKey(readFileSync(path, 'utf8')));
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const k = ephemeralServiceAccountKey();
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return k;
}

export interface ObjectRef {
  name: string;
  uid: string;
}

/** The private `kubernetes.io` claim. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface TokenClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  'kubernetes.io': KubernetesClaim;
  nbf: number;
  sub: string;
}

/** Builds upstream's claims for a token valid `expirationSeconds` from `nowMs`. */
export function tokenClaims(o: { kube: KubernetesClaim; audiences: string[]; expirationSeconds: number; nowMs: number; issuer?: string }): TokenClaims {
  const now = Math.floor(o.nowMs / 1000);
  return {
    aud: o.audiences,
    exp: now + o.expirationSeconds,
    iat: now,
    iss: o.issuer ?? SA_ISSUER,
    jti: randomUUID(),
    'kubernetes.io': o.kube,
    nbf: now,
    sub: `system:serviceaccount:${o.kube.namespace}:${o.kube.serviceaccount.name}`,
  };
}

/** A compact JWS (ES256) of the claims. */
export function signToken(key: ServiceAccountKey, claims: TokenClaims): string {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: key.kid })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = sign('sha256', Buffer.from(`${header}.${payload}`), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${sig.toString('base64url')}`;
}

/** Three base64url parts: a JWT, ours or someone else's. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

/** Upstream's leeway on exp/nbf/iat (go-jose's DefaultLeeway). */
const LEEWAY_S = 60;

/**
 * Checks the signature and the issuer; returns the claims, `undefined` when the token is not one of ours
 * (another issuer: some other authenticator may know it), or an Error saying why ours is invalid.
 * Time and audience are checked by the caller (they change while a verification is cached).
 */
export function verifyToken(key: ServiceAccountKey, token: string, issuer = SA_ISSUER): TokenClaims | Error | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  let header: { alg?: unknown; kid?: unknown };
  let claims: TokenClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null || claims.iss !== issuer) return undefined;
  if (header.alg !== 'ES256') return new Error(`unsupported signing algorithm ${String(header.alg)}`);
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2]!, 'base64url'));
  if (!ok) return new Error('invalid signature');
  const k = claims['kubernetes.io'];
  if (typeof k !== 'object' || k === null || typeof k.namespace !== 'string' || typeof k.serviceaccount?.name !== 'string') {
    return new Error('token lacks the kubernetes.io claim');
  }
  if (typeof claims.exp !== 'number') return new Error('token lacks exp');
  if (typeof claims.aud === 'string') claims.aud = [claims.aud];
  if (!Array.isArray(claims.aud)) claims.aud = [];
  return claims;
}

export type Lookup = (group: string, plural: string, namespace: string, name: string) => Record<string, unknown> | undefined;

export interface ServiceAccountAuthOptions {
  key: ServiceAccountKey;
  /** Reads live objects (the watch cache): service accounts, pods, secrets, nodes. */
  lookup: Lookup;
  now: () => number;
  /** Audiences the API server accepts (default [issuer]). */
  apiAudiences?: string[];
  issuer?: string;
  /** How long a signature verification is reused (default 10 s). */
  cacheTtlMs?: number;
}

export interface ServiceAccountUser extends UserInfo {
  extra: Record<string, string[]>;
}

/** The outcome of reviewing a token: ours and valid, ours and invalid (with why), or not ours. */
export type Review = { user: ServiceAccountUser; audiences: string[] } | { error: string } | undefined;

export interface ServiceAccountTokenAuth {
  key: ServiceAccountKey;
  issuer: string;
  apiAudiences: string[];
  /** Reviews a bearer token for the given audiences (default the API audiences). */
  review(token: string, audiences?: string[]): Review;
}

const CACHE_MAX = 4096;

function uidOf(o: Record<string, unknown> | undefined): string | undefined {
  const m = o?.metadata as { uid?: string } | undefined;
  return m?.uid;
}

function deletedLongAgo(o: Record<string, unknown>, nowMs: number): boolean {
  const dt = (o.metadata as { deletionTimestamp?: string } | undefined)?.deletionTimestamp;
  return !!dt && Date.parse(dt) < nowMs - LEEWAY_S * 1000;
}

export function createServiceAccountTokenAuth(o: ServiceAccountAuthOptions): ServiceAccountTokenAuth {
  const issuer = o.issuer ?? SA_ISSUER;
  const apiAudiences = o.apiAudiences ?? [issuer];
  const ttl = o.cacheTtlMs ?? 10_000;
  // token → verification outcome; bounded, oldest evicted first (Map keeps insertion order).
  const cache = new Map<string, { at: number; result: TokenClaims | Error | undefined }>();
  const verified = (token: string): TokenClaims | Error | undefined => {
    const now = o.now();
    const hit = cache.get(token);
    if (hit && now - hit.at < ttl) return hit.result;
    const result = verifyToken(o.key, token, issuer);
    cache.delete(token);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(token, { at: now, result });
    return result;
  };
  const bound = (kind: string, plural: string, ns: string, ref: ObjectRef | undefined, nowMs: number): string | undefined => {
    if (!ref) return undefined;
    const obj = o.lookup('', plural, ns, ref.name);
    if (!obj || uidOf(obj) !== ref.uid) return `${kind} "${ref.name}" not found or has a different uid`;
    if (deletedLongAgo(obj, nowMs)) return `${kind} "${ref.name}" is being deleted`;
    return undefined;
  };
  return {
    key: o.key,
    issuer,
    apiAudiences,
    review(token, audiences = apiAudiences) {
      const c = verified(token);
      if (c === undefined) return undefined;
      if (c instanceof Error) return { error: c.message };
      const nowMs = o.now();
      const now = nowMs / 1000;
      if (c.exp + LEEWAY_S < now) return { error: 'service account token has expired' };
      if (typeof c.nbf === 'number' && c.nbf - LEEWAY_S > now) return { error: 'service account token is not valid yet' };
      const matched = audiences.filter((a) => c.aud.includes(a));
      if (matched.length === 0) return { error: 'token audiences do not match' };
      const k = c['kubernetes.io'];
      const sa = o.lookup('', 'serviceaccounts', k.namespace, k.serviceaccount.name);
      if (!sa) return { error: `service account ${k.namespace}/${k.serviceaccount.name} has been deleted` };
      if (uidOf(sa) !== k.serviceaccount.uid) return { error: `service account UID (${String(uidOf(sa))}) does not match claim (${k.serviceaccount.uid})` };
      if (deletedLongAgo(sa, nowMs)) return { error: `service account ${k.namespace}/${k.serviceaccount.name} is being deleted` };
      const why = bound('pod', 'pods', k.namespace, k.pod, nowMs) ?? bound('secret', 'secrets', k.namespace, k.secret, nowMs) ?? bound('node', 'nodes', '', k.node, nowMs);
      if (why) return { error: why };
      const extra: Record<string, string[]> = { 'authentication.kubernetes.io/credential-id': [`JTI=${c.jti}`] };
      if (k.pod) {
        extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
        extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
      }
      if (k.node) {
        extra['authentication.kubernetes.io/node-name'] = [k.node.name];
        extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
      }
      return {
        audiences: matched,
        user: {
          name: c.sub,
          uid: k.serviceaccount.uid,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`, 'system:authenticated'],
          extra,
        },
      };
    },
  };
}

/** `base` plus service-account JWTs: a JWT of our issuer is decided here; anything else goes to `base`. */
export function withServiceAccountTokens(base: Authenticator, sa: ServiceAccountTokenAuth): Authenticator {
  return {
    authenticate(req: IncomingMessage) {
      const h = req.headers.authorization;
      const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
      if (m && looksLikeJwt(m[1]!)) {
        const r = sa.review(m[1]!);
        if (r && 'user' in r) return r.user;
        if (r) return false;
      }
      return base.authenticate(req);
    },
  };
}

/** GET /.well-known/openid-configuration, as upstream's serviceaccount OpenID discovery serves it. */
export function openIdConfiguration(issuer: string, jwksUri: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
  };
}

/** GET /openid/v1/jwks: the public verification keys. */
export function jwks(key: ServiceAccountKey): { keys: JsonWebKey[] } {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return { keys: [{ use: 'sig', kty: jwk.kty, kid: key.kid, crv: jwk.crv, alg: 'ES256', x: jwk.x, y: jwk.y }] };
}
