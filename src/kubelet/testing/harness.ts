// Test harness: a real in-process API server plus a kubelet on node `node-1` (127.0.0.1) with the process
// runtime, and helpers to create-and-bind pods and wait on their status.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createClient, Resources, type Client } from '../../client';
import { ensurePki } from '../../apiserver/auth/pki';
import { startTestServer, type TestServer } from '../../../test/support/server';
import { runKubelet, type KubeletHandle, type KubeletOptions } from '../kubelet';
import type { Pod } from '../types';

export interface Harness {
  server: TestServer;
  client: Client;
  dataDir: string;
  nodeName: string;
  kubelet: KubeletHandle;
  startKubelet(extra?: Partial<KubeletOptions>): Promise<KubeletHandle>;
  stopKubelet(): Promise<void>;
  createPod(pod: Omit<Pod, 'metadata'> & { metadata: { name: string; namespace?: string } }): Promise<Pod>;
  getPod(name: string, ns?: string): Promise<Pod | undefined>;
  waitPod(name: string, cond: (p: Pod) => boolean, what: string, limitMs?: number): Promise<Pod>;
  /** GET on the kubelet's HTTPS server with a client certificate signed by the cluster CA (or none). */
  kubeletGet(path: string, withCert?: boolean): Promise<{ code: number; body: string }>;
  /** Runs a command through the kubelet's /exec over WebSocket (v5.channel.k8s.io); returns stdout. */
  kubeletExec(ns: string, pod: string, container: string, command: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function waitUntil<T>(fn: () => Promise<T | undefined>, what: string, limitMs = 20_000): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - start > limitMs) throw new Error(`timed out after ${limitMs} ms waiting for: ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startHarness(extra: Partial<KubeletOptions> = {}): Promise<Harness> {
  const server = await startTestServer();
  const config = { server: server.url, ca: Buffer.from(server.caPem), token: server.token };
  const client = createClient(config);
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-kubelet-'));
  const pki = ensurePki(join(server.dir, 'tls'), ['127.0.0.1']);
  const clientCert = pki.issueClientCert({ commonName: 'berth-apiserver-kubelet-client', organizations: ['system:masters'] });
  const nodeName = 'node-1';
  let ac = new AbortController();
  let running: Promise<void> = Promise.resolve();
  const pods = client.resource<Pod>(Resources.pods);
  const h: Harness = {
    server, client, dataDir, nodeName, kubelet: undefined as unknown as KubeletHandle,
    async startKubelet(more = {}) {
      ac = new AbortController();
      let ready!: (k: KubeletHandle) => void;
      const p = new Promise<KubeletHandle>((r) => (ready = r));
      running = runKubelet({
        config, nodeName, nodeIP: '127.0.0.1', runtime: 'process', dataDir, clusterCaPem: server.caPem, kubeletPort: 0,
        signal: ac.signal, log: () => undefined, backoff: { initialMs: 1000, maxMs: 8000 }, ...extra, ...more, onReady: ready,
      });
      h.kubelet = await p;
      return h.kubelet;
    },
    async stopKubelet() {
      ac.abort();
      await running;
    },
    async createPod(pod) {
      const ns = pod.metadata.namespace ?? 'default';
      const created = await pods.create(ns, { apiVersion: 'v1', kind: 'Pod', ...pod, metadata: { ...pod.metadata, namespace: ns } } as Pod);
      await pods.createSubresource(ns, created.metadata.name, 'binding', {
        apiVersion: 'v1', kind: 'Binding', metadata: { name: created.metadata.name }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      });
      return created;
    },
    async getPod(name, ns = 'default') {
      try {
        return await pods.get(ns, name);
      } catch {
        return undefined;
      }
    },
    waitPod(name, cond, what, limitMs = 20_000) {
      let last: Pod | undefined;
      return waitUntil(async () => {
        last = await pods.get('default', name);
        return cond(last) ? last : undefined;
      }, `${name}: ${what}`, limitMs).catch((e: Error) => {
        throw new Error(`${e.message}\nlast status: ${JSON.stringify(last?.status, null, 1)}`);
      });
    },
    kubeletGet(path, withCert = true) {
      return new Promise((resolve, reject) => {
        const req = request({
          host: '127.0.0.1', port: h.kubelet.port, path, rejectUnauthorized: false,
          ...(withCert ? { cert: clientCert.certPem, key: clientCert.keyPem } : {}),
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end();
      });
    },
    kubeletExec(ns, pod, container, command) {
      const q = command.map((c) => `command=${encodeURIComponent(c)}`).join('&');
      const ws = new WebSocket(`wss://127.0.0.1:${h.kubelet.port}/exec/${ns}/${pod}/${container}?${q}&stdout=1&stderr=1`, ['v5.channel.k8s.io'], {
        cert: clientCert.certPem, key: clientCert.keyPem, rejectUnauthorized: false,
      });
      return new Promise((resolve, reject) => {
        let out = '';
        ws.on('message', (data: Buffer) => {
          if (data[0] === 1) out += data.subarray(1).toString('utf8');
        });
        ws.on('close', () => resolve(out));
        ws.on('error', reject);
      });
    },
    async close() {
      // remove every pod (the kubelet stops their containers), then stop
      for (const p of (await pods.list(undefined)).items) {
        await pods.delete(p.metadata.namespace, p.metadata.name, { gracePeriodSeconds: 0 }).catch(() => undefined);
      }
      await waitUntil(async () => ((await pods.list(undefined)).items.length === 0 ? true : undefined), 'every pod gone', 30_000).catch(() => undefined);
      await waitUntil(async () => ((await h.kubelet.runtime.listContainers({ state: 'running' })).length === 0 ? true : undefined), 'every container stopped', 15_000)
        .catch(() => undefined);
      // whatever the kubelet did not get to (e.g. its watch still backing off): stop it here
      for (const c of await h.kubelet.runtime.listContainers({ state: 'running' })) await h.kubelet.runtime.stopContainer(c.id, 1);
      for (const sb of await h.kubelet.runtime.listPodSandboxes()) await h.kubelet.runtime.removePodSandbox(sb.id);
      await h.stopKubelet();
      client.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await h.startKubelet();
  return h;
}
