// The generic registry: create, get, list, update, delete for one stored resource, on the watch cache for
// reads and the store (compare-and-swap on modRevision) for writes. Per-resource behaviour comes from a
// Strategy; defaulting, validation and managedFields from hooks.ts.
//
//   create:  name/uid/timestamps → defaults → strategy.prepareForCreate → validate → managedFields →
//            strategy.beforeWrite (claims, e.g. cluster IPs) → store.create (claims released if it fails)
//   update:  read current → preconditions → resets (status / spec) → generation → validate → store.update(CAS)
//            (unconditional updates retry on a lost race; updates with a resourceVersion answer 409)
//   delete:  finalizers or a grace period → set deletionTimestamp (update); otherwise store.delete(CAS)
import { randomUUID } from 'node:crypto';
import type { ResourceInfo } from '../../api/resources';
import type { FieldSelector, LabelSelector } from '../../api/selectors';
import type { Store } from '../../store/types';
import { ConflictError, KeyExistsError, KeyNotFoundError, ValueTooLargeError, CompactedError } from '../../store/errors';
import { ApiError, errors } from '../errors';
import { entryFromKv, type Entry, type EventHub, type ResourceCache } from '../watch-cache';
import { fieldGetter } from './fields';
import { applyDefaults, recordManagedFields, validateForCreate, validateForUpdate } from './hooks';
import { clone, deepEqual, isObj, meta, randomSuffix, rfc3339, str, type Obj } from './object';
import type { AdmissionContext, Strategy } from './strategy';

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  subresource?: string;
  /** The caller already computed managedFields (server-side apply): leave them as they are. */
  managedFieldsDone?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ListOptions {
  labelSelector: LabelSelector;
  fieldSelector: FieldSelector;
  limit?: number;
  continueToken?: string;
  /** '' = consistent (most recent), '0' = any, otherwise served at least as new. */
  resourceVersion?: string;
}

