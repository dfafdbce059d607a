// The scheduler against a real in-process API server: nodes are Node objects created through the API
// (no kubelet), pods are created through the API, and every test ends with the over-commit invariant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer, type TestServer } from '../../test/support/server';
import { createClient, Resources, type Client } from '../client/index';
import { explainPod } from './explain';
import { runScheduler, type RunSchedulerOptions } from './run';
import { makeNode, makePod, overcommitted, runFakeKubelets, waitFor } from './testing';
import type { Node, Pod } from './types';

interface Env {
  srv: TestServer;
  client: Client;
  nodes: ReturnType<Client['resource']>;
  pods: ReturnType<Client['resource']>;
  stop(): Promise<void>;
}

async function setup(extra: Partial<RunSchedulerOptions> = {}, kubelets = false): Promise<Env> {
  const srv = await startTestServer();
  const config = { server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token };
  const client = createClient(config);
  const ac = new AbortController();
  const logs: string[] = [];
  const done = runScheduler({ config, signal: ac.signal, leaderElect: false, log: (l, m) => logs.push(`${l} ${m}`), ...extra });
  const kl = kubelets ? runFakeKubelets(client, ac.signal) : Promise.resolve();
  return {
    srv, client, nodes: client.resource<Node>(Resources.nodes), pods: client.resource<Pod>(Resources.pods),
    async stop() {
      try {
        const [n, p] = await Promise.all([client.resource<Node>(Resources.nodes).list(undefined), client.resource<Pod>(Resources.pods).list(undefined)]);
        const bad = overcommitted(n.items, p.items);
        assert.deepEqual(bad, [], `invariant: no node over-committed; got ${bad.join('; ')}`);
      } finally {
        ac.abort();
        await done;
        await kl;
        client.close();
        await srv.stop();
      }
    },
  };
}

const nodeOf = async (env: Env, name: string): Promise<string | undefined> => ((await env.pods.get('default', name)) as Pod).spec?.nodeName || undefined;

test('binds a pod to the only node that fits, via pods/binding', async () => {
  const env = await setup();
  try {
    await env.nodes.create(undefined, makeNode('small', { cpu: '1' }));
    await env.nodes.create(undefined, makeNode('big', { cpu: '8' }));
    await env.pods.create('default', makePod('p1', { cpu: '2' }));
    const got = await waitFor('p1 bound', () => nodeOf(env, 'p1'));
    assert.equal(got, 'big', `node: got ${got}, want big`);
    const pod = (await env.pods.get('default', 'p1')) as Pod;
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'True', `PodScheduled: got ${JSON.stringify(cond)}, want True`);
  } finally {
    await env.stop();
  }
});

test('unschedulable pod gets FailedScheduling + PodScheduled=False, then is re-queued when a node is added', async () => {
  const env = await setup();
  try {
    await env.nodes.create(undefined, makeNode('n1', { cpu: '1' }));
    await env.nodes.create(undefined, makeNode('n2', { cpu: '1', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }));
    await env.pods.create('default', makePod('big', { cpu: '3' }));
    const msg = await waitFor('PodScheduled=False', async () => {
      const p = (await env.pods.get('default', 'big')) as Pod;
      const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
      return c?.status === 'False' && c.reason === 'Unschedulable' ? c.message : undefined;
    });
    const want = '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.';
    assert.equal(msg, want, `condition message: got ${msg}, want ${want}`);
    const ev = await waitFor('FailedScheduling event', async () => {
      const l = await env.client.resource(Resources.events).list('default');
      return (l.items as Array<{ reason?: string; type?: string; message?: string; involvedObject?: { name?: string } }>).find((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'big');
    });
    assert.equal(ev.type, 'Warning', `event type: got ${ev.type}, want Warning`);
    assert.equal(ev.message, want, `event message: got ${ev.message}`);
    await env.nodes.create(undefined, makeNode('n3', { cpu: '4' }));
    const got = await waitFor('big bound after node added', () => nodeOf(env, 'big'));
    assert.equal(got, 'n3', `node: got ${got}, want n3`);
  } finally {
    await env.stop();
  }
});

test('spreads pods across zones with a hard topology spread constraint', async () => {
  const env = await setup();
  try {
    for (const [n, z] of [['a1', 'a'], ['a2', 'a'], ['b1', 'b'], ['c1', 'c']]) await env.nodes.create(undefined, makeNode(n!, { labels: { 'topology.kubernetes.io/zone': z! } }));
    const tsc = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }];
    for (let i = 0; i < 6; i++) await env.pods.create('default', makePod(`web-${i}`, { cpu: '100m', labels: { app: 'web' }, topologySpreadConstraints: tsc }));
    const zoneOf: Record<string, string> = { a1: 'a', a2: 'a', b1: 'b', c1: 'c' };
    const nodes = await waitFor('all web bound', async () => {
      const l = await env.pods.list('default');
      const ns = (l.items as Pod[]).map((p) => p.spec?.nodeName);
      return ns.every(Boolean) && ns.length === 6 ? (ns as string[]) : undefined;
    });
    const perZone: Record<string, number> = {};
    for (const n of nodes) perZone[zoneOf[n]!] = (perZone[zoneOf[n]!] ?? 0) + 1;
    assert.deepEqual(perZone, { a: 2, b: 2, c: 2 }, `pods per zone: got ${JSON.stringify(perZone)}, want 2 each`);
  } finally {
    await env.stop();
  }
});

