// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1, YAML): loading, defaulting and validation.
// Invalid configuration throws SchedulerConfigError naming every bad field and why, in the API's
// field-error form ("profiles[0].plugins.score.enabled[1].weight: Invalid value: 200: ...").
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { ExtensionPoint } from './framework';
import { implementsPoint } from './framework';
import { IGNORED_PLUGINS, REGISTRY } from './plugins/registry';
import { POINTS } from './profile';
import type { Handle } from './framework';

export interface PluginRef {
  name: string;
  weight?: number;
}
export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: Array<{ name: string }>;
}
export interface ProfileConfig {
  schedulerName: string;
  percentageOfNodesToScore?: number;
  plugins: Partial<Record<ExtensionPoint | 'multiPoint', PluginSet>>;
  pluginConfig: Record<string, Record<string, unknown>>;
}
export interface SchedulerConfig {
  percentageOfNodesToScore: number;
  podInitialBackoffSeconds: number;
  podMaxBackoffSeconds: number;
  profiles: ProfileConfig[];
}

export class SchedulerConfigError extends Error {
  override name = 'SchedulerConfigError';
  constructor(readonly causes: string[]) {
    super(`invalid scheduler configuration: ${causes.join('; ')}`);
  }
}

export function defaultSchedulerConfig(): SchedulerConfig {
  return { percentageOfNodesToScore: 0, podInitialBackoffSeconds: 1, podMaxBackoffSeconds: 10, profiles: [{ schedulerName: 'default-scheduler', plugins: {}, pluginConfig: {} }] };
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const invalid = (field: string, value: unknown, why: string): string => `${field}: Invalid value: ${JSON.stringify(value)}: ${why}`;

// A Handle good enough to ask a plugin which extension points it implements.
const probeHandle = {} as Handle;
const implementsAt = (name: string, p: ExtensionPoint): boolean => {
  const f = REGISTRY[name];
  return f !== undefined && implementsPoint(f({}, probeHandle), p);
};

function validatePluginArgs(name: string, args: Obj, field: string, errs: string[]): void {
  if (name === 'NodeResourcesFit') {
    const ss = args.scoringStrategy;
    if (ss === undefined) return;
    if (!isObj(ss)) return void errs.push(invalid(`${field}.scoringStrategy`, ss, 'must be an object'));
    if (ss.type !== undefined && !['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'].includes(ss.type as string)) {
      errs.push(`${field}.scoringStrategy.type: Unsupported value: ${JSON.stringify(ss.type)}: supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"`);
    }
    const rs = ss.resources;
    if (rs !== undefined) {
      if (!Array.isArray(rs)) errs.push(invalid(`${field}.scoringStrategy.resources`, rs, 'must be a list'));
      else rs.forEach((r: unknown, i) => {
        const w = isObj(r) ? r.weight : undefined;
        if (!isObj(r) || typeof r.name !== 'string' || !r.name) errs.push(`${field}.scoringStrategy.resources[${i}].name: Required value`);
        if (w !== undefined && (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > 100)) errs.push(invalid(`${field}.scoringStrategy.resources[${i}].weight`, w, 'resource weight of  must be in the range [1, 100]'.replace('  ', ` ${isObj(r) ? String(r.name) : ''} `)));
      });
    }
  } else if (name === 'PodTopologySpread') {
    const t = args.defaultingType;
    if (t !== undefined && t !== 'System' && t !== 'List') errs.push(`${field}.defaultingType: Unsupported value: ${JSON.stringify(t)}: supported values: "List", "System"`);
    const cs = args.defaultConstraints;
    if (cs === undefined) return;
    if (!Array.isArray(cs)) return void errs.push(invalid(`${field}.defaultConstraints`, cs, 'must be a list'));
    if (t !== 'List' && cs.length > 0) errs.push(invalid(`${field}.defaultingType`, t ?? 'System', 'when .defaultConstraints are not empty, defaultingType must be "List"'));
    cs.forEach((c: unknown, i) => {
      const f = `${field}.defaultConstraints[${i}]`;
      if (!isObj(c)) return void errs.push(invalid(f, c, 'must be an object'));
      if (typeof c.maxSkew !== 'number' || !Number.isInteger(c.maxSkew) || c.maxSkew <= 0) errs.push(invalid(`${f}.maxSkew`, c.maxSkew, 'must be greater than zero'));
      if (typeof c.topologyKey !== 'string' || !c.topologyKey) errs.push(`${f}.topologyKey: Required value: can not be empty`);
      if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway') errs.push(`${f}.whenUnsatisfiable: Unsupported value: ${JSON.stringify(c.whenUnsatisfiable)}: supported values: "DoNotSchedule", "ScheduleAnyway"`);
      if (c.labelSelector !== undefined) errs.push(`${f}.labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod`);
    });
  } else if (name === 'VolumeBinding') {
    const t = args.bindTimeoutSeconds;
    if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 0)) errs.push(invalid(`${field}.bindTimeoutSeconds`, t, 'invalid BindTimeoutSeconds, should not be a negative value'));
  } else if (name === 'InterPodAffinity') {
    const w = args.hardPodAffinityWeight;
    if (w !== undefined && (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 100)) errs.push(invalid(`${field}.hardPodAffinityWeight`, w, 'not in valid range [0, 100]'));
  }
}

