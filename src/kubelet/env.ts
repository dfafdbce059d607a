// A container's environment as upstream's makeEnvironmentVariables: service link variables first
// (lowest precedence), then envFrom sources in order, then env entries (each may use `$(VAR)` of what came
// before). Missing ConfigMaps/Secrets/keys raise ConfigError, which the pod worker reports as the
// container's waiting reason CreateContainerConfigError with the same message as upstream.
import { expand } from './expansion';
import { cpuMillis, parseQuantity } from './quantity';
import type { ConfigMap, Container, EnvVar, ObjectFieldSelector, Pod, ResourceFieldSelector, Secret, Service } from './types';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Read access to the objects a pod's configuration refers to. undefined = NotFound; other failures throw. */
export interface ConfigSource {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  /** Services visible to the pod (its namespace, and `kubernetes` in default). */
  services(namespace: string): Service[];
}

export interface EnvContext {
  pod: Pod;
  podIP?: string;
  hostIP: string;
  /** Node allocatable, the default for resourceFieldRef of an unset limit. */
  nodeAllocatable: { cpu: number; memory: number; 'ephemeral-storage'?: number };
}

export function fieldRefValue(pod: Pod, ref: ObjectFieldSelector, ips: { podIP?: string; hostIP: string }): string {
  const p = ref.fieldPath;
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(p) ?? /^metadata\.(labels|annotations)\[(.*)\]$/.exec(p);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  switch (p) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace;
    case 'metadata.uid': return pod.metadata.uid;
    case 'metadata.labels': return formatMap(pod.metadata.labels);
    case 'metadata.annotations': return formatMap(pod.metadata.annotations);
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP': case 'status.hostIPs': return ips.hostIP;
    case 'status.podIP': case 'status.podIPs': return ips.podIP ?? '';
    default: throw new ConfigError(`unsupported fieldPath: ${p}`);
  }
}

