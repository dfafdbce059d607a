// The resource lock behind leader election (client-go tools/leaderelection/resourcelock): a
// coordination.k8s.io/v1 Lease read and written with optimistic concurrency (the Lease's
// resourceVersion travels with every update, so two candidates racing get one 409 Conflict).
import type { Client } from './client';
import { isNotFound } from './errors';
import { Resources } from './resource-ref';
import type { KubeObject } from './types';

/** Times in ms since the epoch. */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
}

export interface ResourceLock {
  /** The current record and its raw form (to detect any change), or undefined when the lock does not exist. */
  get(signal?: AbortSignal): Promise<{ record: LeaderElectionRecord; raw: string } | undefined>;
  /** Creates the lock; fails (AlreadyExists) if someone else did first. */
  create(rec: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** Updates the lock last read by get/create; fails (Conflict) if it changed since. */
  update(rec: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  describe(): string;
}

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

function parseTime(s: string | undefined): number {
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : 0;
}

export function recordFromSpec(spec: LeaseSpec | undefined): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: parseTime(spec?.acquireTime),
    renewTime: parseTime(spec?.renewTime),
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

export function specFromRecord(r: LeaderElectionRecord): LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: microTime(r.acquireTime),
    renewTime: microTime(r.renewTime),
    leaseTransitions: r.leaseTransitions,
  };
}

export function createLeaseLock(client: Client, namespace: string, name: string): ResourceLock {
  const leases = client.resource<Lease>(Resources.leases);
  let last: Lease | undefined;
  return {
    describe: () => `${namespace}/${name}`,
    async get(signal) {
      try {
        last = await leases.get(namespace, name, { signal });
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
      return { record: recordFromSpec(last.spec), raw: JSON.stringify(last.spec ?? {}) };
    },
    async create(rec, signal) {
      last = await leases.create(namespace, {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: specFromRecord(rec),
      }, { signal });
    },
    async update(rec, signal) {
      if (!last) throw new Error(`lease ${namespace}/${name}: update before get`);
      last = await leases.update(namespace, { ...last, spec: { ...last.spec, ...specFromRecord(rec) } }, { signal });
    },
  };
}
