// Per-pod network namespaces through iproute2 (`ip netns`), root only, and the sandbox side of the pod
// network: a namespace with loopback up, then wired by the kubelet's network plugin (CNI) when there is one.
// Shared by the process and oci drivers (the plugin is called here as CRI runtimes call CNI).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { PodNetworkAttachment, PodNetworkPlugin, PodNetworkRequest, PodSandboxConfig } from './types';

const run = promisify(execFile);

export function netnsName(podUid: string): string {
  return `berth-${podUid.replace(/[^a-zA-Z0-9]/g, '').slice(0, 12)}`;
}

export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

export async function ipAvailable(): Promise<boolean> {
  try {
    await run('ip', ['-V']);
    return true;
  } catch {
    return false;
  }
}

/** Creates the namespace (reusing one left by a crashed run) with loopback up. */
export async function createNetns(name: string): Promise<string> {
  if (!existsSync(netnsPath(name))) await run('ip', ['netns', 'add', name]);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return netnsPath(name);
}

/** Deletes the namespace; an absent one is not an error. */
export async function deleteNetns(name: string): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  await run('ip', ['netns', 'delete', name]);
}

/** What a sandbox record keeps about its network. */
export interface SandboxNetwork {
  netnsName?: string;
  netnsPath?: string;
  /** The pod IP the network plugin gave the sandbox ('' without a plugin). */
  podIP?: string;
  attachment?: PodNetworkAttachment;
}

function request(sandboxId: string, config: PodSandboxConfig, path: string): PodNetworkRequest {
  return { sandboxId, netnsPath: path, uid: config.uid, name: config.name, namespace: config.namespace, ...(config.portMappings?.length ? { portMappings: config.portMappings } : {}) };
}

/**
 * Creates the sandbox's namespace and wires it through `plugin`. If wiring fails the namespace is removed
 * again and the error thrown: a sandbox is never left half set up.
 */
export async function setUpSandboxNetwork(sandboxId: string, config: PodSandboxConfig, plugin: PodNetworkPlugin | undefined): Promise<SandboxNetwork> {
  const name = netnsName(config.uid);
  const path = await createNetns(name);
  if (!plugin) return { netnsName: name, netnsPath: path, podIP: '' };
  try {
    const attachment = await plugin.setUp(request(sandboxId, config, path));
    return { netnsName: name, netnsPath: path, podIP: attachment.ip, attachment };
  } catch (e) {
    await deleteNetns(name).catch(() => undefined);
    throw e;
  }
}

/** Releases the sandbox's pod network (address, port mappings) and deletes its namespace. Idempotent. */
export async function tearDownSandboxNetwork(sandboxId: string, config: PodSandboxConfig, net: SandboxNetwork, plugin: PodNetworkPlugin | undefined): Promise<void> {
  if (!net.netnsName) return;
  if (plugin && net.attachment) await plugin.tearDown(request(sandboxId, config, net.netnsPath ?? netnsPath(net.netnsName)), net.attachment);
  await deleteNetns(net.netnsName);
}
