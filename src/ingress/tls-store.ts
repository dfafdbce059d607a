// TLS certificates for SNI, from kubernetes.io/tls Secrets named by the Ingresses' spec.tls.
//
// Secure contexts are cached per Secret resourceVersion, so rebuilding the table after an unrelated
// change costs nothing. A host is served by the first (oldest Ingress) TLS entry naming it; wildcard
// entries (*.example.com) cover one label. Clients without SNI, or with an unknown name, get the first
// certificate of the table (nginx's "default server" behaviour).
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Lister } from '../client';
import type { TlsEntry } from './routing';
import type { LogFn, Secret } from './types';

export interface CertTable {
  exact: Map<string, SecureContext>;
  wildcard: Map<string, SecureContext>;
  fallback?: SecureContext;
  /** The fallback's PEMs, for the server's default context (clients without SNI). */
  fallbackPem?: { cert: Buffer; key: Buffer };
}

export function createCertCache(secrets: Lister<Secret>, log: LogFn) {
  const cache = new Map<string, { rv: string; ctx: SecureContext | undefined; pem?: { cert: Buffer; key: Buffer } }>();
  const warned = new Set<string>();

  const contextFor = (key: string): { ctx: SecureContext; pem: { cert: Buffer; key: Buffer } } | undefined => {
    const [ns, name] = key.split('/') as [string, string];
    const s = secrets.get(ns, name);
    if (!s) {
      if (!warned.has(key)) log('warn', `ingress: TLS secret ${key} not found`);
      warned.add(key);
      return undefined;
    }
    const rv = s.metadata?.resourceVersion ?? '';
    const hit = cache.get(key);
    if (hit && hit.rv === rv) return hit.ctx && hit.pem ? { ctx: hit.ctx, pem: hit.pem } : undefined;
    const pem = { cert: Buffer.from(s.data?.['tls.crt'] ?? '', 'base64'), key: Buffer.from(s.data?.['tls.key'] ?? '', 'base64') };
    let ctx: SecureContext | undefined;
    try {
      ctx = createSecureContext(pem);
      warned.delete(key);
    } catch (e) {
      log('warn', `ingress: TLS secret ${key}: ${String(e)}`);
    }
    cache.set(key, { rv, ctx, pem });
    return ctx ? { ctx, pem } : undefined;
  };

  return {
    build(entries: TlsEntry[]): CertTable {
      const t: CertTable = { exact: new Map(), wildcard: new Map() };
      const live = new Set<string>();
      for (const e of entries) {
        live.add(e.secret);
        const got = contextFor(e.secret);
        if (!got) continue;
        const ctx = got.ctx;
        if (!t.fallback) {
          t.fallback = ctx;
          t.fallbackPem = got.pem;
        }
        for (const h of e.hosts) {
          if (h.startsWith('*.')) { if (!t.wildcard.has(h.slice(2))) t.wildcard.set(h.slice(2), ctx); }
          else if (!t.exact.has(h)) t.exact.set(h, ctx);
        }
      }
      for (const k of cache.keys()) if (!live.has(k)) cache.delete(k);
      return t;
    },
  };
}

export function lookupCert(t: CertTable, servername: string): SecureContext | undefined {
  const h = servername.toLowerCase();
  const exact = t.exact.get(h);
  if (exact) return exact;
  const dot = h.indexOf('.');
  return (dot > 0 ? t.wildcard.get(h.slice(dot + 1)) : undefined) ?? t.fallback;
}
