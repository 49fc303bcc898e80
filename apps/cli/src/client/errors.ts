// The CLI's two kinds of failure. A UsageError is the caller's mistake (exit 2, usage shown); a CliError is a
// runtime failure with a stable code (exit 1), like the SDK's SdkError, which passes through with its own code.
import { SdkError } from '@parley/sdk';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** True for node:util parseArgs's own errors (unknown option, missing value, stray positional). */
export function isParseError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** The stable code and one-line message of any failure. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof CliError || error instanceof SdkError)
    return { code: error.code, message: oneLine(error) };
  if (error instanceof Error) return { code: 'internal', message: oneLine(error) };
  return { code: 'internal', message: String(error) };
}

function oneLine(error: Error): string {
  // The SDK names the request a provider answer came to ("POST /v1/sessions: …"): no news to a CLI user.
  return error.message.replace(/\s*\n\s*/g, ' ').replace(/^(GET|POST|PUT|DELETE) \/\S*: /, '');
}
