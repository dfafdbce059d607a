// The slice of the kubelet Summary API (k8s.io/kubelet/pkg/apis/stats/v1alpha1) metrics-server reads, and a
// defensive reader: a kubelet's answer is input from the network, so every field is checked, never trusted.

export interface CpuStats {
  time?: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds?: number;
}

export interface MemoryStats {
  time?: string;
  workingSetBytes?: number;
}

export interface ContainerSummary {
  name: string;
  startTime?: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodSummary {
  podRef: { name: string; namespace: string; uid?: string };
  startTime?: string;
  containers: ContainerSummary[];
}

export interface Summary {
  node: { nodeName?: string; startTime?: string; cpu?: CpuStats; memory?: MemoryStats };
  pods: PodSummary[];
}

const isRec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const strOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function cpuOf(v: unknown): CpuStats | undefined {
  if (!isRec(v)) return undefined;
  const c: CpuStats = {};
  const t = strOf(v.time);
  if (t) c.time = t;
  const nc = num(v.usageNanoCores);
  if (nc !== undefined) c.usageNanoCores = nc;
  const cum = num(v.usageCoreNanoSeconds);
  if (cum !== undefined) c.usageCoreNanoSeconds = cum;
  return c;
}

function memOf(v: unknown): MemoryStats | undefined {
  if (!isRec(v)) return undefined;
  const m: MemoryStats = {};
  const t = strOf(v.time);
  if (t) m.time = t;
  const ws = num(v.workingSetBytes);
  if (ws !== undefined) m.workingSetBytes = ws;
  return m;
}

/** Reads a parsed /stats/summary body; throws when it is not a Summary at all. */
export function readSummary(body: unknown): Summary {
  if (!isRec(body) || !isRec(body.node)) throw new Error('the kubelet answered /stats/summary without a node section');
  const n = body.node;
  const out: Summary = { node: {}, pods: [] };
  const nodeName = strOf(n.nodeName);
  if (nodeName) out.node.nodeName = nodeName;
  const nodeStart = strOf(n.startTime);
  if (nodeStart) out.node.startTime = nodeStart;
  const nc = cpuOf(n.cpu);
  if (nc) out.node.cpu = nc;
  const nm = memOf(n.memory);
  if (nm) out.node.memory = nm;
  for (const p of Array.isArray(body.pods) ? (body.pods as unknown[]) : []) {
    if (!isRec(p) || !isRec(p.podRef)) continue;
    const name = strOf(p.podRef.name);
    const namespace = strOf(p.podRef.namespace);
    if (!name || !namespace) continue;
    const uid = strOf(p.podRef.uid);
    const pod: PodSummary = { podRef: uid ? { name, namespace, uid } : { name, namespace }, containers: [] };
    const ps = strOf(p.startTime);
    if (ps) pod.startTime = ps;
    for (const c of Array.isArray(p.containers) ? (p.containers as unknown[]) : []) {
      if (!isRec(c)) continue;
      const cname = strOf(c.name);
      if (!cname) continue;
      const cs: ContainerSummary = { name: cname };
      const st = strOf(c.startTime);
      if (st) cs.startTime = st;
      const cc = cpuOf(c.cpu);
      if (cc) cs.cpu = cc;
      const cm = memOf(c.memory);
      if (cm) cs.memory = cm;
      pod.containers.push(cs);
    }
    out.pods.push(pod);
  }
  return out;
}
