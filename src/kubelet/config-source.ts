// ConfigMaps and Secrets by GET with a short-lived cache (upstream's TTL-based configmap/secret manager),
// and Services from an informer (for the service environment variables). When the API server cannot be
// reached, the last value seen is used, so running pods keep their configuration.
import type { Client, Informer } from '../client';
import { isNotFound, Resources, type Clock } from '../client';
import type { ConfigSource } from './env';
import type { ConfigMap, Secret, Service } from './types';

interface Entry<T> {
  at: number;
  value: T | undefined;
}

export class ApiConfigSource implements ConfigSource {
  private readonly cache = new Map<string, Entry<ConfigMap | Secret>>();

  constructor(
    private readonly client: Client | undefined,
    private readonly clock: Clock,
    private readonly serviceInformer: Informer<Service> | undefined,
    private readonly ttlMs = 5000,
  ) {}

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.get<ConfigMap>('configmaps', namespace, name);
  }

  secret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.get<Secret>('secrets', namespace, name);
  }

  services(namespace: string): Service[] {
    if (!this.serviceInformer) return [];
    const mine = this.serviceInformer.lister.list(namespace);
    if (namespace === 'default') return mine;
    const k = this.serviceInformer.lister.get('default', 'kubernetes');
    return k ? [...mine, k] : mine;
  }

  private async get<T extends ConfigMap | Secret>(kind: 'configmaps' | 'secrets', namespace: string, name: string): Promise<T | undefined> {
    const key = `${kind}/${namespace}/${name}`;
    const hit = this.cache.get(key);
    const now = this.clock.now();
    if (hit && now - hit.at < this.ttlMs) return hit.value as T | undefined;
    if (!this.client) return undefined;
    try {
      const value = await this.client.resource<T>(kind === 'configmaps' ? Resources.configmaps : Resources.secrets).get(namespace, name);
      this.cache.set(key, { at: now, value });
      return value;
    } catch (e) {
      if (isNotFound(e)) {
        this.cache.set(key, { at: now, value: undefined });
        return undefined;
      }
      if (hit) return hit.value as T | undefined;
      throw new Error(`failed to get ${kind === 'configmaps' ? 'configmap' : 'secret'} "${name}": ${(e as Error).message}`);
    }
  }
}
