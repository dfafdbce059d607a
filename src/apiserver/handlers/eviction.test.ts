// pods/eviction: the pure budget rules, and the subresource against a real in-process API server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, ApiError, Resources, type Client, type KubeObject } from '../../client';
import { startTestServer, type TestServer } from '../../../test/support/server';
import { canIgnoreBudget, decrementBudget, matchingBudgets, MULTIPLE_PDBS_MESSAGE, PDB_VIOLATION_MESSAGE } from './eviction';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('eviction rules', () => {
  it('matchingBudgets', () => {
    const pod = { metadata: { name: 'p', labels: { app: 'a', tier: 'web' } } };
    const cases: Array<{ name: string; selector: unknown; want: boolean }> = [
      { name: 'matchLabels subset matches', selector: { matchLabels: { app: 'a' } }, want: true },
      { name: 'other value does not match', selector: { matchLabels: { app: 'b' } }, want: false },
      { name: 'empty selector matches nothing', selector: {}, want: false },
      { name: 'missing selector matches nothing', selector: undefined, want: false },
      { name: 'matchExpressions In', selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'db'] }] }, want: true },
      { name: 'invalid operator matches nothing', selector: { matchExpressions: [{ key: 'tier', operator: 'Bogus', values: ['web'] }] }, want: false },
    ];
    for (const c of cases) {
      const got = matchingBudgets(pod, [{ metadata: { name: 'b' }, spec: { selector: c.selector } }]).length === 1;
      assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
    }
  });

  it('canIgnoreBudget', () => {
    const cases: Array<{ name: string; pod: Record<string, unknown>; want: boolean }> = [
      { name: 'Running', pod: { metadata: {}, status: { phase: 'Running' } }, want: false },
      { name: 'Pending', pod: { metadata: {}, status: { phase: 'Pending' } }, want: true },
      { name: 'Succeeded', pod: { metadata: {}, status: { phase: 'Succeeded' } }, want: true },
      { name: 'Failed', pod: { metadata: {}, status: { phase: 'Failed' } }, want: true },
      { name: 'Running but deleting', pod: { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } }, want: true },
    ];
    for (const c of cases) assert.equal(canIgnoreBudget(c.pod), c.want, `${c.name}: got ${!c.want}, want ${c.want}`);
  });

  it('decrementBudget', () => {
    const pdb = (status: Record<string, unknown>, generation = 1) => ({ metadata: { name: 'b', generation }, spec: {}, status: { observedGeneration: 1, ...status } });
    const cases: Array<{ name: string; pdb: Record<string, unknown>; wantCode?: number; wantCause?: RegExp; wantAllowed?: number }> = [
      { name: 'allowed 2 → 1', pdb: pdb({ disruptionsAllowed: 2 }), wantAllowed: 1 },
      { name: 'allowed 1 → 0', pdb: pdb({ disruptionsAllowed: 1 }), wantAllowed: 0 },
      { name: 'allowed 0 → 429', pdb: pdb({ disruptionsAllowed: 0, desiredHealthy: 2, currentHealthy: 2 }), wantCode: 429, wantCause: /needs 2 healthy pods and has 2 currently/ },
      { name: 'not yet observed → 429', pdb: pdb({ disruptionsAllowed: 3 }, 2), wantCode: 429, wantCause: /still being processed/ },
      { name: 'negative → 403', pdb: pdb({ disruptionsAllowed: -1 }), wantCode: 403 },
    ];
    for (const c of cases) {
      try {
        const out = decrementBudget(c.pdb, 'p1', NOW);
        const st = out.status as { disruptionsAllowed: number; disruptedPods: Record<string, string>; conditions?: Array<{ type: string; status: string }> };
        assert.equal(c.wantCode, undefined, `${c.name}: got success, want ${c.wantCode}`);
        assert.equal(st.disruptionsAllowed, c.wantAllowed, `${c.name}: disruptionsAllowed got ${st.disruptionsAllowed}, want ${c.wantAllowed}`);
        assert.equal(st.disruptedPods.p1, '2026-01-01T00:00:00Z', `${c.name}: disruptedPods got ${JSON.stringify(st.disruptedPods)}`);
        if (c.wantAllowed === 0) assert.equal(st.conditions?.find((x) => x.type === 'DisruptionAllowed')?.status, 'False', `${c.name}: DisruptionAllowed condition got ${JSON.stringify(st.conditions)}`);
      } catch (e) {
        if (c.wantCode === undefined) throw e;
        const err = e as { code: number; details?: { causes?: Array<{ reason?: string; message?: string }> }; message: string };
        assert.equal(err.code, c.wantCode, `${c.name}: code got ${err.code}, want ${c.wantCode}`);
        if (c.wantCode === 429) {
          assert.equal(err.message, PDB_VIOLATION_MESSAGE, `${c.name}: message got ${err.message}`);
          const cause = err.details?.causes?.[0];
          assert.equal(cause?.reason, 'DisruptionBudget', `${c.name}: cause reason got ${cause?.reason}`);
          assert.match(cause?.message ?? '', c.wantCause!, `${c.name}: cause message got ${cause?.message}`);
        }
      }
    }
  });
});

