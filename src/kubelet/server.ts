// The kubelet's HTTPS server (pkg/kubelet/server/server.go) as the API server ⇄ kubelet contract wants it:
// client certificates signed by the cluster CA only (everything else 401), and
//   GET /healthz, GET /pods, GET /stats/summary,
//   GET /containerLogs/{ns}/{pod}/{container}?follow&previous&tailLines&timestamps&sinceSeconds&sinceTime&limitBytes
//   GET|POST /exec|/attach/{ns}/{pod}/{container}, /portForward/{ns}/{pod} (WebSocket/SPDY upgrades → ./streaming)
// Errors are Kubernetes Status objects.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { connect } from 'node:net';
import { join } from 'node:path';
import { handleAttachUpgrade, handleExecUpgrade, handlePortForwardUpgrade } from './streaming';
import { followLogs, readLogs, type ContainerRuntime, type ReadLogsOptions } from './runtime';
import { summary } from './stats';
import type { ContainerStatus, LogFn, Pod } from './types';

export interface KubeletServerOptions {
  host: string;
  port: number;
  dataDir: string;
  clusterCaPem: string;
  runtime: ContainerRuntime;
  log: LogFn;
  /** The pod by namespace and name (the mirror name for static pods), as the kubelet runs it. */
  findPod(namespace: string, name: string): Pod | undefined;
  /** Every pod the kubelet runs, with its latest status. */
  pods(): Pod[];
  signal: AbortSignal;
}

export interface KubeletServer {
  port: number;
  close(): Promise<void>;
}

