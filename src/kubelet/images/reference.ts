// Image references after docker/distribution's reference package: `busybox` →
// `docker.io/library/busybox:latest`; `localhost:5000/x@sha256:…`; a registry is the first path
// component when it contains '.' or ':' or is `localhost`.
import { ImageError } from './errors';

export interface ImageRef {
  /** Registry host (with port), `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path in the registry, `library/busybox` for official Hub images. */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Parses and normalises a reference; throws ImageError InvalidImageName with Kubernetes' wording. */
export function parseReference(input: string): ImageRef {
  const bad = (why: string): ImageError => new ImageError('InvalidImageName', `Failed to apply default image tag "${input}": couldn't parse image name "${input}": ${why}`);
  let rest = input.trim();
  if (!rest) throw bad('invalid reference format');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad('invalid reference format');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad('invalid reference format');
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    parts.shift();
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  if (parts.length === 0 || parts.some((p) => !COMPONENT.test(p))) {
    throw bad(/[A-Z]/.test(rest) ? 'invalid reference format: repository name must be lowercase' : 'invalid reference format');
  }
  if (!tag && !digest) tag = 'latest';
  return { registry, repository: parts.join('/'), ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** `registry/repository[:tag][@digest]`, the key images are stored under. */
export function formatReference(r: ImageRef): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** Normalises a reference string (throws InvalidImageName). */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}

/** Kubernetes' default pull policy: Always for `:latest` or an untagged name, IfNotPresent otherwise. */
export function defaultPullPolicy(input: string): 'Always' | 'IfNotPresent' {
  const r = parseReference(input);
  if (r.digest) return 'IfNotPresent';
  return r.tag === 'latest' ? 'Always' : 'IfNotPresent';
}
