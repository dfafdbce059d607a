// Small readers of /proc used to verify adopted processes and to measure processes without cgroups.
import { readFileSync, readdirSync } from 'node:fs';

const CLK_TCK = 100; // USER_HZ on every Linux architecture Node supports

interface ProcStat {
  pgrp: number;
  utimeTicks: number;
  stimeTicks: number;
  startTime: string;
  rssPages: number;
}

function readStat(pid: number): ProcStat | undefined {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // Fields after the command name, which is in parentheses and may itself contain spaces or ')'.
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state); field N is f[N-3].
  if (f[0] === 'Z' || f[0] === 'X') return undefined; // zombie: exited, not yet reaped
  return {
    pgrp: Number(f[2]),
    utimeTicks: Number(f[11]),
    stimeTicks: Number(f[12]),
    startTime: f[19] ?? '',
    rssPages: Number(f[21]),
  };
}

/** The process's start time in clock ticks since boot (field 22), which with the pid identifies it. */
export function procStartTime(pid: number): string | undefined {
  return readStat(pid)?.startTime;
}

/** True when `pid` is alive and is the process that started at `startTime` (not a reused pid). */
export function isSameProcessAlive(pid: number, startTime: string | undefined): boolean {
  const st = readStat(pid);
  return st !== undefined && (startTime === undefined || st.startTime === startTime);
}

/** CPU time (ns) and resident memory (bytes) summed over a process group. */
export function processGroupUsage(pgid: number): { cpuNs: number; rssBytes: number; pids: number[] } {
  let ticks = 0;
  let pages = 0;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const st = readStat(pid);
    if (!st || st.pgrp !== pgid) continue;
    pids.push(pid);
    ticks += st.utimeTicks + st.stimeTicks;
    pages += st.rssPages;
  }
  return { cpuNs: (ticks * 1e9) / CLK_TCK, rssBytes: pages * 4096, pids };
}