export interface ListResult {
  items: Entry[];
  resourceVersion: number;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface RegistryDeps {
  store: Store;
  hub: EventHub;
  cache: ResourceCache;
  /** The resource as stored (storage version). */
  info: ResourceInfo;
  strategy: Strategy;
  admission: AdmissionContext;
  now: () => number;
  /** Lease for TTL'd keys (events). */
  leaseFor?: (ttlSeconds: number) => Promise<number>;
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, lastKey: string): string {
  const t: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` };
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    return t;
  } catch {
    throw errors.badRequest(`invalid continue token: ${s}`);
  }
}

/** What a stored value holds: the object without resourceVersion (the key's modRevision is the truth). */
function encodeForStore(obj: Obj): Buffer {
  const m = meta(obj);
  const rv = m.resourceVersion;
  delete m.resourceVersion;
  const b = Buffer.from(JSON.stringify(obj));
  if (rv !== undefined) m.resourceVersion = rv;
  return b;
}

export class Registry {
  private readonly getField: (obj: Obj, field: string) => string | undefined;

  constructor(readonly d: RegistryDeps) {
    this.getField = fieldGetter(d.info);
  }

  get info(): ResourceInfo {
    return this.d.info;
  }

  private key(ns: string, name: string): string {
    return this.d.cache.keyFor(ns, name);
  }

  private notFound(name: string): ApiError {
    return errors.notFound(this.d.info.group, this.d.info.plural, name);
  }

  /** Reads one object (consistent with every write acknowledged before the call). */
  async get(ns: string, name: string): Promise<Entry> {
    await this.d.hub.sync();
    const e = this.d.cache.items.get(this.key(ns, name));
    if (!e) throw this.notFound(name);
    return e;
  }

  /** The cached state, without waiting for the cache to catch up (for admission and cheap lookups). */
  peek(ns: string, name: string): Entry | undefined {
    return this.d.cache.items.get(this.key(ns, name));
  }

  /** Reads the latest state straight from the store (after a lost compare-and-swap). */
  private async fresh(ns: string, name: string): Promise<Entry | undefined> {
    const key = this.key(ns, name);
    const r = await this.d.store.range(key);
    const kv = r.kvs[0];
    return kv ? entryFromKv(kv, { namespace: ns, name }) : undefined;
  }

  matches(obj: Obj, o: Pick<ListOptions, 'labelSelector' | 'fieldSelector'>): boolean {
    if (!o.labelSelector.empty) {
      const labels = meta(obj).labels as Record<string, string> | undefined;
      if (!o.labelSelector.matches(labels)) return false;
    }
    if (!o.fieldSelector.empty && !o.fieldSelector.matches((f) => this.getField(obj, f))) return false;
    return true;
  }

  /** Checks that every field in the selector is supported (400 otherwise), like upstream's field label conversion. */
  checkFieldSelector(fs: FieldSelector): void {
    const probe = {} as Obj;
    for (const r of fs.requirements) {
      if (this.getField(probe, r.field) === undefined) throw errors.badRequest(`field label not supported: ${r.field}`);
    }
  }

  async list(ns: string, o: ListOptions): Promise<ListResult> {
    this.checkFieldSelector(o.fieldSelector);
    const limit = o.limit && o.limit > 0 ? o.limit : 0;
    if (o.continueToken) return this.listContinue(ns, o, decodeContinue(o.continueToken), limit);
    if (o.resourceVersion !== '0') {
      await this.d.hub.sync();
      if (o.resourceVersion && /^\d+$/.test(o.resourceVersion)) await this.d.hub.waitFor(Number(o.resourceVersion));
    }
    const rv = this.d.hub.revision;
    const all = this.d.cache.sortedEntries(ns);
    const out: Entry[] = [];
    let i = 0;
    for (; i < all.length; i++) {
      const e = all[i]!;
      if (!this.matches(e.obj, o)) continue;
      if (limit && out.length === limit) break;
      out.push(e);
    }
    if (limit && i < all.length) {
      let remaining = 0;
      if (o.labelSelector.empty && o.fieldSelector.empty) remaining = all.length - i;
      const last = out[out.length - 1];
      const res: ListResult = { items: out, resourceVersion: rv };
      if (last) res.continueToken = encodeContinue(rv, last.key);
      if (remaining > 0) res.remainingItemCount = remaining;
      return res;
    }
    return { items: out, resourceVersion: rv };
  }

  /** Later pages: served from the cache while nothing changed, else from the store at the first page's revision. */
  private async listContinue(ns: string, o: ListOptions, t: ContinueToken, limit: number): Promise<ListResult> {
    const prefix = this.d.info.namespaced && ns ? `${this.d.cache.prefix}${ns}/` : this.d.cache.prefix;
    if (!t.start.startsWith(prefix)) throw errors.badRequest('continue key is not in the requested range');
    const out: Entry[] = [];
    let start = t.start;
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    let more = false;
    for (;;) {
      let r;
      try {
        r = await this.d.store.range(start, { end, revision: t.rv, limit: limit ? Math.max(limit * 2, 100) : 0 });
      } catch (e) {
        if (e instanceof CompactedError) {
          throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
        }
        throw e;
      }
      for (const kv of r.kvs) {
        let e: Entry;
        try {
          e = entryFromKv(kv, this.d.cache.parseKey(kv.key));
        } catch {
          continue;
        }
        start = `${kv.key}\u0000`;
        if (!this.matches(e.obj, o)) continue;
        if (limit && out.length === limit) {
          more = true;
          break;
        }
        out.push(e);
      }
      if (more || !r.more) break;
    }
    const res: ListResult = { items: out, resourceVersion: t.rv };
    if (more) {
      const last = out[out.length - 1]!;
      res.continueToken = encodeContinue(t.rv, last.key);
    }
    return res;
  }

  // ---- writes ----

  async create(ns: string, input: Obj, o: WriteOptions & { version: string }): Promise<Entry> {
    const info = this.d.info;
    const obj = input;
    const m = meta(obj);
    if (info.namespaced) {
      if (m.namespace !== undefined && m.namespace !== '' && m.namespace !== ns) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      m.namespace = ns;
      this.checkNamespace(ns, str(m.name) ?? str(m.generateName) ?? '');
    } else delete m.namespace;
    let generated = false;
    if ((m.name === undefined || m.name === '') && typeof m.generateName === 'string' && m.generateName) {
      m.name = `${m.generateName}${randomSuffix()}`;
      generated = true;
    }
    const now = this.d.now();
    m.uid = randomUUID();
    m.creationTimestamp = rfc3339(now);
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.selfLink;
    if (this.d.strategy.generation) m.generation = 1;
    else delete m.generation;
    applyDefaults(info.group, o.version, info.kind, obj);
    await this.d.strategy.prepareForCreate?.(obj, this.d.admission);
    validateForCreate(info, obj);
    let name = str(m.name)!;
    const withFields = o.managedFieldsDone ? obj : recordManagedFields(info, { old: undefined, updated: obj, manager: o.fieldManager ?? 'unknown', now: rfc3339(now) });
    if (o.dryRun) {
      if (this.peek(ns, name)) throw errors.alreadyExists(info.group, info.plural, name);
      return { key: this.key(ns, name), namespace: ns, name, rv: 0, obj: withFields, json: () => Buffer.from(JSON.stringify(withFields)) };
    }
    let lease = 0;
    if (this.d.strategy.ttlSeconds && this.d.leaseFor) lease = await this.d.leaseFor(this.d.strategy.ttlSeconds);
    await this.d.strategy.beforeWrite?.(withFields, undefined);
    // A generated name that is taken is generated again (upstream's RetryGenerateName, GA in 1.32: 8 tries).
    for (let attempt = 0; ; attempt++) {
      const key = this.key(ns, name);
      try {
        const kv = await this.d.store.create(key, encodeForStore(withFields), { lease });
        meta(withFields).resourceVersion = String(kv.modRevision);
        await this.d.hub.waitFor(kv.modRevision);
        const cached = this.d.cache.items.get(key);
        return cached?.rv === kv.modRevision ? cached : { key, namespace: ns, name, rv: kv.modRevision, obj: withFields, json: () => Buffer.from(JSON.stringify(withFields)) };
      } catch (e) {
        if (e instanceof KeyExistsError && generated && attempt < 7) {
          name = `${String(m.generateName)}${randomSuffix()}`;
          m.name = name;
          meta(withFields).name = name;
          continue;
        }
        await this.d.strategy.afterWriteFailed?.(withFields, undefined);
        if (e instanceof KeyExistsError) {
          if (generated) {
            throw new ApiError(409, 'AlreadyExists', `${info.group ? `${info.plural}.${info.group}` : info.plural} "${name}" already exists, the server was not able to generate a unique name for the object`, { name, kind: info.plural });
          }
          throw errors.alreadyExists(info.group, info.plural, name);
        }
        throw this.storeError(e, name);
      }
    }
  }

  private storeError(e: unknown, name: string): unknown {
    if (e instanceof ValueTooLargeError) {
      return new ApiError(413, 'RequestEntityTooLarge', `${this.d.info.kind} "${name}" is too large: the object is ${e.size} bytes and may be at most ${e.limit} bytes`);
    }
    return e;
  }

  /** Creating in a namespace needs the namespace to exist and not be terminating (NamespaceLifecycle admission). */
  private checkNamespace(ns: string, name: string): void {
    if (!ns) throw errors.badRequest('the server could not find the requested resource: a namespace is required');
    const nsObj = this.d.admission.lookup('', 'namespaces', '', ns);
    if (!nsObj) throw errors.notFound('', 'namespaces', ns);
    const m = meta(nsObj);
    if (m.deletionTimestamp || (isObj(nsObj.status) && nsObj.status.phase === 'Terminating')) {
      throw new ApiError(403, 'Forbidden', `${this.d.info.group ? `${this.d.info.plural}.${this.d.info.group}` : this.d.info.plural} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`.replace('"" is', 'is'), {
        kind: this.d.info.plural,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }

  /**
   * Replaces an object. `mutate` computes the new object from the current one (for PUT it returns the body;
   * for PATCH it applies the patch), and runs again if the store moved underneath (unconditional writes only).
   */
  async update(
    ns: string,
    name: string,
    mutate: (current: Obj | undefined) => Obj | Promise<Obj>,
    o: WriteOptions & { version: string; /** PATCH: create when absent (server-side apply) */ createIfMissing?: boolean },
  ): Promise<{ entry: Entry; created: boolean }> {
    const info = this.d.info;
    await this.d.hub.sync();
    let cur = this.peek(ns, name);
    for (let attempt = 0; ; attempt++) {
      if (!cur) {
        const input = await mutate(undefined);
        const allowCreate = (o.createIfMissing ?? this.d.strategy.allowCreateOnUpdate) && !o.subresource;
        if (!allowCreate) throw this.notFound(name);
        const m = meta(input);
        if (m.name === undefined) m.name = name;
        if (m.name !== name) throw errors.badRequest(`the name of the object (${String(m.name)}) does not match the name on the URL (${name})`);
        delete m.resourceVersion;
        try {
          return { entry: await this.create(ns, input, o), created: true };
        } catch (e) {
          if (e instanceof ApiError && e.reason === 'AlreadyExists' && attempt < 3) {
            cur = await this.fresh(ns, name);
            continue;
          }
          throw e;
        }
      }
      const old = cur.obj;
      const next = await mutate(clone(old));
      const nm = meta(next);
      const requestedRv = str(nm.resourceVersion);
      if (nm.name !== undefined && nm.name !== name) {
        throw errors.badRequest(`the name of the object (${String(nm.name)}) does not match the name on the URL (${name})`);
      }
      if (info.namespaced && nm.namespace !== undefined && nm.namespace !== '' && nm.namespace !== ns) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (requestedRv !== undefined && requestedRv !== '' && requestedRv !== String(cur.rv)) {
        // The cache may be behind: confirm against the store before refusing.
        const f = await this.fresh(ns, name);
        if (!f) throw this.notFound(name);
        if (String(f.rv) !== requestedRv) throw errors.modified(info.group, info.plural, name);
        cur = f;
        continue;
      }
      const updated = await this.prepareUpdate(next, old, o);
      if (this.isUnchanged(updated, old)) return { entry: cur, created: false };
      const um = meta(updated);
      // Finalizers gone from an object being deleted: the update completes the deletion.
      const finalizers = um.finalizers as unknown[] | undefined;
      const finishDelete = um.deletionTimestamp && (!finalizers || finalizers.length === 0) && !(Number(um.deletionGracePeriodSeconds ?? 0) > 0) && !this.d.strategy.holdsDeletion?.(updated);
      if (o.dryRun) return { entry: { ...cur, obj: updated, json: () => Buffer.from(JSON.stringify(updated)) }, created: false };
      try {
        if (finishDelete) {
          const r = await this.d.store.delete(cur.key, cur.rv);
          await this.d.hub.waitFor(r.revision);
          await this.d.strategy.afterDelete?.(updated);
          um.resourceVersion = String(r.revision);
          return { entry: { ...cur, rv: r.revision, obj: updated, json: () => Buffer.from(JSON.stringify(updated)) }, created: false };
        }
        await this.d.strategy.beforeWrite?.(updated, old);
        const kv = await this.d.store.update(cur.key, encodeForStore(updated), cur.rv).catch(async (e: unknown) => {
          await this.d.strategy.afterWriteFailed?.(updated, old);
          throw e;
        });
        await this.d.strategy.afterWrite?.(updated, old);
        um.resourceVersion = String(kv.modRevision);
        await this.d.hub.waitFor(kv.modRevision);
        const e = this.d.cache.items.get(cur.key);
        return { entry: e && e.rv === kv.modRevision ? e : { ...cur, rv: kv.modRevision, obj: updated, json: () => Buffer.from(JSON.stringify(updated)) }, created: false };
      } catch (e) {
        if (e instanceof ConflictError || e instanceof KeyNotFoundError) {
          if (requestedRv) throw errors.modified(info.group, info.plural, name);
          if (attempt > 20) throw errors.conflict(info.group, info.plural, name, 'too many concurrent updates; please try again');
          cur = await this.fresh(ns, name);
          continue;
        }
        throw this.storeError(e, name);
      }
    }
  }

  /** A write is skipped when nothing but bookkeeping (resourceVersion, managedFields times) would change. */
  private isUnchanged(updated: Obj, old: Obj): boolean {
    const norm = (o: Obj): Obj => {
      const m = meta(o);
      const mf = Array.isArray(m.managedFields) ? (m.managedFields as Obj[]).map((e) => ({ ...e, time: undefined })) : undefined;
      return { ...o, metadata: { ...m, managedFields: mf, resourceVersion: undefined } };
    };
    return deepEqual(norm(updated), norm(old));
  }

  private async prepareUpdate(next: Obj, old: Obj, o: WriteOptions & { version: string }): Promise<Obj> {
    const info = this.d.info;
    const s = this.d.strategy;
    const nm = meta(next);
    const om = meta(old);
    // System fields are the server's.
    nm.uid = om.uid;
    nm.creationTimestamp = om.creationTimestamp;
    nm.name = om.name;
    if (info.namespaced) nm.namespace = om.namespace;
    else delete nm.namespace;
    if (om.deletionTimestamp !== undefined) {
      nm.deletionTimestamp = om.deletionTimestamp;
      nm.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    } else {
      delete nm.deletionTimestamp;
      delete nm.deletionGracePeriodSeconds;
    }
    if (om.generateName !== undefined && nm.generateName === undefined) nm.generateName = om.generateName;
    applyDefaults(info.group, o.version, info.kind, next, old);
    if (o.subresource === 'status') {
      // Status writes change status only (ResetObjectMetaForStatus + spec from old).
      for (const k of Object.keys(next)) if (k !== 'status' && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') delete next[k];
      for (const k of Object.keys(old)) if (k !== 'status' && k !== 'metadata') next[k] = old[k];
      // Deployments' status writes may also set annotations (upstream's deploymentStatusStrategy keeps only
      // spec and labels), which is how the controller records revisions without moving generation.
      const keep = info.group === 'apps' && info.plural === 'deployments' ? ['labels', 'finalizers', 'ownerReferences', 'generation'] : ['labels', 'annotations', 'finalizers', 'ownerReferences', 'generation'];
      for (const f of keep) {
        if (om[f] === undefined) delete nm[f];
        else nm[f] = om[f];
      }
      s.prepareForStatusUpdate?.(next, old);
    } else {
      if (s.hasStatus && o.subresource === undefined) {
        if (old.status === undefined) delete next.status;
        else next.status = old.status;
      }
      if (s.generation) {
        const g = typeof om.generation === 'number' ? om.generation : 1;
        nm.generation = s.specChanged?.(next, old) ? g + 1 : g;
      } else if (om.generation !== undefined) nm.generation = om.generation;
      else delete nm.generation;
      // Subresource writes (scale, binding, finalize) change exactly what they address.
      if (o.subresource === undefined) await s.prepareForUpdate?.(next, old, this.d.admission);
    }
    validateForUpdate(info, next, old, o.subresource);
    if (o.managedFieldsDone) return next;
    return recordManagedFields(info, { old, updated: next, manager: o.fieldManager ?? 'unknown', now: rfc3339(this.d.now()), subresource: o.subresource });
  }

  async delete(ns: string, name: string, o: DeleteOptions): Promise<{ entry: Entry; deleted: boolean }> {
    const info = this.d.info;
    await this.d.hub.sync();
    let cur = this.peek(ns, name);
    for (let attempt = 0; ; attempt++) {
      if (!cur) throw this.notFound(name);
      const m = meta(cur.obj);
      if (o.preconditions?.uid && o.preconditions.uid !== m.uid) {
        throw errors.conflict(info.group, info.plural, name, `Precondition failed: UID in precondition: ${o.preconditions.uid}, UID in object meta: ${String(m.uid)}`);
      }
      if (o.preconditions?.resourceVersion && o.preconditions.resourceVersion !== String(cur.rv)) {
        throw errors.conflict(info.group, info.plural, name, `Precondition failed: ResourceVersion in precondition: ${o.preconditions.resourceVersion}, ResourceVersion in object meta: ${cur.rv}`);
      }
      const finalizers = [...((m.finalizers as string[] | undefined) ?? [])];
      const policy = o.propagationPolicy;
      if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
      if (policy === 'Background' || policy === 'Foreground') {
        const i = finalizers.indexOf('orphan');
        if (i >= 0 && policy === 'Background') finalizers.splice(i, 1);
      }
      const grace = this.d.strategy.gracePeriod ? this.d.strategy.gracePeriod(cur.obj, o.gracePeriodSeconds) : 0;
      const now = this.d.now();
      if (finalizers.length > 0 || grace > 0 || this.d.strategy.holdsDeletion?.(cur.obj)) {
        const next = clone(cur.obj);
        const nm = meta(next);
        const existing = typeof nm.deletionTimestamp === 'string' ? Date.parse(nm.deletionTimestamp) : undefined;
        const wanted = now + grace * 1000;
        if (existing === undefined || wanted < existing) {
          nm.deletionTimestamp = rfc3339(wanted);
          nm.deletionGracePeriodSeconds = grace;
        }
        nm.finalizers = finalizers;
        if (info.group === '' && info.plural === 'namespaces') next.status = { ...(isObj(next.status) ? next.status : {}), phase: 'Terminating' };
        if (deepEqual(next, cur.obj)) return { entry: cur, deleted: false };
        if (o.dryRun) return { entry: { ...cur, obj: next }, deleted: false };
        delete nm.resourceVersion;
        try {
          const kv = await this.d.store.update(cur.key, encodeForStore(next), cur.rv);
          nm.resourceVersion = String(kv.modRevision);
          await this.d.hub.waitFor(kv.modRevision);
          return { entry: this.d.cache.items.get(cur.key) ?? { ...cur, obj: next, rv: kv.modRevision }, deleted: false };
        } catch (e) {
          if ((e instanceof ConflictError || e instanceof KeyNotFoundError) && attempt < 20 && !o.preconditions?.resourceVersion) {
            cur = await this.fresh(ns, name);
            continue;
          }
          if (e instanceof ConflictError) throw errors.modified(info.group, info.plural, name);
          if (e instanceof KeyNotFoundError) throw this.notFound(name);
          throw e;
        }
      }
      if (o.dryRun) return { entry: cur, deleted: true };
      try {
        const r = await this.d.store.delete(cur.key, cur.rv);
        await this.d.hub.waitFor(r.revision);
        const obj = clone(cur.obj);
        meta(obj).resourceVersion = String(r.revision);
        await this.d.strategy.afterDelete?.(obj);
        return { entry: { ...cur, rv: r.revision, obj, json: () => Buffer.from(JSON.stringify(obj)) }, deleted: true };
      } catch (e) {
        if ((e instanceof ConflictError || e instanceof KeyNotFoundError) && attempt < 20 && !o.preconditions?.resourceVersion) {
          cur = await this.fresh(ns, name);
          continue;
        }
        if (e instanceof ConflictError) throw errors.modified(info.group, info.plural, name);
        throw e;
      }
    }
  }
}