test('required anti-affinity puts each replica on its own node and leaves the extra one pending', async () => {
  const env = await setup();
  try {
    for (const n of ['n1', 'n2', 'n3']) await env.nodes.create(undefined, makeNode(n));
    const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    for (let i = 0; i < 4; i++) await env.pods.create('default', makePod(`db-${i}`, { labels: { app: 'db' }, affinity }));
    await waitFor('3 bound, 1 unschedulable', async () => {
      const l = (await env.pods.list('default')).items as Pod[];
      const bound = l.filter((p) => p.spec?.nodeName);
      const failed = l.filter((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
      return bound.length === 3 && failed.length === 1 ? true : undefined;
    });
    const l = (await env.pods.list('default')).items as Pod[];
    const used = new Set(l.map((p) => p.spec?.nodeName).filter(Boolean));
    assert.equal(used.size, 3, `distinct nodes: got ${used.size}, want 3`);
    const pending = l.find((p) => !p.spec?.nodeName)!;
    const msg = pending.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '';
    assert.match(msg, /^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\./, `message: got ${msg}`);
  } finally {
    await env.stop();
  }
});

test('taints repel pods without tolerations; tolerating pods may land there', async () => {
  const env = await setup();
  try {
    await env.nodes.create(undefined, makeNode('tainted', { cpu: '16', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));
    await env.nodes.create(undefined, makeNode('plain', { cpu: '1' }));
    await env.pods.create('default', makePod('plain-pod', { cpu: '500m' }));
    await env.pods.create('default', makePod('gpu-pod', { cpu: '2', tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }));
    assert.equal(await waitFor('plain-pod', () => nodeOf(env, 'plain-pod')), 'plain', 'plain-pod must avoid the tainted node');
    assert.equal(await waitFor('gpu-pod', () => nodeOf(env, 'gpu-pod')), 'tainted', 'gpu-pod tolerates the taint and only fits there');
  } finally {
    await env.stop();
  }
});

test('a high-priority pod preempts a lower-priority one and binds when room appears', async () => {
  const env = await setup({}, true);
  try {
    await env.nodes.create(undefined, makeNode('only', { cpu: '2' }));
    await env.client.resource(Resources.priorityclasses).create(undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 } as never);
    await env.pods.create('default', makePod('low', { cpu: '1500m' }));
    await waitFor('low bound', () => nodeOf(env, 'low'));
    // spec.priority is sent too: the API server's defaulting currently sets priority 0 before priority
    // admission resolves the class, which would reject a pod naming only the class.
    await env.pods.create('default', makePod('high', { cpu: '1500m', priorityClassName: 'high', priority: 1000 }));
    const got = await waitFor('high bound', () => nodeOf(env, 'high'));
    assert.equal(got, 'only', `high: got ${got}, want only`);
    await waitFor('low gone', async () => {
      try {
        await env.pods.get('default', 'low');
        return undefined;
      } catch {
        return true;
      }
    });
  } finally {
    await env.stop();
  }
});

test('bad input: missing node name, impossible affinity, oversized requests never stall the queue', async () => {
  const env = await setup();
  try {
    await env.nodes.create(undefined, makeNode('n1'));
    await env.pods.create('default', makePod('on-ghost', { cpu: '100m', nodeName: 'ghost' })); // names a node that does not exist
    await env.pods.create('default', makePod('huge', { cpu: '1000' }));
    await env.pods.create('default', makePod('nowhere', { nodeSelector: { 'no-such': 'label' } }));
    await env.pods.create('default', makePod('impossible', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { x: 'y' } }, topologyKey: 'no-such-key' }] } } }));
    await env.pods.create('default', makePod('fine', { cpu: '100m' }));
    assert.equal(await waitFor('fine bound', () => nodeOf(env, 'fine')), 'n1', 'a schedulable pod behind bad ones still binds');
    for (const n of ['huge', 'nowhere', 'impossible']) {
      await waitFor(`${n} unschedulable`, async () => ((await env.pods.get('default', n)) as Pod).status?.conditions?.some((c) => c.reason === 'Unschedulable'));
    }
  } finally {
    await env.stop();
  }
});

