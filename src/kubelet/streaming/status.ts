// metav1.Status values written on the exec/attach error stream (channel 3), as the kubelet does in
// remotecommand/httpstream.go: kubectl reads the exit code from details.causes[reason=ExitCode].
export interface StatusCause {
  reason: string;
  message: string;
}

export interface StatusBody {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: StatusCause[] };
}

export const NON_ZERO_EXIT_CODE_REASON = 'NonZeroExitCode';
export const EXIT_CODE_CAUSE = 'ExitCode';

export function successStatus(): StatusBody {
  return { metadata: {}, status: 'Success' };
}

export function exitCodeStatus(code: number): StatusBody {
  if (code === 0) return successStatus();
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command, exit code ${code}`,
    reason: NON_ZERO_EXIT_CODE_REASON,
    details: { causes: [{ reason: EXIT_CODE_CAUSE, message: String(code) }] },
  };
}

export function internalErrorStatus(message: string): StatusBody {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

/** A Status for an HTTP error answered before any upgrade. */
export function httpErrorStatus(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
