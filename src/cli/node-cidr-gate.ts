// Start order in `berth server`'s control-plane thread: everything but the node IPAM controller waits until
// this machine's node has its pod CIDR (or a time limit passes). The CNI pod network, hence the node's
// readiness and the server's "ready" line, waits for that CIDR; started at once, ~20 controllers, the
// scheduler and the node's proxy, DNS and ingress fill both cores with LISTs, watches and first reconciles,
// and the node IPAM controller's one PATCH queues behind them.
import { Resources, type KubeObject, type SharedInformerFactory } from '../client';

interface NodeLite extends KubeObject {
  spec?: { podCIDR?: string };
}

/** How long the rest of the control plane waits at most for this machine's node to get its pod CIDR. */
export const NODE_CIDR_HOLD_MS = 2000;

export interface NodeCidrGate {
  /** For runControllers' `holdUntil`: resolves once the node has a pod CIDR, the time limit passed, or `signal` aborted. */
  holdUntil(informers: SharedInformerFactory, signal: AbortSignal): Promise<void>;
  /** Resolves when any holdUntil resolved, or `holdMs` after the gate was made (so a controller manager that
   *  never leads, or never starts, holds nothing up for long). */
  readonly passed: Promise<void>;
}

/**
 * A gate on node `nodeName` having spec.podCIDR, seen through the shared nodes informer (the one the node
 * IPAM controller already runs, so no extra LIST or watch). `timer` is injectable for tests.
 */
export function nodeCidrGate(
  nodeName: string,
  holdMs = NODE_CIDR_HOLD_MS,
  timer: { set(fn: () => void, ms: number): unknown; clear(h: unknown): void } = {
    set: (fn, ms) => setTimeout(fn, ms),
    clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  },
): NodeCidrGate {
  let pass!: () => void;
  const passed = new Promise<void>((r) => (pass = r));
  const overall = timer.set(() => pass(), holdMs);
  void passed.then(() => timer.clear(overall));
  return {
    passed,
    holdUntil(informers, signal) {
      return new Promise<void>((resolve) => {
        let done = false;
        let off: (() => void) | undefined;
        const finish = (): void => {
          if (done) return;
          done = true;
          timer.clear(t);
          off?.();
          signal.removeEventListener('abort', finish);
          pass();
          resolve();
        };
        const t = timer.set(finish, holdMs);
        if (signal.aborted) return finish();
        signal.addEventListener('abort', finish, { once: true });
        const check = (n: NodeLite): void => {
          if (n.metadata?.name === nodeName && n.spec?.podCIDR) finish();
        };
        // Handlers added to a synced informer see every cached node as an add at once.
        off = informers.informerFor<NodeLite>(Resources.nodes).addEventHandler({ onAdd: check, onUpdate: (_o, n) => check(n) });
        if (done) off();
      });
    },
  };
}