test('pods naming another scheduler are left alone; leader election takes the lease', async () => {
  const env = await setup({ leaderElect: true });
  try {
    await env.nodes.create(undefined, makeNode('n1'));
    await env.pods.create('default', makePod('other', { schedulerName: 'someone-else' }));
    await env.pods.create('default', makePod('mine'));
    await waitFor('mine bound', () => nodeOf(env, 'mine'));
    assert.equal(await nodeOf(env, 'other'), undefined, 'a pod for another scheduler must stay unbound');
    const lease = (await env.client.resource(Resources.leases).get('kube-system', 'kube-scheduler')) as { spec?: { holderIdentity?: string } };
    assert.ok(lease.spec?.holderIdentity, `lease holder: got ${JSON.stringify(lease.spec)}`);
  } finally {
    await env.stop();
  }
});

test('profiles by schedulerName from a config file; explainPod reports rejections and scores', async () => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'sched-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packer
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: MostAllocated}}
  plugins:
    score:
      disabled: [{name: NodeResourcesBalancedAllocation}]
`);
  const env = await setup({ schedulerConfig: path });
  try {
    await env.nodes.create(undefined, makeNode('busy', { cpu: '4' }));
    await env.nodes.create(undefined, makeNode('idle', { cpu: '4' }));
    await env.nodes.create(undefined, makeNode('tainted', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }));
    await env.pods.create('default', makePod('filler', { cpu: '2', nodeName: 'busy' }));
    await env.pods.create('default', makePod('packed', { cpu: '1', schedulerName: 'bin-packer' }));
    await env.pods.create('default', makePod('spread', { cpu: '1' }));
    assert.equal(await waitFor('packed', () => nodeOf(env, 'packed')), 'busy', 'MostAllocated profile packs onto the busy node');
    assert.equal(await waitFor('spread', () => nodeOf(env, 'spread')), 'idle', 'the default profile spreads to the idle node');
    await env.pods.create('default', makePod('question', { cpu: '3' }));
    await waitFor('question bound', () => nodeOf(env, 'question'));
    const report = await explainPod(env.client, 'default', 'question');
    assert.match(report, /tainted\s+rejected\s+TaintToleration: node\(s\) had untolerated taint \{k: v\} \(preemption cannot help\)/, `report:\n${report}`);
    assert.match(report, /busy\s+rejected\s+NodeResourcesFit: Insufficient cpu/, `report:\n${report}`);
    assert.match(report, /NodeResourcesFit \d+/, `score breakdown in report:\n${report}`);
  } finally {
    await env.stop();
  }
});

test('explain pod: when no node fits, a preemption dry run says whom it would evict (nothing is deleted)', async () => {
  const srv = await startTestServer();
  const client = createClient({ server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token });
  try {
    const pods = client.resource<Pod>(Resources.pods);
    await client.resource<Node>(Resources.nodes).create(undefined, makeNode('only', { cpu: '2' }));
    await client.resource(Resources.priorityclasses).create(undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 } as never);
    await pods.create('default', makePod('low', { cpu: '1500m', nodeName: 'only' }));
    await pods.create('default', makePod('high', { cpu: '1500m', priorityClassName: 'high', priority: 1000 }));
    await client.resource(Resources.priorityclasses).create(undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high-polite' }, value: 1000, preemptionPolicy: 'Never' } as never);
    await pods.create('default', makePod('polite', { cpu: '1500m', priorityClassName: 'high-polite', priority: 1000 }));
    const cases = [
      { pod: 'high', want: /Preemption \(DefaultPreemption\) would nominate node only, evicting default\/low\./ },
      { pod: 'polite', want: /Preemption \(DefaultPreemption\): not eligible due to preemptionPolicy=Never\./ },
    ];
    for (const c of cases) {
      const report = await explainPod(client, 'default', c.pod);
      assert.match(report, c.want, `${c.pod}: report:\n${report}`);
    }
    const low = await pods.get('default', 'low');
    assert.equal(low.metadata?.deletionTimestamp, undefined, `low: got deletionTimestamp ${low.metadata?.deletionTimestamp}, want none (dry run)`);
  } finally {
    client.close();
    await srv.stop();
  }
});
