// The contract between a controller and the shared runner (controller-runtime's Reconciler, client-go's
// queue bookkeeping kept in one place).
//
//   informer events ──► ctx.enqueue(key) ──► work queue (one per controller) ──► N workers
//                                                                                   │
//        reconcile(req, signal) ◄───────────────────────────────────────────────────┘
//          resolves Result  → forget(key); requeue after result.requeueAfterMs if asked
//          throws           → addRateLimited(key)   (per-key exponential backoff)
import type { Client, Clock, EventRecorder, SharedInformerFactory } from '../../client';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Log = (level: LogLevel, msg: string) => void;

/** What reconcile is asked about: only a name, never an event (level-based). */
export interface Request {
  namespace: string;
  name: string;
}

export interface Result {
  /** Reconcile again after this many ms (a time-based condition, e.g. minReadySeconds). */
  requeueAfterMs?: number;
}

/** Everything a controller gets from the runner. */
export interface ControllerContext {
  client: Client;
  informers: SharedInformerFactory;
  recorder: EventRecorder;
  clock: Clock;
  log: Log;
  /** Adds `namespace/name` (or `name`) to this controller's queue. */
  enqueue(key: string): void;
  enqueueAfter(key: string, ms: number): void;
}

/**
 * A controller. Contract: `reconcile` must be idempotent and level-based (it reads the current state from
 * listers, never from the event that woke it), must not mutate cached objects, and throws to ask for a
 * retry with backoff. The runner never runs two reconciles of the same key at once.
 */
export interface Controller {
  readonly name: string;
  /** Concurrent workers (default 2). */
  readonly workers?: number;
  reconcile(req: Request, signal: AbortSignal): Promise<Result | void>;
  /**
   * Optional: starts what the controller runs besides ctx.informers (e.g. its own informer factory);
   * resolves true once synced (workers start only then), false if signal aborted first.
   */
  start?(signal: AbortSignal): Promise<boolean>;
}

/** Builds a controller: creates its informers through ctx.informers and registers handlers that call ctx.enqueue. */
export type ControllerFactory = (ctx: ControllerContext) => Controller;

/** `namespace/name` → Request. */
export function requestFromKey(key: string): Request {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
