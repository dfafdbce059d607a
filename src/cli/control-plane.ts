// Starts the control-plane worker thread (scheduler + controllers + this node's networking) and relays its
// logs. The thread is created before the API server is up, so it loads and compiles its code while the main
// thread opens the store and starts listening; it connects once `run(server)` tells it where the API is.
import { Worker } from 'node:worker_threads';
import { entryUrl } from '../util/package-root';
import type { LogLevel } from '../apiserver/server';
import type { ControlPlaneMessage, ControlPlaneWorkerData } from './control-plane.worker';

export interface ControlPlane {
  /** Starts everything against the API server at `server` (an https URL). Only the first call counts. */
  run(server: string): void;
  /** The controller manager's latest metrics (Prometheus text; refreshed every 5 s), '' before the first. */
  metricsText(): string;
  /** Stops the worker (before `run`, it just exits); resolves once the thread is gone. */
  stop(): Promise<void>;
}

export function startControlPlane(data: ControlPlaneWorkerData, log: (l: LogLevel, msg: string) => void): ControlPlane {
  const w = new Worker(entryUrl('cli/control-plane.worker'), { workerData: data, name: 'berth-control-plane' });
  let exited = false;
  let started = false;
  let metrics = '';
  const send = (m: ControlPlaneMessage): void => w.postMessage(m);
  w.on('message', (m: { type: string; level?: LogLevel; msg?: string; text?: string }) => {
    if (m.type === 'log' && m.level && m.msg !== undefined) log(m.level, m.msg);
    else if (m.type === 'metrics' && typeof m.text === 'string') metrics = m.text;
    else if (m.type === 'fatal') log('error', `control plane stopped: ${m.msg ?? ''}`);
  });
  w.on('error', (e) => log('error', `control plane worker failed: ${e.message}`));
  const done = new Promise<void>((resolve) =>
    w.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return {
    run(server) {
      if (started || exited) return;
      started = true;
      send({ type: 'run', server });
    },
    metricsText: () => metrics,
    async stop() {
      if (exited) return;
      send({ type: 'stop' });
      const t = setTimeout(() => void w.terminate(), 5000);
      await done;
      clearTimeout(t);
    },
  };
}
