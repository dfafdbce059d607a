// Pulls an image from a registry (through the mirrors of registries.yaml): manifest or index (the
// linux/<arch> entry of a manifest list), config and layer blobs into the store, layers unpacked.
import { existsSync } from 'node:fs';
import { ImageError } from './errors';
import type { ImageRecord, ImageStore } from './image-store';
import { formatReference, type ImageRef } from './reference';
import { MEDIA, RegistryClient } from './registry-client';
import { authFromDockerConfig, endpointsFor, type RegistriesConfig, type RegistryAuth } from './registries';

export interface PullAuth {
  /** `.dockerconfigjson` documents from the pod's imagePullSecrets (kubernetes.io/dockerconfigjson). */
  dockerConfigJsons?: string[];
  /** Explicit credentials (take precedence). */
  auth?: RegistryAuth;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export const HOST_ARCH: string = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x', ppc64: 'ppc64le' } as Record<string, string>)[process.arch] ?? process.arch;

/** The manifest for linux/<this arch> from an index (Kubernetes' default platform matcher, without variants). */
export function selectPlatform(manifests: Descriptor[], arch = HOST_ARCH): Descriptor | undefined {
  return manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch) ??
    (manifests.length === 1 && !manifests[0]?.platform ? manifests[0] : undefined);
}

function credentialsFor(cfg: RegistriesConfig, host: string, registry: string, a: PullAuth | undefined): RegistryAuth | undefined {
  if (a?.auth) return a.auth;
  const fromConfig = cfg.configs[host]?.auth;
  if (fromConfig) return fromConfig;
  for (const json of a?.dockerConfigJsons ?? []) {
    const found = authFromDockerConfig(json, registry) ?? authFromDockerConfig(json, host);
    if (found) return found;
  }
  return undefined;
}

async function pullFrom(client: RegistryClient, store: ImageStore, ref: ImageRef, name: string): Promise<ImageRecord> {
  let m = await client.manifest(ref.digest ?? ref.tag ?? 'latest');
  const repoDigest = `${name}@${m.digest}`;
  if (m.mediaType === MEDIA.ociIndex || m.mediaType === MEDIA.dockerList) {
    const list = JSON.parse(m.body.toString('utf8')) as { manifests?: Descriptor[] };
    const pick = selectPlatform(list.manifests ?? []);
    if (!pick) throw new Error(`no matching manifest for linux/${HOST_ARCH} in the manifest list entries`);
    m = await client.manifest(pick.digest);
  }
  if (m.mediaType !== MEDIA.ociManifest && m.mediaType !== MEDIA.dockerManifest) throw new Error(`unsupported manifest media type "${m.mediaType}"`);
  const man = JSON.parse(m.body.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[] };
  if (!man.config) throw new Error('manifest has no config');
  for (const d of [man.config, ...(man.layers ?? [])]) {
    if (d.mediaType?.includes('zstd')) throw new Error(`layer ${d.digest}: zstd-compressed layers are not supported`);
    if (!existsSync(store.blobPath(d.digest))) await client.blob(d.digest, store.blobPath(d.digest));
  }
  return store.addImage({
    configDigest: man.config.digest,
    layerBlobs: (man.layers ?? []).map((l) => l.digest),
    repoTags: ref.tag ? [`${name}:${ref.tag}`] : [],
    repoDigests: [repoDigest],
  });
}

/**
 * Pulls `ref` trying each endpoint (mirrors first). Fails with ImageError ErrImagePull carrying every
 * endpoint's error, worded like containerd's so `kubectl describe` reads as users expect.
 */
export async function pullImage(store: ImageStore, cfg: RegistriesConfig, ref: ImageRef, o: { auth?: PullAuth; disableDefaultEndpoint?: boolean }): Promise<ImageRecord> {
  const name = `${ref.registry}/${ref.repository}`;
  const errors: string[] = [];
  for (const ep of endpointsFor(cfg, ref.registry, o.disableDefaultEndpoint)) {
    const auth = credentialsFor(cfg, ep.host, ref.registry, o.auth);
    const tls = cfg.configs[ep.host]?.tls;
    const client = new RegistryClient({ endpoint: ep, repository: ref.repository, ...(auth ? { auth } : {}), ...(tls ? { tls } : {}) });
    try {
      return await pullFrom(client, store, ref, name);
    } catch (err) {
      errors.push(`${ep.base}: ${(err as Error).message}`);
    }
  }
  throw new ImageError('ErrImagePull', `failed to pull and unpack image "${formatReference(ref)}": ${errors.join('; ')}`);
}