interface Pod extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { phase?: string; conditions?: Array<{ type: string; status: string; reason?: string }> };
}
interface Pdb extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { disruptionsAllowed?: number; disruptedPods?: Record<string, string>; currentHealthy?: number; desiredHealthy?: number; observedGeneration?: number; expectedPods?: number };
}

describe('pods/eviction against the API server', () => {
  let srv: TestServer;
  let client: Client;
  const ns = 'default';
  before(async () => {
    srv = await startTestServer();
    client = createClient({ server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token });
  });
  after(async () => {
    client.close();
    await srv.stop();
  });

  const pods = () => client.resource<Pod>(Resources.pods);
  const pdbs = () => client.resource<Pdb>(Resources.poddisruptionbudgets);

  async function pod(name: string, labels: Record<string, string>, phase: string, ready: boolean): Promise<Pod> {
    await pods().create(ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
    const cur = await pods().get(ns, name);
    cur.status = { ...cur.status, phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
    return pods().updateStatus(ns, cur);
  }

  async function pdb(name: string, app: string, status: Pdb['status']): Promise<void> {
    await pdbs().create(ns, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 1, selector: { matchLabels: { app } } } });
    const cur = await pdbs().get(ns, name);
    cur.status = { observedGeneration: 1, disruptedPods: {}, expectedPods: 2, ...status };
    await pdbs().updateStatus(ns, cur);
  }

  async function evict(name: string, extra: Record<string, unknown> = {}, query = ''): Promise<{ code: number; body: Record<string, unknown> }> {
    try {
      const body = await client.request<Record<string, unknown>>('POST', `/api/v1/namespaces/${ns}/pods/${name}/eviction${query}`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns }, ...extra });
      return { code: Number(body.code), body };
    } catch (e) {
      if (e instanceof ApiError) return { code: e.code, body: e.status as Record<string, unknown> };
      throw e;
    }
  }

  const deleting = async (name: string): Promise<boolean> => {
    try {
      return !!(await pods().get(ns, name)).metadata?.deletionTimestamp;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return true;
      throw e;
    }
  };

  it('no budget: 201 Success, DisruptionTarget condition, graceful deletion', async () => {
    await pod('free', { app: 'free' }, 'Running', true);
    const r = await evict('free');
    assert.equal(r.code, 201, `code got ${r.code} (${JSON.stringify(r.body)}), want 201`);
    assert.equal(r.body.status, 'Success', `status got ${String(r.body.status)}`);
    const p = await pods().get(ns, 'free');
    assert.ok(p.metadata?.deletionTimestamp, 'deletionTimestamp got unset, want set');
    const dt = p.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.equal(dt?.reason, 'EvictionByEvictionAPI', `DisruptionTarget got ${JSON.stringify(dt)}`);
  });

  it('budget exhausted: 429 with the DisruptionBudget cause, pod untouched', async () => {
    await pod('g1', { app: 'guarded' }, 'Running', true);
    await pdb('guarded', 'guarded', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 });
    const r = await evict('g1');
    assert.equal(r.code, 429, `code got ${r.code} (${JSON.stringify(r.body)}), want 429`);
    assert.equal(r.body.message, PDB_VIOLATION_MESSAGE, `message got ${String(r.body.message)}`);
    const causes = (r.body.details as { causes?: Array<{ reason: string }> } | undefined)?.causes;
    assert.equal(causes?.[0]?.reason, 'DisruptionBudget', `causes got ${JSON.stringify(causes)}`);
    assert.equal(await deleting('g1'), false, 'pod got deleted, want kept');
  });

  it('Pending pods ignore the budget', async () => {
    await pod('g2', { app: 'guarded' }, 'Pending', false);
    const r = await evict('g2');
    assert.equal(r.code, 201, `code got ${r.code} (${JSON.stringify(r.body)}), want 201`);
    assert.equal(await deleting('g2'), true, 'pod kept, want deleted');
  });

  it('budget allows: disruptionsAllowed decremented, disruptedPods recorded', async () => {
    await pod('a1', { app: 'allow' }, 'Running', true);
    await pdb('allow', 'allow', { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1 });
    const r = await evict('a1');
    assert.equal(r.code, 201, `code got ${r.code} (${JSON.stringify(r.body)}), want 201`);
    const b = await pdbs().get(ns, 'allow');
    assert.equal(b.status?.disruptionsAllowed, 0, `disruptionsAllowed got ${b.status?.disruptionsAllowed}, want 0`);
    assert.ok(b.status?.disruptedPods?.a1, `disruptedPods got ${JSON.stringify(b.status?.disruptedPods)}, want a1`);
    assert.equal(await deleting('a1'), true, 'pod kept, want deleted');
  });

  it('an unready pod is evicted without spending the budget when the budget is met', async () => {
    await pod('u1', { app: 'unready' }, 'Running', false);
    await pdb('unready', 'unready', { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 });
    const r = await evict('u1');
    assert.equal(r.code, 201, `code got ${r.code} (${JSON.stringify(r.body)}), want 201`);
    const b = await pdbs().get(ns, 'unready');
    assert.equal(Object.keys(b.status?.disruptedPods ?? {}).length, 0, `disruptedPods got ${JSON.stringify(b.status?.disruptedPods)}, want none`);
  });

  it('unready pods and unhealthyPodEvictionPolicy', async () => {
    const cases: Array<{ name: string; app: string; policy?: string; status: Pdb['status']; want: number }> = [
      { name: 'IfHealthyBudget (default), budget not met: 429', app: 'unmet', status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 }, want: 429 },
      { name: 'AlwaysAllow, budget not met: evicted', app: 'always', policy: 'AlwaysAllow', status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 }, want: 201 },
    ];
    for (const c of cases) {
      await pod(`${c.app}-1`, { app: c.app }, 'Running', false);
      await pdbs().create(ns, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: c.app }, spec: { minAvailable: 2, selector: { matchLabels: { app: c.app } }, ...(c.policy ? { unhealthyPodEvictionPolicy: c.policy } : {}) } });
      const cur = await pdbs().get(ns, c.app);
      cur.status = { observedGeneration: 1, disruptedPods: {}, ...c.status };
      await pdbs().updateStatus(ns, cur);
      const r = await evict(`${c.app}-1`);
      assert.equal(r.code, c.want, `${c.name}: code got ${r.code} (${JSON.stringify(r.body)}), want ${c.want}`);
      assert.equal(await deleting(`${c.app}-1`), c.want === 201, `${c.name}: deleted got ${!(c.want === 201)}, want ${c.want === 201}`);
    }
  });

  it('two budgets: 500 with upstream message', async () => {
    await pod('m1', { app: 'multi' }, 'Running', true);
    await pdb('multi-a', 'multi', { disruptionsAllowed: 1 });
    await pdb('multi-b', 'multi', { disruptionsAllowed: 1 });
    const r = await evict('m1');
    assert.equal(r.code, 500, `code got ${r.code}, want 500`);
    assert.equal(r.body.message, MULTIPLE_PDBS_MESSAGE, `message got ${String(r.body.message)}`);
  });

  it('dryRun changes nothing', async () => {
    await pod('d1', { app: 'dry' }, 'Running', true);
    await pdb('dry', 'dry', { disruptionsAllowed: 1 });
    const r = await evict('d1', { deleteOptions: { dryRun: ['All'] } });
    assert.equal(r.code, 201, `code got ${r.code} (${JSON.stringify(r.body)}), want 201`);
    assert.equal(await deleting('d1'), false, 'pod deleted, want kept');
    assert.equal((await pdbs().get(ns, 'dry')).status?.disruptionsAllowed, 1, 'budget spent by a dry run');
  });

  it('bad requests', async () => {
    await pod('b1', { app: 'bad' }, 'Running', true);
    const cases: Array<{ name: string; pod: string; extra: Record<string, unknown>; want: number }> = [
      { name: 'name mismatch', pod: 'b1', extra: { metadata: { name: 'other' } }, want: 400 },
      { name: 'uid precondition fails', pod: 'b1', extra: { deleteOptions: { preconditions: { uid: 'nope' } } }, want: 409 },
      { name: 'unknown pod', pod: 'ghost', extra: {}, want: 404 },
    ];
    for (const c of cases) {
      const r = await evict(c.pod, c.extra);
      assert.equal(r.code, c.want, `${c.name}: code got ${r.code} (${JSON.stringify(r.body)}), want ${c.want}`);
    }
    assert.equal(await deleting('b1'), false, 'pod deleted by a refused eviction');
  });
});
