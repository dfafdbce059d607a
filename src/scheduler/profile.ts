// A profile: the plugins a schedulerName runs at each extension point, built from the configuration
// over the registry. Runs the filter chain (shared by the cycle, preemption and explain).
import type { ProfileConfig } from './config';
import {
  implementsPoint, type BindPlugin, type ExtensionPoint, type FilterPlugin, type FilterRunner, type Handle, type Plugin, type PermitPlugin,
  type PluginFactory, type PostFilterPlugin, type PreBindPlugin, type PreFilterPlugin, type PreScorePlugin, type ReservePlugin, type ScorePlugin,
} from './framework';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import { DEFAULT_PLUGINS, REGISTRY } from './plugins/registry';
import type { CycleState, Status } from './types';

export const POINTS: readonly ExtensionPoint[] = ['preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'permit', 'preBind', 'bind'];

export interface Profile extends FilterRunner {
  readonly schedulerName: string;
  readonly percentageOfNodesToScore: number | undefined;
  readonly preFilter: PreFilterPlugin[];
  readonly filter: FilterPlugin[];
  readonly postFilter: PostFilterPlugin[];
  readonly preScore: PreScorePlugin[];
  readonly score: Array<{ plugin: ScorePlugin; weight: number }>;
  readonly reserve: ReservePlugin[];
  readonly permit: PermitPlugin[];
  readonly preBind: PreBindPlugin[];
  readonly bind: BindPlugin[];
  /** Filters whose verdict is node-local and those that are not (the equivalence cache covers only the former). */
  readonly localFilters: FilterPlugin[];
  readonly globalFilters: FilterPlugin[];
}

/** Which plugins (and score weights) run at each point, per kube-scheduler's merge rules. */
export function resolvePlugins(cfg: ProfileConfig, implementsAt: (name: string, p: ExtensionPoint) => boolean): Record<ExtensionPoint, Array<{ name: string; weight: number }>> {
  const out = {} as Record<ExtensionPoint, Array<{ name: string; weight: number }>>;
  const mp = cfg.plugins.multiPoint ?? {};
  for (const point of POINTS) {
    const own = cfg.plugins[point] ?? {};
    const disabled = new Set([...(mp.disabled ?? []), ...(own.disabled ?? [])].map((d) => d.name));
    const list: Array<{ name: string; weight: number }> = [];
    const put = (name: string, weight: number | undefined, dflt: number): void => {
      const i = list.findIndex((x) => x.name === name);
      if (i >= 0) list[i] = { name, weight: weight ?? list[i]!.weight };
      else list.push({ name, weight: weight ?? dflt });
    };
    if (!disabled.has('*')) for (const d of DEFAULT_PLUGINS) if (!disabled.has(d.name) && implementsAt(d.name, point)) put(d.name, d.weight, 1);
    for (const e of mp.enabled ?? []) if (implementsAt(e.name, point)) put(e.name, e.weight, DEFAULT_PLUGINS.find((d) => d.name === e.name)?.weight ?? 1);
    for (const e of own.enabled ?? []) put(e.name, e.weight, DEFAULT_PLUGINS.find((d) => d.name === e.name)?.weight ?? 1);
    out[point] = list;
  }
  return out;
}

/** Builds a profile's plugins from `registry` (the in-tree plugins, plus any out-of-tree ones). */
export function buildProfile(cfg: ProfileConfig, handle: Handle, registry: Readonly<Record<string, PluginFactory>> = REGISTRY): Profile {
  const instances = new Map<string, Plugin>();
  const get = (name: string): Plugin => {
    let p = instances.get(name);
    if (!p) {
      const f = registry[name];
      if (!f) throw new Error(`unknown plugin ${name}`);
      instances.set(name, (p = f(cfg.pluginConfig[name] ?? {}, handle)));
    }
    return p;
  };
  const resolved = resolvePlugins(cfg, (name, point) => registry[name] !== undefined && implementsPoint(get(name), point));
  const at = <T>(point: ExtensionPoint): T[] => resolved[point].map((x) => get(x.name) as unknown as T);
  const filter = at<FilterPlugin>('filter');
  const preFilter = at<PreFilterPlugin>('preFilter');
  const localFilters = filter.filter((f) => f.nodeLocal);
  const globalFilters = filter.filter((f) => !f.nodeLocal);
  return {
    schedulerName: cfg.schedulerName,
    percentageOfNodesToScore: cfg.percentageOfNodesToScore,
    preFilter, filter, postFilter: at('postFilter'), preScore: at('preScore'),
    score: resolved.score.map((x) => ({ plugin: get(x.name) as ScorePlugin, weight: x.weight })),
    reserve: at('reserve'), permit: at('permit'), preBind: at('preBind'), bind: at('bind'), localFilters, globalFilters,
    addPod(state, pod, other, node) {
      for (const p of preFilter) if (p.addPod && !state.skipFilter.has(p.name)) p.addPod(state, pod, other, node);
    },
    removePod(state, pod, other, node) {
      for (const p of preFilter) if (p.removePod && !state.skipFilter.has(p.name)) p.removePod(state, pod, other, node);
    },
    runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
      for (const f of filter) {
        if (state.skipFilter.has(f.name)) continue;
        const st = f.filter(state, pod, node);
        if (st && st.code !== 'Success') return { ...st, plugin: f.name };
      }
      return undefined;
    },
  };
}
