// A Registry HTTP API v2 client (distribution spec): manifests by tag or digest with the Accept headers
// for OCI and Docker media types, blobs streamed to disk with sha256 verification, and the two auth
// schemes registries use: a Bearer token from the realm named in WWW-Authenticate (with basic auth to
// the realm when we hold credentials), or plain Basic.
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync, renameSync, rmSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { basicCredentials, type Endpoint, type RegistryAuth, type RegistryTLS } from './registries';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenge(header: string): Challenge {
  const sp = header.indexOf(' ');
  const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /(\w+)=(?:"([^"]*)"|([^,\s]*))/g;
  for (const m of (sp < 0 ? '' : header.slice(sp + 1)).matchAll(re)) params[(m[1] ?? '').toLowerCase()] = m[2] ?? m[3] ?? '';
  return { scheme, params };
}

export interface ClientOptions {
  endpoint: Endpoint;
  repository: string;
  auth?: RegistryAuth;
  tls?: RegistryTLS;
  timeoutMs?: number;
}

interface Resp {
  res: IncomingMessage;
  url: string;
}

/** One client per (endpoint, repository): it remembers its token. */
export class RegistryClient {
  private authorization: string | undefined;

  constructor(private readonly o: ClientOptions) {}

  private agentOpts(): https.RequestOptions {
    const t = this.o.tls;
    if (!t) return {};
    return {
      rejectUnauthorized: !t.insecureSkipVerify,
      ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}),
      ...(t.certFile ? { cert: readFileSync(t.certFile) } : {}),
      ...(t.keyFile ? { key: readFileSync(t.keyFile) } : {}),
    };
  }

  private raw(url: string, headers: Record<string, string>, redirects = 0): Promise<Resp> {
    const u = new URL(url);
    const mod = u.protocol === 'http:' ? http : https;
    return new Promise<Resp>((resolve, reject) => {
      const req = mod.request(u, { method: 'GET', headers, ...(u.protocol === 'https:' ? this.agentOpts() : {}), timeout: this.o.timeoutMs ?? 30_000 }, (res) => {
        const loc = res.headers.location;
        if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && loc && redirects < 5) {
          res.resume();
          const next = new URL(loc, u);
          const h = { ...headers };
          if (next.host !== u.host) delete h.authorization; // never leak credentials to blob storage
          this.raw(next.toString(), h, redirects + 1).then(resolve, reject);
          return;
        }
        resolve({ res, url });
      });
      req.on('timeout', () => req.destroy(new Error(`request to ${url} timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  private async body(res: IncomingMessage, limit = 16 << 20): Promise<Buffer> {
    const parts: Buffer[] = [];
    let n = 0;
    for await (const c of res as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > limit) throw new RegistryError('response too large', res.statusCode);
      parts.push(c);
    }
    return Buffer.concat(parts);
  }

  /** GET with auth: on 401 answers the challenge once and retries. */
  private async get(path: string, accept?: string): Promise<IncomingMessage> {
    const url = `${this.o.endpoint.base}/${path}`;
    const headers = (): Record<string, string> => ({
      ...(accept ? { accept } : {}),
      ...(this.authorization ? { authorization: this.authorization } : {}),
      'user-agent': 'berth/0.1',
    });
    let { res } = await this.raw(url, headers());
    if (res.statusCode === 401) {
      const challenge = String(res.headers['www-authenticate'] ?? '');
      res.resume();
      await this.answer(parseChallenge(challenge));
      ({ res } = await this.raw(url, headers()));
    }
    return res;
  }

  private async answer(ch: Challenge): Promise<void> {
    const basic = basicCredentials(this.o.auth);
    if (ch.scheme === 'basic') {
      if (!basic) throw new RegistryError('authorization required (Basic) and no credentials configured', 401);
      this.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
      return;
    }
    if (ch.scheme !== 'bearer' || !ch.params.realm) throw new RegistryError(`unsupported auth challenge "${ch.scheme}"`, 401);
    const realm = new URL(ch.params.realm);
    if (ch.params.service) realm.searchParams.set('service', ch.params.service);
    realm.searchParams.set('scope', ch.params.scope ?? `repository:${this.o.repository}:pull`);
    const headers: Record<string, string> = { 'user-agent': 'berth/0.1' };
    if (basic) headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    const { res } = await this.raw(realm.toString(), headers);
    const text = (await this.body(res)).toString('utf8');
    if (res.statusCode !== 200) throw new RegistryError(`token request to ${realm.origin}${realm.pathname} failed: ${res.statusCode} ${text.slice(0, 200)}`, res.statusCode);
    let token: string | undefined;
    try {
      const doc = JSON.parse(text) as { token?: string; access_token?: string };
      token = doc.token ?? doc.access_token;
    } catch {
      token = undefined;
    }
    if (!token) throw new RegistryError(`token response from ${realm.origin} carried no token`, res.statusCode);
    this.authorization = `Bearer ${token}`;
  }

  /** Fetches a manifest (or index) by tag or digest; verifies the digest when asked by digest. */
  async manifest(reference: string): Promise<{ mediaType: string; body: Buffer; digest: string }> {
    const res = await this.get(`${this.o.repository}/manifests/${reference}`, ACCEPT);
    const body = await this.body(res);
    if (res.statusCode !== 200) throw httpError(res.statusCode, `manifest ${this.o.repository}:${reference}`, body);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (reference.startsWith('sha256:') && digest !== reference) throw new RegistryError(`manifest digest mismatch: got ${digest}, want ${reference}`, 200);
    let mediaType = String(res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    try {
      const doc = JSON.parse(body.toString('utf8')) as { mediaType?: string; manifests?: unknown };
      if (doc.mediaType) mediaType = doc.mediaType;
      else if (!Object.values(MEDIA).includes(mediaType as never)) mediaType = doc.manifests ? MEDIA.ociIndex : MEDIA.ociManifest;
    } catch {
      throw new RegistryError(`manifest ${this.o.repository}:${reference} is not JSON`, 200);
    }
    return { mediaType, body, digest };
  }

  /** Streams a blob into `dest` (via a temp file), verifying its sha256; returns its size. */
  async blob(digest: string, dest: string): Promise<number> {
    const res = await this.get(`${this.o.repository}/blobs/${digest}`);
    if (res.statusCode !== 200) throw httpError(res.statusCode, `blob ${digest}`, await this.body(res, 4096).catch(() => Buffer.alloc(0)));
    const hash = createHash('sha256');
    let size = 0;
    const tmp = `${dest}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const tap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(res, tap, createWriteStream(tmp));
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== digest) throw new RegistryError(`blob digest mismatch: got ${got}, want ${digest}`, 200);
      renameSync(tmp, dest);
    } finally {
      rmSync(tmp, { force: true });
    }
    return size;
  }
}

function httpError(status: number | undefined, what: string, body: Buffer): RegistryError {
  let detail = body.toString('utf8').slice(0, 300);
  try {
    const doc = JSON.parse(detail) as { errors?: Array<{ code?: string; message?: string }> };
    if (doc.errors?.[0]) detail = `${doc.errors[0].code ?? ''}: ${doc.errors[0].message ?? ''}`;
  } catch {
    /* not JSON */
  }
  if (status === 404) return new RegistryError(`${what}: not found`, 404);
  if (status === 401 || status === 403) return new RegistryError(`${what}: pull access denied, repository does not exist or may require authorization: ${detail}`, status);
  return new RegistryError(`${what}: unexpected status ${status ?? '?'}: ${detail}`, status);
}