function validatePct(v: unknown, field: string, errs: string[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100) {
    errs.push(invalid(field, v, 'not in valid range [0-100]'));
    return undefined;
  }
  return v;
}

function parseProfile(p: unknown, i: number, errs: string[]): ProfileConfig | undefined {
  const f = `profiles[${i}]`;
  if (!isObj(p)) return void errs.push(invalid(f, p, 'must be an object'));
  if (typeof p.schedulerName !== 'string' || p.schedulerName === '') errs.push(`${f}.schedulerName: Required value`);
  const plugins: ProfileConfig['plugins'] = {};
  if (p.plugins !== undefined && !isObj(p.plugins)) errs.push(invalid(`${f}.plugins`, p.plugins, 'must be an object'));
  const pl = isObj(p.plugins) ? p.plugins : {};
  for (const [point, set] of Object.entries(pl)) {
    const pf = `${f}.plugins.${point}`;
    if (point === 'queueSort' || point === 'preEnqueue' || point === 'postBind') continue; // accepted, fixed in berth
    if (point !== 'multiPoint' && !(POINTS as readonly string[]).includes(point)) {
      errs.push(`${pf}: Invalid value: unknown extension point`);
      continue;
    }
    if (!isObj(set)) {
      errs.push(invalid(pf, set, 'must be an object'));
      continue;
    }
    const enabled: PluginRef[] = [];
    (Array.isArray(set.enabled) ? set.enabled : []).forEach((e: unknown, j) => {
      const ef = `${pf}.enabled[${j}]`;
      if (!isObj(e) || typeof e.name !== 'string') return void errs.push(`${ef}.name: Required value`);
      if (IGNORED_PLUGINS.has(e.name)) return;
      if (!REGISTRY[e.name]) return void errs.push(invalid(`${ef}.name`, e.name, 'unknown plugin'));
      if (point !== 'multiPoint' && !implementsAt(e.name, point as ExtensionPoint)) return void errs.push(invalid(`${ef}.name`, e.name, `plugin does not implement the ${point} extension point`));
      if (e.weight !== undefined) {
        if (typeof e.weight !== 'number' || !Number.isInteger(e.weight) || e.weight < 0 || e.weight > 100) errs.push(invalid(`${ef}.weight`, e.weight, 'must be in the range [0, 100]'));
        else if (e.weight > 0 && point !== 'multiPoint' && point !== 'score') errs.push(invalid(`${ef}.weight`, e.weight, 'weight is only meaningful for score plugins'));
      }
      enabled.push({ name: e.name, ...(typeof e.weight === 'number' && e.weight > 0 ? { weight: e.weight } : {}) });
    });
    const disabled: Array<{ name: string }> = [];
    (Array.isArray(set.disabled) ? set.disabled : []).forEach((d: unknown, j) => {
      if (!isObj(d) || typeof d.name !== 'string') return void errs.push(`${pf}.disabled[${j}].name: Required value`);
      disabled.push({ name: d.name });
    });
    plugins[point as ExtensionPoint | 'multiPoint'] = { enabled, disabled };
  }
  const pluginConfig: Record<string, Record<string, unknown>> = {};
  (Array.isArray(p.pluginConfig) ? p.pluginConfig : []).forEach((c: unknown, j) => {
    const cf = `${f}.pluginConfig[${j}]`;
    if (!isObj(c) || typeof c.name !== 'string') return void errs.push(`${cf}.name: Required value`);
    if (!REGISTRY[c.name] && !IGNORED_PLUGINS.has(c.name)) return void errs.push(invalid(`${cf}.name`, c.name, 'unknown plugin'));
    if (pluginConfig[c.name]) return void errs.push(`${cf}.name: Duplicate value: ${JSON.stringify(c.name)}`);
    const args = c.args === undefined ? {} : c.args;
    if (!isObj(args)) return void errs.push(invalid(`${cf}.args`, args, 'must be an object'));
    validatePluginArgs(c.name, args, `${cf}.args`, errs);
    pluginConfig[c.name] = args;
  });
  const pct = validatePct(p.percentageOfNodesToScore, `${f}.percentageOfNodesToScore`, errs);
  return { schedulerName: String(p.schedulerName ?? ''), ...(pct !== undefined ? { percentageOfNodesToScore: pct } : {}), plugins, pluginConfig };
}

