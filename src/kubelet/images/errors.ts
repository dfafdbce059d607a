// Image errors as the kubelet reports them. Each is a RuntimeError (so callers that only know the
// runtime's codes still work) carrying the Kubernetes waiting reason the kubelet shows:
//   ErrImagePull (then ImagePullBackOff on retries, the kubelet's business), ErrImageNeverPull,
//   InvalidImageName.
import { RuntimeError, type RuntimeErrorCode } from '../runtime/errors';

export type ImageErrorReason = 'ErrImagePull' | 'ErrImageNeverPull' | 'InvalidImageName';

const CODES: Record<ImageErrorReason, RuntimeErrorCode> = {
  ErrImagePull: 'Unavailable',
  ErrImageNeverPull: 'FailedPrecondition',
  InvalidImageName: 'InvalidArgument',
};

export class ImageError extends RuntimeError {
  constructor(
    readonly reason: ImageErrorReason,
    message: string,
  ) {
    super(CODES[reason], message);
    this.name = 'ImageError';
  }
}

export function isImageError(err: unknown): err is ImageError {
  return err instanceof ImageError;
}
