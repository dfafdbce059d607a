// A recording in-memory Client for unit tests of reconcile functions: writes are applied to a map and
// logged as actions ("create pods ns/name"); failures can be injected per verb and resource.
import { ApiError, createIndexer, type Client, type Indexer, type KubeObject, type ResourceClient, type ResourceRef } from '../../client';
import { jsonPatch, mergePatch } from '../../client/testing/patch';

export interface FakeAction {
  verb: string;
  resource: string;
  namespace: string;
  name: string;
  body?: unknown;
}

export class FakeClient {
  readonly actions: FakeAction[] = [];
  readonly objects = new Map<string, KubeObject>();
  private seq = 0;
  private failures: Array<{ verb: string; resource: string; error: Error; count: number }> = [];
  /** Requests made through client.request (method path). */
  readonly requests: Array<{ method: string; path: string; body?: unknown }> = [];

  constructor(private readonly now: () => number = () => Date.UTC(2025, 0, 1)) {}

  /** Makes the next `count` calls of verb on resource (plural) fail with error. */
  failNext(verb: string, resource: string, error: Error, count = 1): void {
    this.failures.push({ verb, resource, error, count });
  }

  /** Writes of a verb on a resource, as "verb plural ns/name". */
  log(filter?: { verb?: string; resource?: string }): string[] {
    return this.actions
      .filter((a) => (!filter?.verb || a.verb === filter.verb) && (!filter?.resource || a.resource === filter.resource))
      .map((a) => `${a.verb} ${a.resource} ${a.namespace ? `${a.namespace}/` : ''}${a.name}`);
  }

  private maybeFail(verb: string, resource: string): void {
    const f = this.failures.find((x) => x.verb === verb && x.resource === resource && x.count > 0);
    if (f) {
      f.count--;
      throw f.error;
    }
  }

  seed<T extends KubeObject>(ref: ResourceRef, obj: T): T {
    this.objects.set(`${ref.plural}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`, structuredClone(obj));
    return obj;
  }

  get<T extends KubeObject>(ref: ResourceRef, ns: string, name: string): T | undefined {
    return this.objects.get(`${ref.plural}/${ns}/${name}`) as T | undefined;
  }

  list<T extends KubeObject>(ref: ResourceRef): T[] {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${ref.plural}/`)).map(([, v]) => v as T);
  }

  /** An indexer holding the current objects of a resource (a lister for the next reconcile). */
  indexer<T extends KubeObject>(ref: ResourceRef): Indexer<T> {
    const ix = createIndexer<T>();
    for (const o of this.list<T>(ref)) ix.upsert(o);
    return ix;
  }

  client(): Client {
    const self = this;
    const notFound = (ref: ResourceRef, name: string): ApiError =>
      new ApiError(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${ref.plural} "${name}" not found` });
    const resource = <T extends KubeObject>(ref: ResourceRef): ResourceClient<T> => {
      const k = (ns: string | undefined, name: string): string => `${ref.plural}/${ns ?? ''}/${name}`;
      const record = (verb: string, ns: string | undefined, name: string, body?: unknown): void => {
        self.actions.push({ verb, resource: ref.plural, namespace: ns ?? '', name, body });
        self.maybeFail(verb, ref.plural);
      };
      const store = (ns: string | undefined, obj: T): T => {
        const o = structuredClone(obj);
        o.metadata ??= {};
        o.metadata.resourceVersion = String(++self.seq);
        self.objects.set(k(ns, o.metadata.name ?? ''), o);
        return structuredClone(o);
      };
      const rc: ResourceClient<T> = {
        ref,
        async get(ns, name) {
          const o = self.objects.get(k(ns, name));
          if (!o) throw notFound(ref, name);
          return structuredClone(o) as T;
        },
        async list(ns) {
          return { items: self.list<T>(ref).filter((o) => !ns || o.metadata?.namespace === ns).map((o) => structuredClone(o)), metadata: { resourceVersion: String(self.seq) } };
        },
        listAll: (ns, o) => rc.list(ns, o),
        async create(ns, obj) {
          const o = structuredClone(obj);
          o.metadata ??= {};
          if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${(++self.seq).toString(36).padStart(5, 'x')}`;
          o.metadata.namespace = ns ?? o.metadata.namespace;
          record('create', ns, o.metadata.name ?? '', o);
          if (self.objects.has(k(ns, o.metadata.name ?? ''))) {
            throw new ApiError(409, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'AlreadyExists', code: 409, message: 'already exists' });
          }
          o.metadata.uid ??= `uid-${o.metadata.name}`;
          o.metadata.creationTimestamp ??= new Date(self.now()).toISOString().replace(/\.\d+Z$/, 'Z');
          o.metadata.generation ??= 1;
          return store(ns, o);
        },
        async update(ns, obj) {
          record('update', ns, obj.metadata?.name ?? '', obj);
          if (!self.objects.has(k(ns, obj.metadata?.name ?? ''))) throw notFound(ref, obj.metadata?.name ?? '');
          return store(ns, obj);
        },
        async updateStatus(ns, obj) {
          record('update-status', ns, obj.metadata?.name ?? '', obj);
          const cur = self.objects.get(k(ns, obj.metadata?.name ?? ''));
          if (!cur) throw notFound(ref, obj.metadata?.name ?? '');
          return store(ns, { ...cur, status: (obj as { status?: unknown }).status } as unknown as T);
        },
        async patch(ns, name, type, body, o) {
          record(o?.subresource ? `patch-${o.subresource}` : 'patch', ns, name, body);
          const cur = self.objects.get(k(ns, name));
          if (!cur) throw notFound(ref, name);
          if (type === 'json') return store(ns, jsonPatch(structuredClone(cur), body) as T);
          if (type !== 'merge' && type !== 'strategic') throw new Error(`fake client: patch type ${type} not supported`);
          return store(ns, mergePatch(structuredClone(cur), body) as T);
        },
        async delete(ns, name, o) {
          record('delete', ns, name, o);
          const cur = self.objects.get(k(ns, name));
          if (!cur) throw notFound(ref, name);
          self.objects.delete(k(ns, name));
          return cur as T;
        },
        async deleteCollection(ns) {
          record('deletecollection', ns, '');
          for (const key of [...self.objects.keys()]) if (key.startsWith(`${ref.plural}/${ns ?? ''}/`)) self.objects.delete(key);
          return {};
        },
        async createSubresource(ns, name, sub, body) {
          record(`create-${sub}`, ns, name, body);
          return undefined as never;
        },
        async getSubresource() {
          throw new Error('fake client: getSubresource not supported');
        },
        watch() {
          throw new Error('fake client: watch not supported');
        },
      };
      return rc;
    };
    return {
      config: { server: 'http://fake' },
      clock: { now: this.now, setTimeout: () => () => undefined, sleep: async () => undefined },
      resource,
      async request<R>(method: string, path: string, body?: unknown): Promise<R> {
        self.requests.push({ method, path, body });
        return body as R;
      },
      stream: () => Promise.reject(new Error('fake client: stream not supported')),
      close: () => undefined,
    };
  }
}

export const noopRecorder = { events: [] as string[], event(_o: KubeObject, type: string, reason: string, message: string) { this.events.push(`${type} ${reason} ${message}`); }, flush: async () => undefined };

export function recorder(): typeof noopRecorder {
  return { ...noopRecorder, events: [] };
}
