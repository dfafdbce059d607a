// A user-facing CLI error: printed as one line, no stack trace.
export class CliError extends Error {
  override name = 'CliError';
}
