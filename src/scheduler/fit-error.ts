// FitError: why no node fits, in kube-scheduler's message form:
// "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint {k: v}. preemption: ..."
import type { Status } from './types';

export class FitError {
  constructor(
    readonly podKey: string,
    readonly numAllNodes: number,
    /** Rejection per node name (filter statuses). */
    readonly statuses: ReadonlyMap<string, Status>,
    /** Set when PreFilter rejected the pod before any node was looked at. */
    readonly preFilterMsg?: string,
    public postFilterMsg?: string,
  ) {}

  /** Plugins that rejected the pod on some node (the queue uses them to pick relevant events). */
  plugins(): Set<string> {
    const s = new Set<string>();
    for (const st of this.statuses.values()) if (st.plugin) s.add(st.plugin);
    return s;
  }

  /** reason → number of nodes, every reason of every node counted once per node. */
  histogram(): Map<string, number> {
    const h = new Map<string, number>();
    for (const st of this.statuses.values()) for (const r of st.reasons) h.set(r, (h.get(r) ?? 0) + 1);
    return h;
  }

  message(): string {
    // Upstream's ErrNoNodesAvailable: with no nodes at all there is nothing to filter or preempt.
    if (this.numAllNodes === 0) return 'no nodes available to schedule pods';
    let msg = `0/${this.numAllNodes} nodes are available:`;
    if (this.preFilterMsg) msg += ` ${this.preFilterMsg}.`;
    else {
      const parts = [...this.histogram()].map(([r, n]) => `${n} ${r}`).sort();
      if (parts.length) msg += ` ${parts.join(', ')}.`;
    }
    if (this.postFilterMsg) msg += ` ${this.postFilterMsg.endsWith('.') ? this.postFilterMsg : `${this.postFilterMsg}.`}`;
    return msg;
  }
}