/** A self-signed serving certificate under <dataDir>/pki (made once with openssl). */
export function servingCert(dataDir: string, host: string): { cert: string; key: string } {
  const dir = join(dataDir, 'pki');
  const certPath = join(dir, 'kubelet.crt');
  const keyPath = join(dir, 'kubelet.key');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const san = /^[\d.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`;
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '3650',
      '-subj', `/CN=${host}@kubelet`, '-addext', `subjectAltName=${san},DNS:localhost`,
      '-keyout', keyPath, '-out', certPath,
    ], { stdio: 'pipe' });
  }
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

const REASONS: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 404: 'NotFound', 405: 'MethodNotAllowed', 501: 'NotImplemented' };

class HttpError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** Which container (runtime id) `kubectl logs` means, with upstream's messages (validateContainerLogStatus). */
export function logContainerId(pod: Pod, container: string, previous: boolean): string {
  const podName = pod.metadata.name;
  const all: ContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const cs = all.find((c) => c.name === container);
  if (!cs) throw new HttpError(400, `container "${container}" in pod "${podName}" is not available`);
  const { state, lastState } = cs;
  let id: string | undefined;
  if (previous) {
    id = lastState?.terminated?.containerID;
    if (!id) throw new HttpError(400, `previous terminated container "${container}" in pod "${podName}" not found`);
  } else if (state.running) id = cs.containerID;
  else if (state.terminated) {
    id = state.terminated.containerID ?? cs.containerID;
    if (!id) throw new HttpError(400, `container "${container}" in pod "${podName}" is terminated`);
  } else if (lastState?.terminated) id = lastState.terminated.containerID;
  else if (state.waiting) throw new HttpError(400, `container "${container}" in pod "${podName}" is waiting to start: ${state.waiting.reason ?? ''}`);
  else throw new HttpError(400, `container "${container}" in pod "${podName}" is waiting to start - no logs yet`);
  if (!id) throw new HttpError(400, `container "${container}" in pod "${podName}" is not available`);
  return id.replace(/^[a-z]+:\/\//, '');
}

function logOptions(q: URLSearchParams, now: number): ReadLogsOptions {
  const num = (k: string): number | undefined => {
    const v = q.get(k);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `invalid ${k}: ${JSON.stringify(v)}`);
    return n;
  };
  const o: ReadLogsOptions = {};
  const tail = num('tailLines');
  if (tail !== undefined) o.tailLines = tail;
  const limit = num('limitBytes');
  if (limit !== undefined) o.limitBytes = limit;
  const since = num('sinceSeconds');
  if (since !== undefined) o.sinceTime = new Date(now - since * 1000);
  const sinceTime = q.get('sinceTime');
  if (sinceTime) o.sinceTime = sinceTime;
  if (q.get('timestamps') === 'true' || q.get('timestamps') === '1') o.timestamps = true;
  return o;
}

const truthy = (v: string | null): boolean => v === 'true' || v === '1';

async function containerLogs(o: KubeletServerOptions, req: IncomingMessage, res: ServerResponse, parts: string[], q: URLSearchParams): Promise<void> {
  const [ns, podName, container] = parts;
  if (!ns || !podName || !container) throw new HttpError(400, 'path must be /containerLogs/{namespace}/{pod}/{container}');
  const pod = o.pods().find((p) => p.metadata.namespace === ns && p.metadata.name === podName) ?? o.findPod(ns, podName);
  if (!pod) throw new HttpError(404, `pod "${podName}" does not exist`);
  const inSpec = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].some((c) => c.name === container);
  if (!inSpec) throw new HttpError(400, `container ${container} is not valid for pod ${podName}`);
  const id = logContainerId(pod, container, truthy(q.get('previous')));
  const st = await o.runtime.containerStatus(id).catch(() => undefined);
  if (!st) throw new HttpError(400, `container "${container}" in pod "${podName}" is not available`);
  const opts = logOptions(q, Date.now());
  if (!truthy(q.get('follow')) || st.state !== 'running') {
    const data = await readLogs(st.logPath, opts);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': data.length });
    res.end(data);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  req.on('close', stop);
  res.on('close', stop);
  o.signal.addEventListener('abort', stop, { once: true });
  // end once the container exits (after a moment to let its last output be read)
  void (async () => {
    while (!ac.signal.aborted) {
      await new Promise((r) => setTimeout(r, 500));
      const cur = await o.runtime.containerStatus(id).catch(() => undefined);
      if (!cur || cur.state !== 'running') {
        await new Promise((r) => setTimeout(r, 300));
        ac.abort();
      }
    }
  })();
  try {
    for await (const chunk of followLogs(st.logPath, opts, ac.signal)) {
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    }
  } finally {
    o.signal.removeEventListener('abort', stop);
    res.end();
  }
}

function rejectRaw(socket: Duplex, code: number, message: string): void {
  const reason = REASONS[code] ?? 'InternalError';
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Routes an exec/attach/portForward upgrade to the streaming handlers. */
function handleUpgrade(o: KubeletServerOptions, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const parts = new URL(req.url ?? '/', 'https://kubelet').pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [root, ns, podName, container] = parts;
  const pod = ns && podName ? o.pods().find((p) => p.metadata.namespace === ns && p.metadata.name === podName) : undefined;
  if (root !== 'exec' && root !== 'attach' && root !== 'portForward') return rejectRaw(socket, 404, 'the server could not find the requested resource');
  if (!pod) return rejectRaw(socket, 404, `pod "${podName ?? ''}" does not exist`);
  const opts = { log: o.log, podName: `${ns}/${podName}` };
  if (root === 'portForward') {
    const host = pod.status?.podIP || '127.0.0.1';
    void handlePortForwardUpgrade(req, socket, head, {
      dial: (port) => new Promise((resolve, reject) => {
        const s = connect({ host, port });
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      }),
    }, opts);
    return;
  }
  const name = container || pod.spec.containers[0]?.name || '';
  const cs = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((c) => c.name === name);
  if (!cs) return rejectRaw(socket, 400, `container ${name} is not valid for pod ${podName}`);
  if (!cs.state.running || !cs.containerID) return rejectRaw(socket, 400, `container ${name} is not running`);
  const id = cs.containerID.replace(/^[a-z]+:\/\//, '');
  if (root === 'exec') {
    void handleExecUpgrade(req, socket, head, { exec: (r) => o.runtime.exec(id, r.command, { tty: r.tty, stdin: r.stdin }) }, opts);
  } else {
    void handleAttachUpgrade(req, socket, head, { attach: (r) => o.runtime.attach(id, { tty: r.tty, stdin: r.stdin }) }, opts);
  }
}

export async function startKubeletServer(o: KubeletServerOptions): Promise<KubeletServer> {
  const { cert, key } = servingCert(o.dataDir, o.host);
  const server: Server = createServer({ cert, key, ca: [o.clusterCaPem], requestCert: true, rejectUnauthorized: false }, (req, res) => {
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!(req.socket as TLSSocket).authorized) throw new HttpError(401, 'Unauthorized');
      const url = new URL(req.url ?? '/', 'https://kubelet');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const [root, ...rest] = parts;
      switch (root) {
        case 'healthz':
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end('ok');
          return;
        case 'pods':
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: o.pods() }));
          return;
        case 'stats':
          if (rest[0] !== 'summary') throw new HttpError(404, 'not found');
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(await summary(o.runtime, o.pods())));
          return;
        case 'containerLogs':
          if (req.method !== 'GET') throw new HttpError(405, 'method not allowed');
          await containerLogs(o, req, res, rest, url.searchParams);
          return;
        case 'exec':
        case 'attach':
        case 'portForward':
          throw new HttpError(400, `${root} needs a connection upgrade (WebSocket or SPDY/3.1)`);
        default:
          throw new HttpError(404, `the server could not find the requested resource`);
      }
    } catch (e) {
      const code = e instanceof HttpError ? e.code : 500;
      if (code === 500) o.log('warn', `kubelet server ${req.method} ${req.url}: ${(e as Error).message}`);
      status(res, code, REASONS[code] ?? 'InternalError', (e as Error).message);
    }
  }
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!(req.socket as TLSSocket).authorized) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    handleUpgrade(o, req, socket, head);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
