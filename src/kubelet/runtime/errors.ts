// Typed runtime errors. The kubelet maps them (NotFound → already gone, etc.); never a bare Error for an
// expected miss.

export type RuntimeErrorCode = 'NotFound' | 'InvalidArgument' | 'FailedPrecondition' | 'DeadlineExceeded' | 'Unavailable';

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

export function notFound(kind: 'sandbox' | 'container', id: string): RuntimeError {
  return new RuntimeError('NotFound', `${kind} "${id}" not found`);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof RuntimeError && err.code === 'NotFound';
}
