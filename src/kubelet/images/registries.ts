// registries.yaml in the manner of k3s (/etc/rancher/k3s/registries.yaml):
//
//   mirrors:
//     docker.io:
//       endpoint: ["http://127.0.0.1:5000"]
//     "*":                                # any registry without its own entry
//       endpoint: ["https://mirror.example"]
//   configs:
//     "127.0.0.1:5000":                   # keyed by the endpoint's host (a mirror or a registry)
//       auth: { username: u, password: p }   # or auth: base64(u:p), or identitytoken
//       tls: { insecure_skip_verify: true, ca_file: /path/ca.pem }
//
// Endpoints are tried in order, then the registry itself (unless disableDefaultEndpoint, as k3s'
// --disable-default-registry-endpoint).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64(username:password) */
  auth?: string;
  identitytoken?: string;
}

export interface RegistryTLS {
  insecureSkipVerify?: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface RegistriesConfig {
  mirrors: Record<string, { endpoints: string[] }>;
  configs: Record<string, { auth?: RegistryAuth; tls?: RegistryTLS }>;
}

export interface Endpoint {
  /** Base URL up to and including the API root, e.g. http://127.0.0.1:5000/v2 */
  base: string;
  host: string;
  /** A mirror (else the registry itself). */
  mirror: boolean;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const optStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Parses registries.yaml text; throws with the offending key on a malformed document. */
export function parseRegistries(text: string): RegistriesConfig {
  const doc: unknown = parse(text) ?? {};
  if (!isObj(doc)) throw new Error('registries.yaml: the document must be a mapping');
  const out: RegistriesConfig = { mirrors: {}, configs: {} };
  const mirrors = doc.mirrors ?? {};
  if (!isObj(mirrors)) throw new Error('registries.yaml: mirrors must be a mapping');
  for (const [host, m] of Object.entries(mirrors)) {
    const ep = isObj(m) ? m.endpoint : undefined;
    if (!Array.isArray(ep) || !ep.every((e) => typeof e === 'string')) throw new Error(`registries.yaml: mirrors.${host}.endpoint must be a list of URLs`);
    out.mirrors[host] = { endpoints: ep as string[] };
  }
  const configs = doc.configs ?? {};
  if (!isObj(configs)) throw new Error('registries.yaml: configs must be a mapping');
  for (const [host, c] of Object.entries(configs)) {
    if (!isObj(c)) throw new Error(`registries.yaml: configs.${host} must be a mapping`);
    const entry: { auth?: RegistryAuth; tls?: RegistryTLS } = {};
    if (isObj(c.auth)) {
      entry.auth = { username: optStr(c.auth.username), password: optStr(c.auth.password), auth: optStr(c.auth.auth), identitytoken: optStr(c.auth.identitytoken) };
    }
    if (isObj(c.tls)) {
      entry.tls = {
        insecureSkipVerify: c.tls.insecure_skip_verify === true,
        caFile: optStr(c.tls.ca_file), certFile: optStr(c.tls.cert_file), keyFile: optStr(c.tls.key_file),
      };
    }
    out.configs[host] = entry;
  }
  return out;
}

export function loadRegistries(file: string | undefined): RegistriesConfig {
  if (!file) return { mirrors: {}, configs: {} };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { mirrors: {}, configs: {} };
    throw err;
  }
  return parseRegistries(text);
}

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '');
  return h === 'localhost' || h.startsWith('127.') || h === '[::1]';
}

function endpointOf(url: string, mirror: boolean): Endpoint {
  const withScheme = /^[a-z]+:\/\//.test(url) ? url : `https://${url}`;
  const u = new URL(withScheme);
  const path = u.pathname.replace(/\/+$/, '');
  return { base: `${u.protocol}//${u.host}${path === '' ? '/v2' : path}`, host: u.host, mirror };
}

/** The endpoints to try for a registry host, mirrors first. */
export function endpointsFor(cfg: RegistriesConfig, registry: string, disableDefault = false): Endpoint[] {
  const mirror = cfg.mirrors[registry] ?? cfg.mirrors['*'];
  const out = (mirror?.endpoints ?? []).map((e) => endpointOf(e, true));
  if (!disableDefault || out.length === 0) {
    if (registry === 'docker.io') out.push(endpointOf('https://registry-1.docker.io', false));
    else out.push(endpointOf(`${isLoopback(registry) ? 'http' : 'https'}://${registry}`, false));
  }
  // The same endpoint listed twice (a mirror naming the registry itself) is tried once.
  return out.filter((e, i) => out.findIndex((o) => o.base === e.base) === i);
}

/** Credentials from a kubernetes.io/dockerconfigjson secret's `.dockerconfigjson` for a registry host. */
export function authFromDockerConfig(json: string, host: string): RegistryAuth | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return undefined;
  }
  const auths = isObj(doc) && isObj(doc.auths) ? doc.auths : isObj(doc) ? doc : {};
  const want = host === 'docker.io' ? ['docker.io', 'index.docker.io', 'registry-1.docker.io'] : [host];
  for (const [key, v] of Object.entries(auths)) {
    const k = key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
    if (!want.includes(k) || !isObj(v)) continue;
    return { username: optStr(v.username), password: optStr(v.password), auth: optStr(v.auth), identitytoken: optStr(v.identitytoken) };
  }
  return undefined;
}

/** `user:password` for HTTP basic auth, from either form. */
export function basicCredentials(a: RegistryAuth | undefined): string | undefined {
  if (!a) return undefined;
  if (a.username !== undefined && a.password !== undefined) return `${a.username}:${a.password}`;
  if (a.auth) return Buffer.from(a.auth, 'base64').toString('utf8');
  return undefined;
}
