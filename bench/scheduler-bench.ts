// Scheduler throughput through a real in-process API server, in the manner of kube-scheduler's
// scheduler_perf: nodes and pods are created through the API, then the scheduler (in this process)
// binds every pending pod; we report pods bound per second and the p99 of the per-pod scheduling
// attempt latency (cycle start → Binding answered). Borg's techniques are switched off one at a time.
//
// Every line also gives pods/s over the first and the last 10 % of the binds, so degradation over a run
// shows. Scale: 150,000 pods on 5,000 nodes, in memory (cycle + queue + cache, always) and end to end
// through the API server (only with --scale or --only=Scale: several minutes on 2 cores).
//
//   node --import tsx bench/scheduler-bench.ts [--quick] [--scale] [--only=Name,Name]
//   node --cpu-prof --import tsx bench/scheduler-bench.ts --only=Scale/in-memory   (profile the cycle)
import { startTestServer } from '../test/support/server';
import { loadavg } from 'node:os';
import { createClient, realClock, Resources, type Client, type ClientConfig } from '../src/client/index';
import { createPodInfo, defaultSchedulerConfig, SchedulerCache, SchedulingQueue, startSchedulerWorker, type Techniques } from '../src/scheduler/index';
import { SchedulingAlgorithm } from '../src/scheduler/algorithm';
import { buildProfile } from '../src/scheduler/profile';
import { WaitingPods } from '../src/scheduler/waiting-pods';
import { makeNode, makePod, overcommitted, runWatchingKubelets } from '../src/scheduler/testing';
import type { Node, Pod } from '../src/scheduler/types';

const quick = process.argv.includes('--quick');
const withScale = process.argv.includes('--scale');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const scale = (n: number): number => (quick ? Math.max(1, Math.round(n / 10)) : n);

interface Workload {
  name: string;
  nodes: number;
  pods: number;
  floor: number;
  target: number;
  node: (i: number) => Node;
  pod: (i: number) => Pod;
  /** Pods bound directly at creation (spec.nodeName), before the scheduler starts. */
  initPods?: (nodes: number) => Pod[];
  techniques?: Partial<Techniques>;
  /** Normal "Scheduled" events (default on, as kube-scheduler). */
  scheduledEvents?: boolean;
  priorityClass?: { name: string; value: number };
  /** Only with --scale (or named in --only). */
  scaleOnly?: boolean;
  timeoutS?: number;
}

const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const basicNode = (i: number): Node => makeNode(`node-${i}`, { cpu: '4', memory: '32Gi', pods: 110, labels: { 'topology.kubernetes.io/zone': ZONES[i % 3]! } });
const basicPod = (i: number): Pod => makePod(`pod-${i}`, { cpu: '100m', memory: '500Mi' });

function workloads(): Workload[] {
  const basic = { nodes: scale(5000), pods: scale(10_000), node: basicNode, pod: basicPod, floor: 270, target: 500 };
  const spread = {
    name: 'TopologySpreading', nodes: scale(5000), pods: scale(10_000), floor: 85, target: 170, node: basicNode,
    pod: (i: number) => makePod(`spread-${i}`, {
      cpu: '100m', memory: '500Mi', labels: { app: 'spread' },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }],
    }),
  };
  const anti = {
    name: 'PodAntiAffinity', nodes: scale(5000), pods: scale(5000), floor: 60, target: 120, node: basicNode,
    pod: (i: number) => makePod(`anti-${i}`, {
      cpu: '100m', memory: '500Mi', labels: { color: 'green' },
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'green' } }, topologyKey: 'kubernetes.io/hostname' }] } },
    }),
  };
  const preemptNodes = scale(500);
  const preempt: Workload = {
    name: 'Preemption', nodes: preemptNodes, pods: scale(1000), floor: 18, target: 40,
    node: (i) => makeNode(`node-${i}`, { cpu: '4', memory: '32Gi', pods: 110 }),
    // Every node full: 4 low-priority pods of 1 cpu each.
    initPods: (n) => Array.from({ length: n * 4 }, (_, i) => makePod(`low-${i}`, { cpu: '1', memory: '1Gi', nodeName: `node-${i % n}` })),
    pod: (i) => makePod(`high-${i}`, { cpu: '1', memory: '1Gi', priorityClassName: 'high', priority: 1000 }),
    priorityClass: { name: 'high', value: 1000 },
  };
  return [
    { name: 'SchedulingBasic', ...basic }, spread, anti, preempt,
    { name: 'SchedulingBasic/no-equivalence-classes', ...basic, techniques: { equivalenceClasses: false } },
    { name: 'SchedulingBasic/no-score-cache', ...basic, techniques: { scoreCache: false } },
    { name: 'SchedulingBasic/no-sampling', ...basic, techniques: { sampling: false } },
    { name: 'SchedulingBasic/none', ...basic, techniques: { equivalenceClasses: false, scoreCache: false, sampling: false } },
    // Not a Borg technique: what the per-pod Scheduled event costs the API server.
    { name: 'SchedulingBasic/no-scheduled-events', ...basic, scheduledEvents: false },
    // Kubernetes' scalability limit: 150,000 pods on 5,000 nodes must complete without degradation.
    { name: 'Scale', ...basic, pods: scale(150_000), scaleOnly: true, timeoutS: 1800 },
  ];
}

