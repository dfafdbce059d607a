import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isNotFound, Resources } from '../client';
import type { Pod } from './common/types';
import { nodeLifecycleControllerWith, type Lease, type Node } from './nodelifecycle/nodelifecycle';
import { UNREACHABLE } from './nodelifecycle/taints';
import { eventually, startHarness, type Harness } from './testing/harness';

// Short periods: 2.5 s grace, a monitor pass every 250 ms, 0.5 nodes/s (one NoExecute taint per 2 s per zone).
const QPS = 0.5;
let h: Harness;
before(async () => {
  h = await startHarness({ kubelet: false, registry: { nodelifecycle: nodeLifecycleControllerWith({ gracePeriodMs: 2500, monitorPeriodMs: 250, evictionLimiterQPS: QPS }) } });
});
after(async () => {
  await h.stop();
});

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const readyTrue = (): unknown => ({ conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok', lastHeartbeatTime: rfc3339(Date.now()) }] });

test('nodelifecycle (real API): 4 of 10 nodes lose their heartbeat → NoExecute taints arrive spread out, 1-s pods evicted, a returning node is untainted', async (t) => {
  const nodes = h.client.resource<Node>(Resources.nodes);
  const leases = h.client.resource<Lease>(Resources.leases);
  const pods = h.client.resource<Pod>(Resources.pods);
  const names = Array.from({ length: 10 }, (_, i) => `hb-${i}`);
  const killed = names.slice(0, 4);
  for (const name of names) {
    await nodes.create(undefined, { metadata: { name } });
    await nodes.patch(undefined, name, 'merge', { status: readyTrue() }, { subresource: 'status' });
    await leases.create('kube-node-lease', { metadata: { name }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date().toISOString() } } as Lease);
  }
  // Heartbeats: every alive node renews its Lease every 300 ms (microsecond renewTime, unlike lastHeartbeatTime).
  const alive = new Set(names);
  const ac = new AbortController();
  const beating = (async () => {
    while (!ac.signal.aborted) {
      for (const name of alive) {
        try {
          await leases.patch('kube-node-lease', name, 'merge', { spec: { renewTime: new Date().toISOString() } });
        } catch {
          // a conflict now and then is fine: the next round renews
        }
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  try {
    for (const node of killed) {
      await pods.create('default', { metadata: { name: `doomed-${node}` }, spec: { nodeName: node, tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }], containers: [{ name: 'c', image: 'i' }] } as never });
      await pods.create('default', { metadata: { name: `stays-${node}` }, spec: { nodeName: node, tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }], containers: [{ name: 'c', image: 'i' }] } as never });
    }
    for (const n of killed) alive.delete(n);

    const tainted = await eventually('all 4 silent nodes NoExecute-tainted', async () => {
      const list = (await nodes.list(undefined)).items.filter((n) => killed.includes(n.metadata?.name ?? ''));
      const got = list.map((n) => ({ name: n.metadata?.name ?? '', at: n.spec?.taints?.find((t) => t.key === UNREACHABLE && t.effect === 'NoExecute')?.timeAdded }));
      return got.every((g) => g.at) ? got : undefined;
    }, 40_000);
    const times = tainted.map((t) => Date.parse(t.at ?? '')).sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => (t - times[i]!) / 1000);
    t.diagnostic(`taint gaps (timeAdded, 1-s resolution): ${gaps.join(', ')} s`);
    // timeAdded has second resolution: a 2-s spacing shows as gaps of ≥ 1 s and a spread of ≥ 5 s.
    assert.ok(gaps.every((g) => g >= 1), `gaps between taints: got ${gaps.join(', ')} s, want each ≥ 1 s (${1 / QPS} s nominal)`);
    assert.ok(times[3]! - times[0]! >= 5000, `spread of the 4 taints: got ${(times[3]! - times[0]!) / 1000} s, want ≥ 5 s (not all at once)`);
    const live = (await nodes.list(undefined)).items.filter((n) => !killed.includes(n.metadata?.name ?? ''));
    assert.deepEqual(live.filter((n) => n.spec?.taints?.length).map((n) => n.metadata?.name), [], 'live nodes stay untainted');
    const silent = await nodes.get(undefined, killed[0]!);
    assert.equal(silent.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'Unknown', 'a silent node is Ready=Unknown');

    const first = [...tainted].sort((a, b) => Date.parse(a.at ?? '') - Date.parse(b.at ?? ''))[0]!.name;
    await eventually(`the 1-s pod on the first tainted node (${first}) evicted`, async () => {
      try {
        const p = await pods.get('default', `doomed-${first}`);
        return p.metadata.deletionTimestamp ? 'terminating' : undefined;
      } catch (e) {
        return isNotFound(e) ? 'gone' : undefined;
      }
    }, 15_000);

    // The node comes back: its kubelet renews the Lease and reports Ready=True again.
    alive.add(first);
    await nodes.patch(undefined, first, 'merge', { status: readyTrue() }, { subresource: 'status' });
    await eventually(`${first} untainted after it returned`, async () => {
      const n = await nodes.get(undefined, first);
      return (n.spec?.taints ?? []).length === 0 ? n : undefined;
    }, 15_000);
    const stays = await pods.get('default', `stays-${first}`);
    assert.equal(stays.metadata.deletionTimestamp, undefined, 'the pod tolerating unreachable forever is not disturbed');
  } finally {
    ac.abort();
    await beating;
  }
});
