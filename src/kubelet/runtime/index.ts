// Public surface of the kubelet's container runtime layer.
import { FakeRuntime } from './fake/fake-runtime';
import { ProcessRuntime } from './process/process-runtime';
import type { ContainerRuntime, RuntimeName, RuntimeOptions } from './types';

export type * from './types';
export { RuntimeError, isNotFound, notFound } from './errors';
export type { RuntimeErrorCode } from './errors';
export { readLogs, followLogs } from './logs';
export type { ReadLogsOptions, FollowLogsOptions } from './logs';
export { CriLogWriter, logFiles } from './log-writer';
export type { LogWriterOptions } from './log-writer';
export { formatTimestamp, parseTimestamp, parseLogLine } from './log-format';
export type { LogRecord, LogStream } from './log-format';
export { FakeRuntime } from './fake/fake-runtime';
export { ProcessRuntime } from './process/process-runtime';
export { NO_COMMAND_MESSAGE } from './process/argv';

/**
 * Opens a runtime driver. The process driver re-adopts, from opts.rootDir, the containers a previous
 * instance left running. 'oci' (runc + images, ./oci/README.md) is loaded on demand.
 */
export async function createRuntime(name: RuntimeName, opts: RuntimeOptions): Promise<ContainerRuntime> {
  switch (name) {
    case 'process':
      return ProcessRuntime.open(opts);
    case 'fake':
      return new FakeRuntime(opts);
    case 'oci':
      return (await import('./oci/oci-runtime')).OciRuntime.open(opts);
  }
}