/** Parses and validates a KubeSchedulerConfiguration document. Throws SchedulerConfigError. */
export function parseSchedulerConfig(text: string): SchedulerConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new SchedulerConfigError([`invalid YAML: ${(e as Error).message}`]);
  }
  const errs: string[] = [];
  if (!isObj(doc)) throw new SchedulerConfigError([invalid('', doc, 'must be a KubeSchedulerConfiguration object')]);
  if (doc.apiVersion !== 'kubescheduler.config.k8s.io/v1') errs.push(`apiVersion: Unsupported value: ${JSON.stringify(doc.apiVersion)}: supported values: "kubescheduler.config.k8s.io/v1"`);
  if (doc.kind !== 'KubeSchedulerConfiguration') errs.push(`kind: Unsupported value: ${JSON.stringify(doc.kind)}: supported values: "KubeSchedulerConfiguration"`);
  const cfg = defaultSchedulerConfig();
  cfg.percentageOfNodesToScore = validatePct(doc.percentageOfNodesToScore, 'percentageOfNodesToScore', errs) ?? 0;
  for (const k of ['podInitialBackoffSeconds', 'podMaxBackoffSeconds'] as const) {
    const v = doc[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) errs.push(invalid(k, v, 'must be greater than 0'));
    else cfg[k] = v;
  }
  if (cfg.podMaxBackoffSeconds < cfg.podInitialBackoffSeconds) errs.push(invalid('podMaxBackoffSeconds', cfg.podMaxBackoffSeconds, 'must be greater than or equal to PodInitialBackoffSeconds'));
  if (doc.profiles !== undefined) {
    if (!Array.isArray(doc.profiles)) errs.push(invalid('profiles', doc.profiles, 'must be a list'));
    else if (doc.profiles.length > 0) {
      const profiles: ProfileConfig[] = [];
      const names = new Set<string>();
      doc.profiles.forEach((p: unknown, i) => {
        const prof = parseProfile(p, i, errs);
        if (!prof) return;
        if (names.has(prof.schedulerName)) errs.push(`profiles[${i}].schedulerName: Duplicate value: ${JSON.stringify(prof.schedulerName)}`);
        names.add(prof.schedulerName);
        profiles.push(prof);
      });
      cfg.profiles = profiles;
    }
  }
  if (errs.length) throw new SchedulerConfigError(errs);
  return cfg;
}

/** Reads `path` (YAML). Throws SchedulerConfigError (with the file name) when it is unreadable or invalid. */
export function loadSchedulerConfig(path: string): SchedulerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SchedulerConfigError([`${path}: ${(e as Error).message}`]);
  }
  return parseSchedulerConfig(text);
}
