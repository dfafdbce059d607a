// Authentication: who is calling. Bearer tokens (admin, node join token, service account tokens later) and
// client certificates signed by the cluster CA (CN = user, O = groups), as the Kubernetes API server does.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createHash, timingSafeEqual } from 'node:crypto';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
}

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

export interface Authenticator {
  /** The caller, `undefined` for anonymous, or `false` when credentials were presented and are wrong. */
  authenticate(req: IncomingMessage): UserInfo | undefined | false;
}

export interface StaticToken {
  token: string;
  user: UserInfo;
}

export function createAuthenticator(tokens: StaticToken[]): Authenticator {
  // Compare digests in constant time; each configured token is hashed once, the presented one once per request.
  const digest = (t: string) => createHash('sha256').update(t).digest();
  const known = tokens.map((t) => ({ d: digest(t.token), user: t.user }));
  return {
    authenticate(req) {
      const h = req.headers.authorization;
      if (h !== undefined && h.trim() !== '') {
        const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
        if (!m) return false;
        const presented = digest(m[1]!);
        let found: UserInfo | undefined;
        for (const t of known) if (timingSafeEqual(presented, t.d)) found = t.user;
        return found ?? false;
      }
      const sock = req.socket as TLSSocket;
      if (typeof sock.getPeerCertificate === 'function' && sock.authorized) {
        const cert = sock.getPeerCertificate();
        const subject = cert?.subject as Record<string, string | string[]> | undefined;
        const cn = subject?.CN;
        if (typeof cn === 'string' && cn) {
          const o = subject?.O;
          const groups = Array.isArray(o) ? o : typeof o === 'string' ? [o] : [];
          return { name: cn, groups: [...groups, 'system:authenticated'] };
        }
      }
      return undefined;
    },
  };
}
