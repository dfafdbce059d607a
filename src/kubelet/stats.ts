// The kubelet Summary API (/stats/summary, k8s.io/kubelet/pkg/apis/stats/v1alpha1) in the shape
// metrics-server reads: node and per-pod/per-container cpu usageNanoCores and memory workingSetBytes.
import { readFileSync } from 'node:fs';
import { cpus, uptime } from 'node:os';
import type { ContainerRuntime } from './runtime';
import type { Pod } from './types';

let lastCpu: { at: number; busyNs: number } | undefined;

function nodeCpu(now: number): { usageNanoCores?: number; usageCoreNanoSeconds: number } {
  let busyMs = 0;
  for (const c of cpus()) busyMs += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  const busyNs = busyMs * 1e6;
  const prev = lastCpu;
  lastCpu = { at: now, busyNs };
  const usageNanoCores = prev && now > prev.at ? Math.round(((busyNs - prev.busyNs) / ((now - prev.at) * 1e6)) * 1e9) : undefined;
  return { ...(usageNanoCores !== undefined ? { usageNanoCores } : {}), usageCoreNanoSeconds: busyNs };
}

function nodeMemory(): { workingSetBytes: number; availableBytes: number } {
  const info = readFileSync('/proc/meminfo', 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? 0) * 1024;
  const total = kb('MemTotal');
  const avail = kb('MemAvailable');
  return { workingSetBytes: total - avail, availableBytes: avail };
}

/**
 * The Summary of this node. Container cpu carries the cumulative usageCoreNanoSeconds (what metrics-server
 * computes rates from) and usageNanoCores only when the runtime knows a rate (it needs an earlier reading):
 * an unknown rate is omitted, never reported as 0. Memory is the working set (cgroup accounting where the
 * runtime has a cgroup, else the resident set of the container's process group).
 */
export async function summary(runtime: ContainerRuntime, pods: Pod[], nodeName = ''): Promise<unknown> {
  const now = Date.now();
  const bootTime = new Date(Math.floor(now / 1000 - uptime()) * 1000).toISOString();
  const time = new Date(now).toISOString();
  const podStats = [];
  for (const pod of pods) {
    const containers = [];
    let cpuSum = 0, memSum = 0, cumSum = 0, rates = true;
    for (const cs of pod.status?.containerStatuses ?? []) {
      if (!cs.state.running || !cs.containerID) continue;
      const id = cs.containerID.replace(/^[a-z]+:\/\//, '');
      const st = await runtime.containerStats(id).catch(() => undefined);
      if (!st) continue;
      if (st.cpuUsageNanoCores === undefined) rates = false;
      cpuSum += st.cpuUsageNanoCores ?? 0;
      cumSum += st.cpuUsageCoreNanoSeconds ?? 0;
      memSum += st.memoryWorkingSetBytes ?? 0;
      const cpu: { time: string; usageNanoCores?: number; usageCoreNanoSeconds?: number } = { time: st.timestamp };
      if (st.cpuUsageNanoCores !== undefined) cpu.usageNanoCores = st.cpuUsageNanoCores;
      if (st.cpuUsageCoreNanoSeconds !== undefined) cpu.usageCoreNanoSeconds = st.cpuUsageCoreNanoSeconds;
      containers.push({
        name: cs.name,
        startTime: cs.state.running.startedAt,
        cpu,
        memory: { time: st.timestamp, ...(st.memoryWorkingSetBytes !== undefined ? { workingSetBytes: st.memoryWorkingSetBytes } : {}) },
      });
    }
    podStats.push({
      podRef: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
      startTime: pod.status?.startTime,
      containers,
      cpu: { time, ...(rates ? { usageNanoCores: cpuSum } : {}), usageCoreNanoSeconds: cumSum },
      memory: { time, workingSetBytes: memSum },
    });
  }
  return {
    node: { nodeName, startTime: bootTime, cpu: { time, ...nodeCpu(now) }, memory: { time, ...nodeMemory() } },
    pods: podStats,
  };
}
