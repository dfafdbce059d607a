// Leader election on a Lease, with client-go's semantics (tools/leaderelection):
//
//   acquire: every retryPeriod (+ jitter) tryAcquireOrRenew until it succeeds
//      └─► onStartedLeading(leadingSignal)
//   renew:   every retryPeriod, retry tryAcquireOrRenew until it succeeds or renewDeadline passes
//      └─ fails past the deadline ─► leadingSignal aborts, onStoppedLeading()      (leadership lost)
//   signal aborts ─► leadingSignal aborts, release (holderIdentity "", leaseDurationSeconds 1), onStoppedLeading()
//
// tryAcquireOrRenew: read the lease; create it if missing; if another holder's lease is still valid
// — judged by when *we* last saw the record change plus its leaseDurationSeconds, never by the holder's
// timestamps, so clock skew between machines does not matter — give up this round; otherwise write our
// record (keeping acquireTime/leaseTransitions when renewing, transitions+1 when taking over). Writes
// carry the resourceVersion read, so of two racing candidates one gets 409 and loses.
//
// Differences from client-go: onStoppedLeading runs only if we were leading; the returned promise
// resolves when this election ends (leadership lost or signal aborted); call again to stand again.
import { realClock, type Clock } from './clock';
import type { Client } from './client';
import { createLeaseLock, type LeaderElectionRecord, type ResourceLock } from './lease-lock';

export interface LeaderElectionOptions {
  /** The lock; defaults to a Lease `namespace/name` through `client`. */
  lock?: ResourceLock;
  client?: Client;
  namespace?: string;
  name?: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  clock?: Clock;
  signal: AbortSignal;
  /** Called once leadership is acquired; `signal` aborts when it is lost or the election stops. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading?(): void;
  /** Called whenever the observed holder changes (including to ourselves). */
  onNewLeader?(identity: string): void;
  /** Give the lease up on clean shutdown so others take over at once (default true). */
  releaseOnCancel?: boolean;
  /** Injected randomness for jitter, in [0, 1) (default Math.random). */
  random?: () => number;
  onError?(err: unknown): void;
}

const JITTER = 1.2;

export async function runLeaderElection(opts: LeaderElectionOptions): Promise<void> {
  const clock = opts.clock ?? realClock;
  const leaseMs = (opts.leaseDurationSeconds ?? 15) * 1000;
  const renewMs = (opts.renewDeadlineSeconds ?? 10) * 1000;
  const retryMs = (opts.retryPeriodSeconds ?? 2) * 1000;
  if (!(leaseMs > renewMs)) throw new Error('leaseDurationSeconds must be greater than renewDeadlineSeconds');
  if (!(renewMs > JITTER * retryMs)) throw new Error(`renewDeadlineSeconds must be greater than ${JITTER} × retryPeriodSeconds`);
  if (!opts.identity) throw new Error('leader election needs an identity');
  const lock = opts.lock ?? (opts.client && opts.namespace && opts.name ? createLeaseLock(opts.client, opts.namespace, opts.name) : undefined);
  if (!lock) throw new Error('leader election needs a lock, or client + namespace + name');
  const random = opts.random ?? Math.random;
  const onError = opts.onError ?? ((e: unknown) => console.warn(`leader election ${lock.describe()}: ${String(e)}`));
  const { signal, identity } = opts;

  let observed: LeaderElectionRecord | undefined;
  let observedRaw = '';
  let observedTime = 0;
  let reportedLeader: string | undefined;
  const isLeader = (): boolean => observed?.holderIdentity === identity;
  const setObserved = (r: LeaderElectionRecord): void => {
    observed = r;
    observedTime = clock.now();
    if (r.holderIdentity !== reportedLeader) {
      reportedLeader = r.holderIdentity;
      if (r.holderIdentity) opts.onNewLeader?.(r.holderIdentity);
    }
  };

  /** One attempt, bounded by the renew deadline. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    const ac = new AbortController();
    const cancel = clock.setTimeout(() => ac.abort(), renewMs);
    try {
      const now = clock.now();
      const desired: LeaderElectionRecord = { holderIdentity: identity, leaseDurationSeconds: leaseMs / 1000, acquireTime: now, renewTime: now, leaseTransitions: 0 };
      const got = await lock!.get(ac.signal);
      if (!got) {
        await lock!.create(desired, ac.signal);
        setObserved(desired);
        return true;
      }
      if (got.raw !== observedRaw) {
        observedRaw = got.raw;
        setObserved(got.record);
      }
      const valid = observedTime + got.record.leaseDurationSeconds * 1000 > clock.now();
      if (got.record.holderIdentity && valid && !isLeader()) return false;
      if (isLeader()) {
        desired.acquireTime = got.record.acquireTime;
        desired.leaseTransitions = got.record.leaseTransitions;
      } else {
        desired.leaseTransitions = got.record.leaseTransitions + 1;
      }
      await lock!.update(desired, ac.signal);
      setObserved(desired);
      return true;
    } catch (e) {
      onError(e);
      return false;
    } finally {
      cancel();
    }
  }

  async function release(): Promise<void> {
    try {
      const got = await lock!.get();
      if (!got || got.record.holderIdentity !== identity || !isLeader()) return;
      const now = clock.now();
      const rec: LeaderElectionRecord = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: got.record.leaseTransitions };
      await lock!.update(rec);
      setObserved(rec);
    } catch (e) {
      onError(e);
    }
  }

  // acquire
  for (;;) {
    if (signal.aborted) return;
    if (await tryAcquireOrRenew()) break;
    await clock.sleep(retryMs + random() * JITTER * retryMs, signal);
  }

  // lead and renew
  const leading = new AbortController();
  const stop = (): void => leading.abort();
  signal.addEventListener('abort', stop, { once: true });
  const work = Promise.resolve()
    .then(() => opts.onStartedLeading(leading.signal))
    .catch((e: unknown) => onError(e));
  try {
    while (!signal.aborted) {
      await clock.sleep(retryMs, signal);
      if (signal.aborted) break;
      const deadline = clock.now() + renewMs;
      let renewed = false;
      for (;;) {
        if (await tryAcquireOrRenew()) {
          renewed = true;
          break;
        }
        if (signal.aborted || clock.now() + retryMs > deadline) break;
        await clock.sleep(retryMs, signal);
        if (signal.aborted) break;
      }
      if (!renewed && !signal.aborted) {
        onError(new Error(`failed to renew lease ${lock.describe()} within ${renewMs / 1000}s: leadership lost`));
        break;
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    leading.abort();
  }
  if (signal.aborted && opts.releaseOnCancel !== false) await release();
  opts.onStoppedLeading?.();
  await work;
}
