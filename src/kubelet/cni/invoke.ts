// The CNI protocol (github.com/containernetworking/cni SPEC.md, v1.0.0) from the runtime's side: run a
// plugin binary with CNI_* environment variables and the network configuration on stdin; read the result
// (or a structured error) from stdout. Network configuration lists chain plugins: ADD runs them in order,
// each receiving the previous result as `prevResult`; DEL runs them in reverse with the cached ADD result.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const CNI_VERSION = '1.0.0';

export interface NetConf {
  type: string;
  /** Capabilities the plugin accepts through runtimeConfig (e.g. portMappings). */
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface NetConfList {
  cniVersion: string;
  name: string;
  plugins: NetConf[];
}

export interface CniIP {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface CniResult {
  cniVersion: string;
  interfaces?: Array<{ name: string; mac?: string; sandbox?: string }>;
  ips?: CniIP[];
  routes?: Array<{ dst: string; gw?: string }>;
  dns?: Record<string, unknown>;
}

/** Per-invocation parameters: which container, which namespace, which interface. */
export interface RuntimeConf {
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS pairs (K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_UID, …). */
  args?: Array<[string, string]>;
  /** Values for plugins' declared capabilities (e.g. { portMappings: [...] }). */
  capabilityArgs?: Record<string, unknown>;
}

export class CniError extends Error {
  constructor(readonly plugin: string, readonly code: number, msg: string, readonly details?: string) {
    super(`plugin type="${plugin}" failed (${code}): ${msg}${details ? `: ${details}` : ''}`);
    this.name = 'CniError';
  }
}

/** Finds a plugin binary in the CNI_PATH directories. */
export function findPlugin(binDirs: readonly string[], type: string): string | undefined {
  if (!/^[A-Za-z0-9_.-]+$/.test(type)) return undefined;
  for (const d of binDirs) {
    const p = join(d, type);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export type PluginExec = (path: string, env: Record<string, string>, stdin: string) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Runs a plugin binary (the default PluginExec). */
export const execPlugin: PluginExec = (path, env, stdin) => new Promise((resolve, reject) => {
  const child = spawn(path, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.on('error', reject);
  child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  child.stdin.on('error', () => undefined);
  child.stdin.end(stdin);
});

export interface Invoker {
  binDirs: readonly string[];
  exec?: PluginExec;
}

/** The configuration one plugin of a list receives: its own keys plus name, cniVersion, prevResult, runtimeConfig. */
export function pluginConfig(list: NetConfList, conf: NetConf, rt: RuntimeConf, prevResult: CniResult | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...conf, name: list.name, cniVersion: list.cniVersion };
  if (prevResult) out.prevResult = prevResult;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(conf.capabilities ?? {})) {
    if (on && rt.capabilityArgs?.[cap] !== undefined) runtimeConfig[cap] = rt.capabilityArgs[cap];
  }
  if (Object.keys(runtimeConfig).length > 0) out.runtimeConfig = runtimeConfig;
  return out;
}

async function invoke(inv: Invoker, command: 'ADD' | 'DEL' | 'CHECK', config: Record<string, unknown>, rt: RuntimeConf): Promise<CniResult | undefined> {
  const type = String(config.type);
  const path = findPlugin(inv.binDirs, type);
  if (!path) throw new CniError(type, 1, `failed to find plugin "${type}" in path [${inv.binDirs.join(' ')}]`);
  const env: Record<string, string> = {
    CNI_COMMAND: command,
    CNI_CONTAINERID: rt.containerId,
    CNI_NETNS: rt.netns,
    CNI_IFNAME: rt.ifName,
    CNI_PATH: inv.binDirs.join(':'),
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
  };
  if (rt.args?.length) env.CNI_ARGS = rt.args.map(([k, v]) => `${k}=${v}`).join(';');
  const r = await (inv.exec ?? execPlugin)(path, env, JSON.stringify(config));
  if (r.code !== 0) {
    let parsed: { code?: number; msg?: string; details?: string } = {};
    try {
      parsed = JSON.parse(r.stdout) as typeof parsed;
    } catch {
      /* not a CNI error document */
    }
    throw new CniError(type, parsed.code ?? r.code, parsed.msg ?? (r.stderr.trim() || r.stdout.trim() || `exit status ${r.code}`), parsed.details);
  }
  if (command !== 'ADD') return undefined;
  try {
    return JSON.parse(r.stdout) as CniResult;
  } catch {
    throw new CniError(type, 999, `unparsable result: ${r.stdout.slice(0, 200)}`);
  }
}

/** ADD through every plugin of the list; returns the last plugin's result. */
export async function addNetworkList(inv: Invoker, list: NetConfList, rt: RuntimeConf): Promise<CniResult> {
  let prev: CniResult | undefined;
  for (const conf of list.plugins) prev = await invoke(inv, 'ADD', pluginConfig(list, conf, rt, prev), rt);
  if (!prev) throw new CniError(list.name, 999, 'the network list has no plugins');
  return prev;
}

/** DEL through every plugin of the list in reverse order. Plugins treat missing state as success (the spec says so). */
export async function delNetworkList(inv: Invoker, list: NetConfList, rt: RuntimeConf, cached: CniResult | undefined): Promise<void> {
  for (const conf of [...list.plugins].reverse()) await invoke(inv, 'DEL', pluginConfig(list, conf, rt, cached), rt);
}

/** The first IPv4 address of a result, without its prefix length ('' if none). */
export function resultIPv4(r: CniResult): string {
  for (const ip of r.ips ?? []) {
    const addr = ip.address.split('/')[0] ?? '';
    if (/^\d+\.\d+\.\d+\.\d+$/.test(addr)) return addr;
  }
  return '';
}
