// Public types of the streaming handlers: what the kubelet passes in (targets) and what they parse.
import type { Duplex } from 'node:stream';
import type { ExecSession } from '../runtime';

export type StreamingLog = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;

/** The query of an exec/attach request (kubelet: command=…&stdin=1&stdout=1&stderr=1&tty=0). */
export interface RemoteCommandOptions {
  /** exec only; empty for attach. */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ExecTarget {
  /** Starts the command (after the upgrade, as upstream does); a rejection reaches kubectl as the error. */
  exec(opts: RemoteCommandOptions): Promise<ExecSession>;
}

export interface AttachTarget {
  attach(opts: RemoteCommandOptions): Promise<ExecSession>;
}

export interface PortForwardTarget {
  /** Connects to the pod on `port`; a rejection is reported on that port's error stream. */
  dial(port: number): Promise<Duplex>;
}

export interface StreamingOptions {
  log?: StreamingLog;
  /** How long to wait for the client to open the streams it announced (upstream: 30 s). */
  streamCreationTimeoutMs?: number;
  /** Overrides the options parsed from the request URL (exec/attach). */
  remoteCommand?: RemoteCommandOptions;
  /** Overrides the ports parsed from `?ports=` (plain WebSocket port-forward). */
  ports?: number[];
  /** Names the pod in error messages, e.g. "default/p" (default: "pod"). */
  podName?: string;
}
