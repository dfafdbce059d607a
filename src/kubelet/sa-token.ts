// Service-account tokens for projected volumes (upstream's pkg/kubelet/token manager): the kubelet asks the
// API server for a token of the pod's service account bound to the pod (POST serviceaccounts/NAME/token),
// keeps it, and asks again once 80% of its lifetime has passed (or after 24 h). The pod worker's resync
// (every 10 s) rewrites the projected file through the atomic writer, so containers see the fresh token.
// When the API server cannot be reached, a token that has not expired yet is kept.
import { realClock, Resources, type Client, type Clock } from '../client';
import type { Pod } from './types';

export interface TokenProjectionSource {
  audience?: string;
  expirationSeconds?: number;
  path: string;
}

export interface ServiceAccountTokenSource {
  /** The pod's bound token for this audience and lifetime (cached; refreshed at 80% of its lifetime). */
  token(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string>;
}

/** The API's default for a projected serviceAccountToken source's expirationSeconds. */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
const MAX_TTL_MS = 24 * 3600_000;
const MAX_JITTER_MS = 10_000;

interface Cached {
  token: string;
  expiresAt: number;
  ttlMs: number;
  /** A stable per-token jitter, so a refresh does not wait on randomness at every check. */
  jitterMs: number;
}

interface TokenRequestReply {
  spec?: { expirationSeconds?: number };
  status?: { token?: string; expirationTimestamp?: string };
}

/** Upstream's requiresRefresh: past 80% of the lifetime (minus jitter), or issued more than 24 h ago. */
export function requiresRefresh(c: { expiresAt: number; ttlMs: number; jitterMs: number }, now: number): boolean {
  const issuedAt = c.expiresAt - c.ttlMs;
  if (now > issuedAt + MAX_TTL_MS - c.jitterMs) return true;
  return now > c.expiresAt - c.ttlMs * 0.2 - c.jitterMs;
}

export function createServiceAccountTokenManager(o: { client: Client; clock?: Clock; random?: () => number }): ServiceAccountTokenSource {
  const clock = o.clock ?? realClock;
  const random = o.random ?? Math.random;
  const cache = new Map<string, Cached>();
  const inFlight = new Map<string, Promise<string>>();
  const prune = (now: number) => {
    for (const [k, c] of cache) if (c.expiresAt <= now) cache.delete(k);
  };
  const fetch = async (key: string, pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string> => {
    const sa = pod.spec.serviceAccountName || 'default';
    const ns = pod.metadata.namespace;
    const prev = cache.get(key);
    try {
      const reply = await o.client.resource(Resources.serviceaccounts).createSubresource<TokenRequestReply>(ns, sa, 'token', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: audience ? [audience] : [],
          expirationSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
        },
      });
      const token = reply.status?.token;
      const exp = Date.parse(reply.status?.expirationTimestamp ?? '');
      if (!token || !Number.isFinite(exp)) throw new Error('the TokenRequest reply has no token or expirationTimestamp');
      const ttlMs = (reply.spec?.expirationSeconds ?? expirationSeconds) * 1000;
      cache.set(key, { token, expiresAt: exp, ttlMs, jitterMs: Math.floor(random() * MAX_JITTER_MS) });
      return token;
    } catch (e) {
      if (prev && prev.expiresAt > clock.now()) return prev.token; // keep the still-valid token
      throw new Error(`failed to fetch token: ${(e as Error).message}`);
    }
  };
  return {
    async token(pod, audience, expirationSeconds) {
      const now = clock.now();
      prune(now);
      const key = `${pod.metadata.namespace}/${pod.spec.serviceAccountName || 'default'}/${pod.metadata.uid}/${audience ?? ''}/${expirationSeconds}`;
      const c = cache.get(key);
      if (c && !requiresRefresh(c, now)) return c.token;
      let p = inFlight.get(key);
      if (!p) {
        p = fetch(key, pod, audience, expirationSeconds).finally(() => inFlight.delete(key));
        inFlight.set(key, p);
      }
      return p;
    },
  };
}

/** The projected file's content for a serviceAccountToken source, or why it cannot be had yet. */
export async function projectServiceAccountToken(pod: Pod, source: TokenProjectionSource, tokens: ServiceAccountTokenSource): Promise<{ data: Buffer } | { error: string }> {
  try {
    return { data: Buffer.from(await tokens.token(pod, source.audience || undefined, source.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS)) };
  } catch (e) {
    return { error: `failed to fetch token for service account "${pod.spec.serviceAccountName || 'default'}" (${source.path}): ${(e as Error).message}` };
  }
}
