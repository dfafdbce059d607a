// Permit with Wait against a real API server, through a gang-style (coscheduling) test plugin: a pod of
// gang G waits at Permit until minMember pods of G are reserved, then all of them bind; a gang that
// never fills times out, its room is freed, and the pods get FailedScheduling with upstream's message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from '../../test/support/server';
import { createClient, Resources, type Client } from '../client/index';
import { defaultSchedulerConfig, type SchedulerConfig } from './config';
import type { PermitPlugin, PluginFactory } from './framework';
import { runScheduler } from './run';
import type { Scheduler } from './scheduler';
import { makeNode, makePod, overcommitted, waitFor } from './testing';
import { wait, type Node, type Pod } from './types';
import type { WaitingPod } from './waiting-pods';

/** A coscheduling plugin in miniature: pods labelled gang=G wait until `minMember` of G are reserved. */
function gang(minMember: number, timeoutMs: number): PluginFactory {
  return (_args, h): PermitPlugin => ({
    name: 'Gang',
    permit(_state, pod) {
      const g = pod.labels.gang;
      if (g === undefined) return undefined;
      const peers: WaitingPod[] = [];
      h.waitingPods.iterate((wp) => {
        if (wp.pod.labels.gang === g && wp.pod.key !== pod.key) peers.push(wp);
      });
      if (peers.length + 1 < minMember) return wait(timeoutMs);
      for (const wp of peers) wp.allow('Gang');
      return undefined;
    },
  });
}

function configWithGang(): SchedulerConfig {
  const cfg = defaultSchedulerConfig();
  cfg.profiles[0]!.plugins = { permit: { enabled: [{ name: 'Gang' }] } };
  return cfg;
}

interface Env {
  client: Client;
  nodes: ReturnType<Client['resource']>;
  pods: ReturnType<Client['resource']>;
  sched: () => Scheduler;
  stop(): Promise<void>;
}

async function setup(minMember: number, timeoutMs: number): Promise<Env> {
  const srv = await startTestServer();
  const config = { server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token };
  const client = createClient(config);
  const ac = new AbortController();
  let s: Scheduler | undefined;
  const done = runScheduler({
    config, signal: ac.signal, leaderElect: false, schedulerConfig: configWithGang(), registry: { Gang: gang(minMember, timeoutMs) },
    onStarted: (x) => (s = x),
  });
  return {
    client, nodes: client.resource<Node>(Resources.nodes), pods: client.resource<Pod>(Resources.pods),
    sched: () => {
      if (!s) throw new Error('scheduler not started');
      return s;
    },
    async stop() {
      try {
        const [n, p] = await Promise.all([client.resource<Node>(Resources.nodes).list(undefined), client.resource<Pod>(Resources.pods).list(undefined)]);
        const bad = overcommitted(n.items, p.items);
        assert.deepEqual(bad, [], `invariant: no node over-committed; got ${bad.join('; ')}`);
      } finally {
        ac.abort();
        await done;
        client.close();
        await srv.stop();
      }
    },
  };
}

const nodeOf = async (env: Env, name: string): Promise<string | undefined> => ((await env.pods.get('default', name)) as Pod).spec?.nodeName || undefined;

test('gang: members wait at Permit without blocking other pods, and all bind once the gang is complete', async () => {
  const env = await setup(3, 60_000);
  try {
    await env.nodes.create(undefined, makeNode('n1', { cpu: '8' }));
    await env.pods.create('default', makePod('g1', { cpu: '1', labels: { gang: 'a' } }));
    await env.pods.create('default', makePod('g2', { cpu: '1', labels: { gang: 'a' } }));
    await waitFor('2 gang pods waiting at Permit', () => env.sched().waitingPods.size === 2);
    // The scheduling cycle is not blocked by the waiting pods: an ordinary pod binds meanwhile.
    await env.pods.create('default', makePod('solo', { cpu: '1' }));
    await waitFor('solo bound', () => nodeOf(env, 'solo'));
    for (const n of ['g1', 'g2']) {
      const got = await nodeOf(env, n);
      assert.equal(got, undefined, `${n} bound before the gang is complete: got ${got}, want unbound`);
    }
    // The waiting pods hold their room: the cache counts them on n1.
    const req = env.sched().cache.nodes.get('n1')?.requested.cpu;
    assert.equal(req, 3000, `n1 requested cpu (millicores) with 2 waiting + solo: got ${req}, want 3000`);
    await env.pods.create('default', makePod('g3', { cpu: '1', labels: { gang: 'a' } }));
    for (const n of ['g1', 'g2', 'g3']) {
      const got = await waitFor(`${n} bound`, () => nodeOf(env, n));
      assert.equal(got, 'n1', `${n}: got ${got}, want n1`);
    }
    assert.equal(env.sched().waitingPods.size, 0, `waiting pods: got ${env.sched().waitingPods.size}, want 0`);
  } finally {
    await env.stop();
  }
});

