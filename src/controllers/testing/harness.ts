// Integration-test harness: a real in-process API server, the controller manager, and a tiny fake
// kubelet that marks pods Running/Ready through the status subresource (there is no real kubelet yet).
import { createClient, Resources, type Client, type Clock, type KubeObject } from '../../client';
import { startTestServer, type TestServer } from '../../../test/support/server';
import { runControllers, type ControllerFactory } from '../index';
import type { Pod } from '../common/types';

export interface Harness {
  server: TestServer;
  client: Client;
  /** Pods the fake kubelet will not mark ready (by name prefix). */
  holdReady: Set<string>;
  /** Stops the controller manager (the API server and fake kubelet keep running); `start` runs a fresh one. */
  stopControllers(): Promise<void>;
  startControllers(): Promise<void>;
  stop(): Promise<void>;
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export async function startHarness(opts: { controllers?: string[]; kubelet?: boolean; registry?: Record<string, ControllerFactory>; clock?: Clock } = {}): Promise<Harness> {
  const server = await startTestServer();
  const config = { server: server.url, ca: Buffer.from(server.caPem), token: server.token };
  const client = createClient(config);
  const ac = new AbortController();
  const errors: string[] = [];
  let cm: { ac: AbortController; done: Promise<void> } | undefined;
  const startControllers = async (): Promise<void> => {
    const cac = new AbortController();
    let ready!: () => void;
    const synced = new Promise<void>((r) => (ready = r));
    const done = runControllers({ config, signal: cac.signal, leaderElect: false, controllers: opts.controllers, registry: opts.registry, clock: opts.clock, onReady: ready, log: (l, m) => { if (l === 'error') errors.push(m); } });
    cm = { ac: cac, done };
    await synced;
  };
  const stopControllers = async (): Promise<void> => {
    const c = cm;
    cm = undefined;
    c?.ac.abort();
    await c?.done;
  };
  await startControllers();
  const holdReady = new Set<string>();
  const kubelet = opts.kubelet === false ? Promise.resolve() : runFakeKubelet(client, ac.signal, holdReady);
  return {
    server, client, holdReady, startControllers, stopControllers,
    async stop() {
      ac.abort();
      await stopControllers();
      await kubelet;
      client.close();
      await server.stop();
    },
  };
}

let ipSeq = 1;

/** Marks every pod Running and Ready (with a podIP) shortly after it appears. */
async function runFakeKubelet(client: Client, signal: AbortSignal, hold: Set<string>): Promise<void> {
  const pods = client.resource<Pod>(Resources.pods);
  const markReady = async (p: Pod): Promise<void> => {
    if (p.metadata.deletionTimestamp || p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
    if ([...hold].some((h) => p.metadata.name?.startsWith(h))) return;
    const now = rfc3339(Date.now());
    const ip = `10.0.${Math.floor(ipSeq / 250)}.${(ipSeq++ % 250) + 1}`;
    try {
      await pods.patch(p.metadata.namespace, p.metadata.name ?? '', 'merge', {
        status: {
          phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: now,
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }, { type: 'ContainersReady', status: 'True', lastTransitionTime: now }],
        },
      }, { subresource: 'status' });
    } catch {
      // deleted meanwhile
    }
  };
  let rv: string | undefined;
  while (!signal.aborted) {
    try {
      if (!rv) {
        const list = await pods.list(undefined);
        rv = list.metadata.resourceVersion;
        for (const p of list.items) await markReady(p);
      }
      for await (const ev of pods.watch(undefined, { resourceVersion: rv, allowWatchBookmarks: true }, signal)) {
        if (ev.type === 'ERROR') {
          rv = undefined;
          break;
        }
        rv = (ev.object as KubeObject).metadata?.resourceVersion ?? rv;
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') void markReady(ev.object);
      }
    } catch {
      rv = undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Polls until fn returns a truthy value (or throws after limitMs with the last value described). */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, limitMs = 20_000): Promise<T> {
  const end = Date.now() + limitMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Retries a write answered 409 Conflict. The API server currently answers 409 to a PATCH without
 * metadata.resourceVersion that races another write (upstream retries such patches itself).
 */
export async function retryConflict<T>(fn: () => Promise<T>, attempts = 10): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if ((e as { code?: number }).code !== 409 || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