async function createAll(client: Client, objs: Array<{ ns?: string; obj: Node | Pod; kind: 'node' | 'pod' }>, concurrency = 96): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < objs.length) {
      const o = objs[next++]!;
      const rc = client.resource(o.kind === 'node' ? Resources.nodes : Resources.pods);
      for (let attempt = 0; ; attempt++) {
        try {
          await rc.create(o.ns, o.obj);
          break;
        } catch (e) {
          if (attempt >= 5) throw e;
          await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** pods/s over the first and the last 10 % of the binds (`at`: epoch ms of each bind; `start`: loop start). */
function tenths(start: number, at: readonly number[]): { first: number; last: number } {
  const s = [...at].sort((a, b) => a - b);
  const n = s.length;
  const k = Math.max(1, Math.floor(n / 10));
  if (n === 0) return { first: 0, last: 0 };
  const rate = (from: number, to: number): number => k / Math.max(0.001, (to - from) / 1000);
  return { first: rate(start, s[k - 1]!), last: rate(n - k - 1 >= 0 ? s[n - k - 1]! : start, s[n - 1]!) };
}

const load = (): string => loadavg().map((x) => x.toFixed(1)).join('/');

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function runWorkload(w: Workload): Promise<void> {
  const srv = await startTestServer();
  const config: ClientConfig = { server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token };
  const client = createClient(config);
  const ac = new AbortController();
  try {
    const t0 = performance.now();
    if (w.priorityClass) await client.resource(Resources.priorityclasses).create(undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: w.priorityClass.name }, value: w.priorityClass.value } as never);
    await createAll(client, Array.from({ length: w.nodes }, (_, i) => ({ kind: 'node' as const, obj: w.node(i) })));
    const init = w.initPods?.(w.nodes) ?? [];
    await createAll(client, init.map((p) => ({ kind: 'pod' as const, ns: 'default', obj: p })));
    await createAll(client, Array.from({ length: w.pods }, (_, i) => ({ kind: 'pod' as const, ns: 'default', obj: w.pod(i) })));
    const setupS = (performance.now() - t0) / 1000;
    const kubelets = w.initPods ? runWatchingKubelets(client, ac.signal) : Promise.resolve();
    // The scheduler runs in a worker thread (as in `berth server`): the API server keeps this thread.
    const worker = startSchedulerWorker({ config, leaderElect: false, techniques: w.techniques, scheduledEvents: w.scheduledEvents, log: (l, m) => (l === 'error' ? console.error(m) : undefined) });
    const deadline = performance.now() + (w.timeoutS ?? (quick ? 120 : 600)) * 1000;
    let bound = 0;
    let finishedAt = Date.now();
    while (performance.now() < deadline) {
      bound = (await worker.stats()).bound;
      finishedAt = Date.now();
      if (bound >= w.pods) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const s = await worker.stats(true);
    const elapsed = (finishedAt - (s.loopStartedAt ?? finishedAt)) / 1000;
    const rate = bound / elapsed;
    const p99 = pct(s.latenciesMs ?? [], 99);
    const st = s.algorithm;
    const t = tenths(s.loopStartedAt ?? finishedAt, s.boundAtMs ?? []);
    console.log(`sched-bench workload=${w.name} nodes=${w.nodes} pods=${w.pods} bound=${bound} pods_per_s=${rate.toFixed(1)} p99_ms=${p99.toFixed(1)} first10_pods_per_s=${t.first.toFixed(1)} last10_pods_per_s=${t.last.toFixed(1)} floor=${w.floor} target=${w.target} ratio_vs_floor=${(rate / w.floor).toFixed(2)} setup_s=${setupS.toFixed(1)} loadavg=${load()} filter_calls=${st.filterCalls} feasibility_hits=${st.feasibilityHits} score_calls=${st.scoreCalls} score_hits=${st.scoreHits}`);
    ac.abort();
    await worker.stop();
    await kubelets;
    if (!quick || w.nodes <= 500) {
      const [n, p] = await Promise.all([client.resource<Node>(Resources.nodes).list(undefined), client.resource<Pod>(Resources.pods).list(undefined)]);
      const bad = overcommitted(n.items, p.items);
      if (bad.length) console.log(`sched-bench workload=${w.name} INVARIANT VIOLATED: ${bad.slice(0, 5).join('; ')}`);
    }
  } finally {
    ac.abort();
    client.close();
    await srv.stop();
  }
}

/**
 * The scheduling cycle alone (no API, no binding): what each Borg technique buys in CPU per pod,
 * free of API-server and machine-load noise. Pods are assumed onto the chosen node as in the binder.
 */
function cycleOnly(name: string, nodes: number, pods: number, techniques: Techniques, pod: (i: number) => Pod): void {
  const cache = new SchedulerCache();
  for (let i = 0; i < nodes; i++) cache.upsertNode(basicNode(i));
  const handle = { cache, getObject: () => undefined, ownerSelectors: () => [], bind: () => Promise.resolve(), waitingPods: new WaitingPods() };
  const profile = buildProfile(defaultSchedulerConfig().profiles[0]!, handle);
  const algo = new SchedulingAlgorithm({ cache, percentageOfNodesToScore: 0, techniques, random: Math.random });
  const lat: number[] = [];
  const t0 = performance.now();
  let bound = 0;
  for (let i = 0; i < pods; i++) {
    const t = performance.now();
    const p = createPodInfo(pod(i));
    const r = algo.schedule(profile, p);
    if (r.ok) {
      cache.addPod(p, r.node, true);
      bound++;
    }
    lat.push(performance.now() - t);
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`sched-bench workload=CycleOnly/${name} nodes=${nodes} pods=${pods} bound=${bound} pods_per_s=${(bound / s).toFixed(1)} p99_ms=${pct(lat, 99).toFixed(2)} mean_ms=${((s * 1000) / pods).toFixed(3)}`);
}

const ON: Techniques = { equivalenceClasses: true, scoreCache: true, sampling: true };
if (!only || only.some((o) => o.startsWith('CycleOnly'))) {
  const spreadPod = (i: number): Pod => makePod(`s-${i}`, { cpu: '100m', memory: '500Mi', labels: { app: 'spread' }, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }] });
  for (const [name, t] of [
    ['all', ON], ['no-equivalence-classes', { ...ON, equivalenceClasses: false }], ['no-score-cache', { ...ON, scoreCache: false }],
    ['no-sampling', { ...ON, sampling: false }], ['none', { equivalenceClasses: false, scoreCache: false, sampling: false }],
  ] as Array<[string, Techniques]>) {
    cycleOnly(`SchedulingBasic/${name}`, scale(5000), scale(10_000), t, basicPod);
  }
  cycleOnly('TopologySpreading/all', scale(5000), scale(10_000), ON, spreadPod);
  cycleOnly('TopologySpreading/none', scale(5000), scale(10_000), { equivalenceClasses: false, scoreCache: false, sampling: false }, spreadPod);
}

