// Typed store errors. The apiserver maps them to Kubernetes Status objects in one place.
import type { KeyValue } from './types';

export class StoreError extends Error {
  override name = 'StoreError';
}

/** create() of a key that exists. */
export class KeyExistsError extends StoreError {
  override name = 'KeyExistsError';
  constructor(readonly key: string) {
    super(`key ${key} already exists`);
  }
}

/** update()/delete() of a key that does not exist. */
export class KeyNotFoundError extends StoreError {
  override name = 'KeyNotFoundError';
  constructor(readonly key: string) {
    super(`key ${key} not found`);
  }
}

/** A compare-and-swap whose expected modRevision did not match; `current` is the key's state now. */
export class ConflictError extends StoreError {
  override name = 'ConflictError';
  constructor(readonly key: string, readonly current: KeyValue) {
    super(`key ${key} was modified (modRevision ${current.modRevision})`);
  }
}

/** A read or watch at a revision older than the compacted one. */
export class CompactedError extends StoreError {
  override name = 'CompactedError';
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (compacted revision ${compacted})`);
  }
}

/** A read at a revision that does not exist yet. */
export class FutureRevisionError extends StoreError {
  override name = 'FutureRevisionError';
  constructor(readonly requested: number, readonly current: number) {
    super(`required revision ${requested} is a future revision (current revision ${current})`);
  }
}

/** A value over the size limit (1.5 MiB, as etcd's default request limit). */
export class ValueTooLargeError extends StoreError {
  override name = 'ValueTooLargeError';
  constructor(readonly key: string, readonly size: number, readonly limit: number) {
    super(`value for key ${key} is ${size} bytes, over the limit of ${limit} bytes`);
  }
}

/** A write attached to, or a keepAlive/revoke of, a lease that does not exist (never granted, expired or revoked). */
export class LeaseNotFoundError extends StoreError {
  override name = 'LeaseNotFoundError';
  constructor(readonly lease: number) {
    super(`lease ${lease} not found`);
  }
}

/** The backend cannot serve requests (database unreadable, etcd unreachable, store closed). */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
}

export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;
