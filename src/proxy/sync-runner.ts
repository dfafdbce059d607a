// A bounded-frequency runner (kube-proxy's async.BoundedFrequencyRunner, simplified): `request()` marks
// the state dirty; the loop runs `sync` at most once per `minIntervalMs`, at least once per `periodMs`,
// and again after `minIntervalMs` when a sync fails. A burst of requests costs one sync.
//
//   request ─► dirty ─► wait until last + minInterval ─► sync() ─┬─ ok ──► idle until request or period
//                                                               └─ fail ► dirty (retried after minInterval)
import type { Clock } from '../client';

export interface SyncRunner {
  /** Asks for a sync; cheap, callable from informer handlers. */
  request(): void;
  /** Loops until `signal` aborts. The first sync runs at once. */
  run(signal: AbortSignal): Promise<void>;
}

export function createSyncRunner(opts: { clock: Clock; minIntervalMs: number; periodMs: number; sync: () => Promise<boolean> }): SyncRunner {
  const { clock } = opts;
  let dirty = true;
  let wake: (() => void) | undefined;
  return {
    request() {
      dirty = true;
      wake?.();
    },
    async run(signal) {
      let last = -Infinity;
      while (!signal.aborted) {
        if (!dirty) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              cancel();
              signal.removeEventListener('abort', done);
              wake = undefined;
              resolve();
            };
            const cancel = clock.setTimeout(() => {
              dirty = true;
              done();
            }, Math.max(0, last + opts.periodMs - clock.now()));
            wake = done;
            signal.addEventListener('abort', done, { once: true });
          });
          continue;
        }
        const wait = last + opts.minIntervalMs - clock.now();
        if (wait > 0) await clock.sleep(wait, signal);
        if (signal.aborted) break;
        dirty = false;
        last = clock.now();
        if (!(await opts.sync())) dirty = true;
      }
    },
  };
}
