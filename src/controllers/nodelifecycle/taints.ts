// Taints and tolerations (upstream k8s.io/api/core/v1 helpers and the taint-eviction arithmetic).

export interface Taint { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'; timeAdded?: string }
export interface Toleration { key?: string; operator?: 'Exists' | 'Equal'; value?: string; effect?: string; tolerationSeconds?: number }

export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const NOT_READY = 'node.kubernetes.io/not-ready';

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/**
 * When a pod on a node with these NoExecute taints must be evicted: `now` if some taint is not tolerated,
 * `Infinity` if every taint is tolerated forever, else the earliest taint.timeAdded + tolerationSeconds
 * (upstream getMinTolerationTime over the taints it tolerates).
 */
export function evictionTime(tolerations: readonly Toleration[] | undefined, taints: readonly Taint[], now: number): number {
  let at = Infinity;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const matching = (tolerations ?? []).filter((t) => tolerates(t, taint));
    if (matching.length === 0) return now;
    let secs = Infinity;
    for (const t of matching) if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) secs = Math.min(secs, Math.max(0, t.tolerationSeconds));
    if (secs === Infinity) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : now;
    at = Math.min(at, (Number.isNaN(added) ? now : added) + secs * 1000);
  }
  return at;
}
