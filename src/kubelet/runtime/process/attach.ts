// attach: a live view of a running container's output (from the moment of attaching; earlier output
// is in the log) plus its stdin when the container was created with stdin: true. For a container on a
// terminal (tty: true) its output is the terminal's and `resize` sets the terminal's size.
import { PassThrough } from 'node:stream';
import type { LogStream } from '../log-format';
import type { ExecSession } from '../types';

export type OutputListener = (stream: LogStream, chunk: Buffer) => void;

export function attachSession(
  live: { listeners: Set<OutputListener>; exited: Promise<void> },
  stdin: NodeJS.WritableStream | undefined,
  exitCode: () => number,
  resize?: (cols: number, rows: number) => void,
): ExecSession {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const listener: OutputListener = (s, b) => {
    (s === 'stdout' ? stdout : stderr).write(b);
  };
  live.listeners.add(listener);
  const end = (): void => {
    live.listeners.delete(listener);
    stdout.end();
    stderr.end();
  };
  const exit = live.exited.then(() => {
    end();
    return exitCode();
  });
  return {
    stdin: stdin as ExecSession['stdin'],
    stdout,
    stderr,
    resize: resize ?? (() => undefined),
    exit,
    close: end,
  };
}