test('gang: an incomplete gang times out at Permit, frees its room, and reports the timeout', async () => {
  const env = await setup(3, 300);
  try {
    await env.nodes.create(undefined, makeNode('n1', { cpu: '2' }));
    await env.pods.create('default', makePod('g1', { cpu: '2', labels: { gang: 'b' } }));
    await waitFor('g1 waiting at Permit', () => env.sched().waitingPods.size === 1);
    // While g1 waits it holds n1's 2 cpus; once it times out its assumption is forgotten and the
    // room goes to this pod (whichever comes first, g1 never binds: its gang can never complete).
    await env.pods.create('default', makePod('filler', { cpu: '2' }));
    const got = await waitFor('filler bound', () => nodeOf(env, 'filler'));
    assert.equal(got, 'n1', `filler: got ${got}, want n1`);
    const want = 'rejected due to timeout after waiting 300ms at plugin Gang';
    const ev = await waitFor('FailedScheduling event for g1 with the timeout', async () => {
      const l = await env.client.resource(Resources.events).list('default');
      return (l.items as Array<{ reason?: string; message?: string; involvedObject?: { name?: string } }>).find((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'g1' && e.message === want);
    });
    assert.equal(ev.message, want, `event message: got ${ev.message}, want ${want}`);
    const g1 = await nodeOf(env, 'g1');
    assert.equal(g1, undefined, `g1: got bound to ${g1}, want unbound`);
  } finally {
    await env.stop();
  }
});

test('Permit rejection within the cycle: FailedScheduling over the one suggested node, room freed', async () => {
  const reject: PluginFactory = () => ({
    name: 'Gang',
    permit: (_s, pod) => (pod.labels.deny ? { code: 'Unschedulable', reasons: ['denied by test'] } : undefined),
  }) as PermitPlugin;
  const srv = await startTestServer();
  const config = { server: srv.url, ca: Buffer.from(srv.caPem), token: srv.token };
  const client = createClient(config);
  const ac = new AbortController();
  const done = runScheduler({ config, signal: ac.signal, leaderElect: false, schedulerConfig: configWithGang(), registry: { Gang: reject } });
  try {
    const pods = client.resource<Pod>(Resources.pods);
    await client.resource<Node>(Resources.nodes).create(undefined, makeNode('n1', { cpu: '2' }));
    await pods.create('default', makePod('denied', { cpu: '2', labels: { deny: 'yes' } }));
    const want = '0/1 nodes are available: 1 denied by test.';
    const msg = await waitFor('PodScheduled=False', async () => {
      const c = (await pods.get('default', 'denied')).status?.conditions?.find((x) => x.type === 'PodScheduled');
      return c?.status === 'False' ? c.message : undefined;
    });
    assert.equal(msg, want, `condition message: got ${msg}, want ${want}`);
    await pods.create('default', makePod('ok', { cpu: '2' }));
    const got = await waitFor('ok bound', async () => (await pods.get('default', 'ok')).spec?.nodeName);
    assert.equal(got, 'n1', `ok: got ${got}, want n1 (the rejected pod's assumption must be forgotten)`);
  } finally {
    ac.abort();
    await done;
    client.close();
    await srv.stop();
  }
});

test('preemption of a pod waiting at Permit rejects it there instead of deleting it', async () => {
  const env = await setup(3, 60_000);
  try {
    await env.nodes.create(undefined, makeNode('n1', { cpu: '2' }));
    await env.client.resource(Resources.priorityclasses).create(undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 } as never);
    await env.pods.create('default', makePod('g1', { cpu: '2', labels: { gang: 'c' } }));
    await waitFor('g1 waiting at Permit', () => env.sched().waitingPods.size === 1);
    await env.pods.create('default', makePod('boss', { cpu: '2', priorityClassName: 'high', priority: 1000 }));
    const got = await waitFor('boss bound', () => nodeOf(env, 'boss'));
    assert.equal(got, 'n1', `boss: got ${got}, want n1`);
    const g1 = (await env.pods.get('default', 'g1')) as Pod;
    assert.equal(g1.metadata?.deletionTimestamp, undefined, `g1: got deletionTimestamp ${g1.metadata?.deletionTimestamp}, want none (rejected at Permit, not deleted)`);
    assert.equal(g1.spec?.nodeName, undefined, `g1: got bound to ${g1.spec?.nodeName}, want unbound`);
    const ev = await waitFor('FailedScheduling "preempted" for g1', async () => {
      const l = await env.client.resource(Resources.events).list('default');
      return (l.items as Array<{ reason?: string; message?: string; involvedObject?: { name?: string } }>).find((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'g1' && e.message === 'preempted');
    });
    assert.equal(ev.message, 'preempted', `event: got ${ev.message}, want preempted`);
  } finally {
    await env.stop();
  }
});