/**
 * 150,000 pods on 5,000 nodes without the API: the queue (all pods pending at once), the cycle, the
 * assume, and the informer's confirmation of each bind (64 binds in flight, as the binder keeps).
 */
function scaleInMemory(nodes: number, pods: number): void {
  const cache = new SchedulerCache();
  for (let i = 0; i < nodes; i++) cache.upsertNode(basicNode(i));
  const handle = { cache, getObject: () => undefined, ownerSelectors: () => [], bind: () => Promise.resolve(), waitingPods: new WaitingPods() };
  const profile = buildProfile(defaultSchedulerConfig().profiles[0]!, handle);
  const algo = new SchedulingAlgorithm({ cache, percentageOfNodesToScore: 0, techniques: ON, random: Math.random });
  const queue = new SchedulingQueue({ clock: realClock });
  for (let i = 0; i < pods; i++) queue.add(createPodInfo(basicPod(i)));
  const inflight: Array<{ info: ReturnType<typeof createPodInfo>; node: string }> = [];
  const at: number[] = [];
  const lat: number[] = [];
  const t0 = performance.now();
  for (let qp = queue.tryPop(); qp; qp = queue.tryPop()) {
    const t = performance.now();
    const r = algo.schedule(profile, qp.info);
    if (r.ok) {
      cache.addPod(qp.info, r.node, true);
      inflight.push({ info: qp.info, node: r.node });
      if (inflight.length > 64) {
        const b = inflight.shift()!;
        cache.addPod(b.info, b.node); // the informer sees the bound pod: it replaces the assumed one
      }
    }
    queue.done(qp.info.key);
    const now = performance.now();
    lat.push(now - t);
    if (r.ok) at.push(now);
  }
  queue.close();
  const s = (performance.now() - t0) / 1000;
  const tt = tenths(t0, at);
  console.log(`sched-bench workload=Scale/in-memory nodes=${nodes} pods=${pods} bound=${at.length} pods_per_s=${(at.length / s).toFixed(1)} p99_ms=${pct(lat, 99).toFixed(2)} first10_pods_per_s=${tt.first.toFixed(1)} last10_pods_per_s=${tt.last.toFixed(1)} last_vs_first=${(tt.last / tt.first).toFixed(2)} loadavg=${load()} heap_mb=${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)}`);
}

if (!only || only.includes('Scale/in-memory')) scaleInMemory(scale(5000), scale(150_000));

for (const w of workloads()) {
  if (only ? !only.includes(w.name) : w.scaleOnly && !withScale) continue;
  await runWorkload(w);
}
