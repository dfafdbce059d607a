// Pod status writes, decoupled from the pod workers (pkg/kubelet/status): a worker sets the latest
// status of its pod; one writer per pod sends it through pods/status as a merge patch carrying the pod's
// uid (the API server refuses a patch for a different pod of the same name). Nothing is sent when the
// status equals the last one written; only the newest pending status is sent; failures are retried after
// a delay, so an unreachable API server never blocks a worker.
import type { Clock, Client } from '../client';
import { isConflict, isNotFound, Resources } from '../client';
import type { LogFn, Pod, PodStatus } from './types';

interface Slot {
  namespace: string;
  name: string;
  uid: string;
  /** For mirror pods of static pods: no uid precondition (the mirror has its own uid). */
  mirror: boolean;
  pending?: PodStatus;
  pendingJson?: string;
  writtenJson?: string;
  writing: boolean;
  retryCancel?: () => void;
}

export class StatusManager {
  private readonly slots = new Map<string, Slot>();
  private inflight = new Set<Promise<void>>();
  private closed = false;
  /** Debug/bench hook: a status patch of the pod was sent ('patch') and answered ('patched'). */
  trace?: (uid: string, stage: string) => void;

  constructor(private readonly client: Client | undefined, private readonly clock: Clock, private readonly log: LogFn, private readonly retryMs = 2000) {}

  /** Queues `status` for the pod; a no-op when it equals what was last written or queued. */
  set(pod: Pod, status: PodStatus, opts: { mirrorName?: string } = {}): void {
    const uid = pod.metadata.uid;
    let slot = this.slots.get(uid);
    if (!slot) {
      slot = { namespace: pod.metadata.namespace, name: opts.mirrorName ?? pod.metadata.name, uid, mirror: !!opts.mirrorName, writing: false };
      this.slots.set(uid, slot);
    }
    const json = JSON.stringify(status);
    if (json === (slot.pendingJson ?? slot.writtenJson)) return;
    slot.pending = status;
    slot.pendingJson = json;
    this.kick(slot);
  }

  /** The last status written or queued for the pod (the base for the next computation). */
  latest(uid: string): PodStatus | undefined {
    const s = this.slots.get(uid);
    const json = s?.pendingJson ?? s?.writtenJson;
    return json ? (JSON.parse(json) as PodStatus) : undefined;
  }

  forget(uid: string): void {
    const s = this.slots.get(uid);
    s?.retryCancel?.();
    this.slots.delete(uid);
  }

  /** Waits for the writes in flight (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  close(): void {
    this.closed = true;
    for (const s of this.slots.values()) s.retryCancel?.();
  }

  private kick(slot: Slot): void {
    if (slot.writing || this.closed || !this.client) return;
    slot.retryCancel?.();
    slot.retryCancel = undefined;
    const p = this.write(slot).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private async write(slot: Slot): Promise<void> {
    slot.writing = true;
    const client = this.client!;
    try {
      while (slot.pending && this.slots.get(slot.uid) === slot && !this.closed) {
        const status = slot.pending;
        const json = slot.pendingJson!;
        const body = slot.mirror ? { status } : { metadata: { uid: slot.uid }, status };
        try {
          this.trace?.(slot.uid, `patch:${status.phase ?? ''}`);
          await client.resource<Pod>(Resources.pods).patch(slot.namespace, slot.name, 'merge', body, { subresource: 'status' });
          this.trace?.(slot.uid, `patched:${status.phase ?? ''}`);
          slot.writtenJson = json;
          if (slot.pendingJson === json) {
            slot.pending = undefined;
            slot.pendingJson = undefined;
          }
        } catch (e) {
          if (isNotFound(e) || isConflict(e)) {
            // the pod is gone (or replaced by another with the same name): nothing to report to
            slot.pending = undefined;
            slot.pendingJson = undefined;
            return;
          }
          this.log('warn', `status of pod ${slot.namespace}/${slot.name}: ${(e as Error).message}; retrying`);
          slot.retryCancel = this.clock.setTimeout(() => this.kick(slot), this.retryMs);
          return;
        }
      }
    } finally {
      slot.writing = false;
    }
  }
}
