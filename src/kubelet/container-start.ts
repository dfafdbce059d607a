// Turns a pod spec's container into a runtime ContainerConfig and starts it (kuberuntime_container.go's
// startContainer): environment and `$(VAR)` expansion, mounts, limits, labels that let a restarted kubelet
// map the container back to its pod, then the postStart hook.
import { join } from 'node:path';
import { containerEnv, expandArgs, type ConfigSource, type EnvContext } from './env';
import { cpuMillis, parseQuantity } from './quantity';
import type { ContainerConfig, ResourceLimits } from './runtime';
import {
  ANNOTATION_RESTART_COUNT, LABEL_CONTAINER_KIND, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID,
  type Container, type Pod,
} from './types';

export function podLabels(pod: Pod): Record<string, string> {
  return { [LABEL_POD_UID]: pod.metadata.uid, [LABEL_POD_NAME]: pod.metadata.name, [LABEL_POD_NAMESPACE]: pod.metadata.namespace };
}

export function limitsOf(c: Container): ResourceLimits | undefined {
  const lim = c.resources?.limits ?? {};
  const req = c.resources?.requests ?? {};
  const out: ResourceLimits = {};
  const cpu = cpuMillis(lim.cpu);
  if (cpu !== undefined && cpu > 0) out.cpuMillis = cpu;
  const mem = parseQuantity(lim.memory);
  if (mem !== undefined && mem > 0) out.memoryBytes = Math.floor(mem);
  const shares = cpuMillis(req.cpu ?? lim.cpu);
  if (shares !== undefined) out.cpuShares = Math.max(2, Math.min(262144, Math.floor((shares * 1024) / 1000)));
  return Object.keys(out).length ? out : undefined;
}

export async function buildContainerConfig(
  pod: Pod, c: Container, kind: 'init' | 'app', attempt: number, volumes: Map<string, string>, ctx: EnvContext, src: ConfigSource,
): Promise<ContainerConfig> {
  const env = await containerEnv(c, ctx, src);
  const mounts = (c.volumeMounts ?? []).flatMap((m) => {
    const host = volumes.get(m.name);
    if (!host) return [];
    return [{ hostPath: m.subPath ? join(host, m.subPath) : host, containerPath: m.mountPath, ...(m.readOnly ? { readOnly: true } : {}) }];
  });
  const runAsUser = c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
  const runAsGroup = c.securityContext?.runAsGroup ?? pod.spec.securityContext?.runAsGroup;
  const resources = limitsOf(c);
  return {
    name: c.name,
    attempt,
    image: c.image ?? '',
    ...(c.command ? { command: expandArgs(c.command, env) } : {}),
    ...(c.args ? { args: expandArgs(c.args, env) } : {}),
    env,
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    mounts,
    ...(runAsUser !== undefined ? { user: { uid: runAsUser, ...(runAsGroup !== undefined ? { gid: runAsGroup } : {}) } } : {}),
    ...(resources ? { resources } : {}),
    ...(c.tty ? { tty: true } : {}),
    ...(c.stdin ? { stdin: true } : {}),
    logPath: `${c.name}/${attempt}.log`,
    labels: { ...podLabels(pod), [LABEL_CONTAINER_NAME]: c.name, [LABEL_CONTAINER_KIND]: kind },
    annotations: { [ANNOTATION_RESTART_COUNT]: String(attempt) },
  };
}