/** The downward API's `key="value"` lines, sorted by key. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m![k])}`).join('\n');
}

export function resourceFieldValue(pod: Pod, container: Container | undefined, ref: ResourceFieldSelector, alloc: EnvContext['nodeAllocatable']): string {
  const c = ref.containerName ? pod.spec.containers.find((x) => x.name === ref.containerName) ?? pod.spec.initContainers?.find((x) => x.name === ref.containerName) : container;
  const [kind, res] = ref.resource.split('.', 2) as [string, string | undefined];
  if (!res || (kind !== 'limits' && kind !== 'requests')) throw new ConfigError(`unsupported container resource: ${ref.resource}`);
  const raw = c?.resources?.[kind]?.[res];
  const isCpu = res === 'cpu';
  let value = parseQuantity(raw);
  if (value === undefined) value = kind === 'limits' ? (alloc as Record<string, number | undefined>)[res] ?? 0 : 0;
  const divisor = parseQuantity(ref.divisor ?? '1') || 1;
  const out = isCpu ? Math.ceil((cpuMillis(value) ?? 0) / Math.max(1, Math.round(divisor * 1000))) : Math.ceil(value / divisor);
  return String(out);
}

function serviceEnv(services: Service[], enableLinks: boolean, namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of services) {
    const ip = s.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const ns = s.metadata?.namespace;
    const isMaster = ns === 'default' && s.metadata?.name === 'kubernetes';
    if (!isMaster && (!enableLinks || ns !== namespace)) continue;
    const n = (s.metadata?.name ?? '').toUpperCase().replace(/-/g, '_');
    const ports = s.spec?.ports ?? [];
    const first = ports[0];
    if (!first) continue;
    env[`${n}_SERVICE_HOST`] = ip;
    env[`${n}_SERVICE_PORT`] = String(first.port);
    for (const p of ports) if (p.name) env[`${n}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`] = String(p.port);
    const proto = (first.protocol ?? 'TCP').toLowerCase();
    env[`${n}_PORT`] = `${proto}://${ip}:${first.port}`;
    for (const p of ports) {
      const pr = (p.protocol ?? 'TCP');
      const pre = `${n}_PORT_${p.port}_${pr.toUpperCase()}`;
      env[pre] = `${pr.toLowerCase()}://${ip}:${p.port}`;
      env[`${pre}_PROTO`] = pr.toLowerCase();
      env[`${pre}_PORT`] = String(p.port);
      env[`${pre}_ADDR`] = ip;
    }
  }
  return env;
}

async function mustConfigMap(src: ConfigSource, ns: string, name: string, optional: boolean | undefined): Promise<ConfigMap | undefined> {
  const cm = await src.configMap(ns, name);
  if (!cm && !optional) throw new ConfigError(`configmap "${name}" not found`);
  return cm;
}

async function mustSecret(src: ConfigSource, ns: string, name: string, optional: boolean | undefined): Promise<Secret | undefined> {
  const s = await src.secret(ns, name);
  if (!s && !optional) throw new ConfigError(`secret "${name}" not found`);
  return s;
}

const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

async function valueOf(e: EnvVar, container: Container, ctx: EnvContext, src: ConfigSource): Promise<string | undefined> {
  const vf = e.valueFrom;
  const ns = ctx.pod.metadata.namespace;
  if (!vf) return undefined;
  if (vf.fieldRef) return fieldRefValue(ctx.pod, vf.fieldRef, ctx);
  if (vf.resourceFieldRef) return resourceFieldValue(ctx.pod, container, vf.resourceFieldRef, ctx.nodeAllocatable);
  if (vf.configMapKeyRef) {
    const r = vf.configMapKeyRef;
    const cm = await mustConfigMap(src, ns, r.name ?? '', r.optional);
    if (!cm) return undefined;
    const v = cm.data?.[r.key] ?? (cm.binaryData?.[r.key] !== undefined ? decode(cm.binaryData[r.key]!) : undefined);
    if (v === undefined && !r.optional) throw new ConfigError(`couldn't find key ${r.key} in ConfigMap ${ns}/${r.name ?? ''}`);
    return v;
  }
  if (vf.secretKeyRef) {
    const r = vf.secretKeyRef;
    const s = await mustSecret(src, ns, r.name ?? '', r.optional);
    if (!s) return undefined;
    const raw = s.data?.[r.key];
    if (raw === undefined && !r.optional) throw new ConfigError(`couldn't find key ${r.key} in Secret ${ns}/${r.name ?? ''}`);
    return raw === undefined ? undefined : decode(raw);
  }
  return undefined;
}

/** The environment of `container`, in the order upstream builds it (later entries win). */
export async function containerEnv(container: Container, ctx: EnvContext, src: ConfigSource): Promise<Array<{ name: string; value: string }>> {
  const ns = ctx.pod.metadata.namespace;
  const env = new Map<string, string>(Object.entries(serviceEnv(src.services(ns), ctx.pod.spec.enableServiceLinks !== false, ns)));
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await mustConfigMap(src, ns, from.configMapRef.name ?? '', from.configMapRef.optional);
      for (const [k, v] of Object.entries(cm?.data ?? {})) env.set(prefix + k, v);
    }
    if (from.secretRef) {
      const s = await mustSecret(src, ns, from.secretRef.name ?? '', from.secretRef.optional);
      for (const [k, v] of Object.entries(s?.data ?? {})) env.set(prefix + k, decode(v));
    }
  }
  const defined = new Map(env);
  for (const e of container.env ?? []) {
    let v: string | undefined;
    if (e.valueFrom) v = await valueOf(e, container, ctx, src);
    else v = expand(e.value ?? '', (n) => defined.get(n));
    if (v === undefined) continue;
    env.set(e.name, v);
    defined.set(e.name, v);
  }
  return [...env].map(([name, value]) => ({ name, value }));
}

/** command/args with `$(VAR)` expanded against the container's final environment. */
export function expandArgs(list: string[] | undefined, env: Array<{ name: string; value: string }>): string[] | undefined {
  if (!list) return undefined;
  const m = new Map(env.map((e) => [e.name, e.value]));
  return list.map((s) => expand(s, (n) => m.get(n)));
}
