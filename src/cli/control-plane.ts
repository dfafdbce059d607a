// Starts the control-plane worker thread (scheduler + controllers) and relays its logs.
import { Worker } from 'node:worker_threads';
import { entryUrl } from '../util/package-root';
import type { LogLevel } from '../apiserver/server';
import type { ControlPlaneWorkerData } from './control-plane.worker';

export interface ControlPlane {
  /** The controller manager's latest metrics (Prometheus text; refreshed every 5 s), '' before the first. */
  metricsText(): string;
  stop(): Promise<void>;
}

export function startControlPlane(data: ControlPlaneWorkerData, log: (l: LogLevel, msg: string) => void): ControlPlane {
  const w = new Worker(entryUrl('cli/control-plane.worker'), { workerData: data, name: 'berth-control-plane' });
  let exited = false;
  let metrics = '';
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
    metricsText: () => metrics,
    async stop() {
      if (exited) return;
      w.postMessage({ type: 'stop' });
      const t = setTimeout(() => void w.terminate(), 5000);
      await done;
      clearTimeout(t);
    },
  };
}
