// kubeconfig files → ClientConfig. Supports what berth and kubectl write: server URL, inline or file
// CA / client certificate / key, bearer token (inline or tokenFile), insecure-skip-tls-verify.
// Exec and auth-provider plugins are not supported (a clear error names them).
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';

/** How to reach one API server. */
export interface ClientConfig {
  /** Base URL, e.g. https://127.0.0.1:6443 (http:// is accepted for test servers). */
  server: string;
  ca?: Buffer;
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTLSVerify?: boolean;
  /** TLS server name to verify instead of the URL's host. */
  tlsServerName?: string;
  userAgent?: string;
  /** Client-side rate limit for non-watch requests; unlimited when unset (berth's components default). */
  qps?: number;
  burst?: number;
  /** Most non-watch requests in flight at once (default 64); further requests queue. */
  maxInFlight?: number;
  /** Per-request timeout for non-watch requests in ms (default 60000). Watches are bounded by timeoutSeconds. */
  timeoutMs?: number;
}

interface NamedCluster { name?: string; cluster?: Record<string, unknown> }
interface NamedUser { name?: string; user?: Record<string, unknown> }
interface NamedContext { name?: string; context?: { cluster?: string; user?: string; namespace?: string } }
interface KubeconfigFile {
  clusters?: NamedCluster[];
  users?: NamedUser[];
  contexts?: NamedContext[];
  'current-context'?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Parses kubeconfig text. Relative file paths are resolved against baseDir. */
export function parseKubeconfig(text: string, baseDir: string, context?: string): ClientConfig & { namespace?: string } {
  const doc = (parse(text) ?? {}) as KubeconfigFile;
  const ctxName = context ?? doc['current-context'];
  const ctx = (doc.contexts ?? []).find((c) => c.name === ctxName)?.context;
  if (!ctxName || !ctx) throw new Error(`kubeconfig: context ${JSON.stringify(ctxName ?? '')} not found`);
  const cluster = (doc.clusters ?? []).find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new Error(`kubeconfig: cluster ${JSON.stringify(ctx.cluster ?? '')} of context ${ctxName} not found`);
  const user = ctx.user ? (doc.users ?? []).find((u) => u.name === ctx.user)?.user ?? {} : {};
  const file = (p: string): Buffer => readFileSync(isAbsolute(p) ? p : resolve(baseDir, p));
  const dataOrFile = (obj: Record<string, unknown>, dataKey: string, fileKey: string): Buffer | undefined => {
    const data = str(obj[dataKey]);
    if (data) return Buffer.from(data, 'base64');
    const p = str(obj[fileKey]);
    return p ? file(p) : undefined;
  };
  const server = str(cluster.server);
  if (!server) throw new Error(`kubeconfig: cluster ${ctx.cluster} has no server`);
  if (user.exec || user['auth-provider']) throw new Error(`kubeconfig: user ${ctx.user}: exec and auth-provider credentials are not supported`);
  const cfg: ClientConfig & { namespace?: string } = { server: server.replace(/\/+$/, '') };
  const ca = dataOrFile(cluster, 'certificate-authority-data', 'certificate-authority');
  if (ca) cfg.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) cfg.insecureSkipTLSVerify = true;
  const tlsServerName = str(cluster['tls-server-name']);
  if (tlsServerName) cfg.tlsServerName = tlsServerName;
  const cert = dataOrFile(user, 'client-certificate-data', 'client-certificate');
  const key = dataOrFile(user, 'client-key-data', 'client-key');
  if (cert) cfg.cert = cert;
  if (key) cfg.key = key;
  const token = str(user.token) ?? (str(user.tokenFile) ? file(str(user.tokenFile) as string).toString('utf8').trim() : undefined);
  if (token) cfg.token = token;
  if (ctx.namespace) cfg.namespace = ctx.namespace;
  return cfg;
}

/** Reads a kubeconfig file and returns the connection settings of `context` (default: current-context). */
export function loadKubeconfig(path: string, context?: string): ClientConfig & { namespace?: string } {
  return parseKubeconfig(readFileSync(path, 'utf8'), dirname(resolve(path)), context);
}
