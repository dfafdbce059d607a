// Probes and lifecycle handlers (pkg/kubelet/prober): exec through the runtime's execSync, httpGet (2xx–3xx
// is success), tcpSocket; and the per-container worker with upstream's semantics — results start as
// liveness=success, readiness=failure, startup=unknown; a result flips only after successThreshold /
// failureThreshold consecutive runs; nothing runs before initialDelaySeconds; while a startup probe has not
// succeeded, liveness and readiness do not run; once startup succeeded it stops probing.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Clock } from '../client';
import type { ContainerRuntime } from './runtime';
import type { Container, HTTPGetAction, LifecycleHandler, Probe, TCPSocketAction } from './types';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeTarget {
  runtime: ContainerRuntime;
  containerId: string;
  container: Container;
  /** Default host of httpGet/tcpSocket actions. */
  podIP: string;
}

export interface ActionOutcome {
  ok: boolean;
  output: string;
}

function resolvePort(port: number | string, c: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = c.ports?.find((x) => x.name === port);
  if (!p) throw new Error(`port ${JSON.stringify(port)} not found in container ${c.name}'s ports`);
  return p.containerPort;
}

export function httpGet(a: HTTPGetAction, t: ProbeTarget, timeoutMs: number): Promise<ActionOutcome> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(a.port, t.container);
    } catch (e) {
      resolve({ ok: false, output: (e as Error).message });
      return;
    }
    const https = (a.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
    for (const h of a.httpHeaders ?? []) headers[h.name] = h.value;
    const host = a.host || t.podIP || '127.0.0.1';
    let path = a.path ?? '/';
    if (!path.startsWith('/')) path = `/${path}`;
    const req = (https ? httpsRequest : httpRequest)({ host, port, path, method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < 10_240) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8').slice(0, 10_240);
        resolve({ ok: code >= 200 && code < 400, output: code >= 200 && code < 400 ? body : `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (e) => resolve({ ok: false, output: e.message }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, output: `Get "${https ? 'https' : 'http'}://${host}:${port}${path}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (e) => resolve({ ok: false, output: `Get "${https ? 'https' : 'http'}://${host}:${port}${path}": ${e.message}` }));
    req.end();
  });
}

export function tcpSocket(a: TCPSocketAction, t: ProbeTarget, timeoutMs: number): Promise<ActionOutcome> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(a.port, t.container);
    } catch (e) {
      resolve({ ok: false, output: (e as Error).message });
      return;
    }
    const host = a.host || t.podIP || '127.0.0.1';
    const s = connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve({ ok: true, output: '' });
    });
    s.once('timeout', () => {
      s.destroy();
      resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` });
    });
    s.once('error', (e) => resolve({ ok: false, output: `dial tcp ${host}:${port}: ${e.message}` }));
  });
}

async function execAction(cmd: string[] | undefined, t: ProbeTarget, timeoutMs: number): Promise<ActionOutcome> {
  if (!cmd?.length) return { ok: false, output: 'exec: no command' };
  try {
    const r = await t.runtime.execSync(t.containerId, cmd, timeoutMs);
    const output = Buffer.concat([r.stdout, r.stderr]).toString('utf8');
    return { ok: r.exitCode === 0, output: r.exitCode === 0 ? output : output || `command ${JSON.stringify(cmd)} exited with ${r.exitCode}` };
  } catch (e) {
    return { ok: false, output: `command ${JSON.stringify(cmd)} failed: ${(e as Error).message}` };
  }
}

/** Runs one probe or lifecycle handler action once. */
export async function runAction(h: Probe | LifecycleHandler, t: ProbeTarget, timeoutMs: number, clock?: Clock, signal?: AbortSignal): Promise<ActionOutcome> {
  if (h.exec) return execAction(h.exec.command, t, timeoutMs);
  if (h.httpGet) return httpGet(h.httpGet, t, timeoutMs);
  if (h.tcpSocket) return tcpSocket(h.tcpSocket, t, timeoutMs);
  if ('sleep' in h && h.sleep) {
    if (clock) await clock.sleep(h.sleep.seconds * 1000, signal);
    return { ok: true, output: '' };
  }
  if ('grpc' in h && h.grpc) return { ok: false, output: 'grpc probes are not supported by this kubelet' };
  return { ok: false, output: 'handler has no action' };
}

/** The pure threshold state machine of one probe. */
export class ProbeState {
  result: ProbeResult;
  private run = 0;
  private last: boolean | undefined;

  constructor(readonly kind: ProbeKind, private readonly probe: Probe) {
    this.result = kind === 'liveness' ? 'success' : kind === 'readiness' ? 'failure' : 'unknown';
  }

  /** Feeds one outcome; returns true when the result changed. */
  observe(ok: boolean): boolean {
    this.run = this.last === ok ? this.run + 1 : 1;
    this.last = ok;
    const threshold = ok ? this.probe.successThreshold ?? 1 : this.probe.failureThreshold ?? 3;
    const want: ProbeResult = ok ? 'success' : 'failure';
    if (this.run >= threshold && this.result !== want) {
      this.result = want;
      return true;
    }
    return false;
  }
}

export interface ProbeWorkerOptions {
  kind: ProbeKind;
  probe: Probe;
  target: ProbeTarget;
  /** Container start time (ms). */
  startedAt: number;
  clock: Clock;
  /** True once the container's startup probe succeeded (or it has none). */
  started: () => boolean;
  onChange: (kind: ProbeKind, result: ProbeResult, output: string) => void;
  /** Injected for tests; default runAction. */
  run?: (p: Probe, t: ProbeTarget, timeoutMs: number) => Promise<ActionOutcome>;
}

/** Probes until `signal` aborts. */
export async function runProbeWorker(o: ProbeWorkerOptions, signal: AbortSignal): Promise<void> {
  const state = new ProbeState(o.kind, o.probe);
  const periodMs = (o.probe.periodSeconds ?? 10) * 1000;
  const timeoutMs = (o.probe.timeoutSeconds ?? 1) * 1000;
  const initialMs = (o.probe.initialDelaySeconds ?? 0) * 1000;
  const run = o.run ?? runAction;
  const firstAt = o.startedAt + initialMs;
  if (o.clock.now() < firstAt) await o.clock.sleep(firstAt - o.clock.now(), signal);
  while (!signal.aborted) {
    const skip = (o.kind !== 'startup' && !o.started()) || (o.kind === 'startup' && state.result === 'success');
    if (!skip) {
      const out = await run(o.probe, o.target, timeoutMs);
      if (signal.aborted) return;
      if (state.observe(out.ok)) o.onChange(o.kind, state.result, out.output);
      if (o.kind === 'liveness' && state.result === 'failure') return; // on hold until the container is replaced
    }
    await o.clock.sleep(periodMs, signal);
  }
}
