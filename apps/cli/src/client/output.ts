// What a command prints. With --json: one JSON object per line on stdout, nothing else there; otherwise short
// human lines. Failures: one line "parley: …" on stderr (and an error object on stdout with --json).
import { describeError } from './errors.js';

export type Line = { type: string } & Record<string, unknown>;

export class Output {
  constructor(readonly json: boolean) {}

  /** One result: `record` as JSON with --json, the human text otherwise (nothing when it is undefined). */
  print(record: Line, human: string | undefined): void {
    if (this.json) process.stdout.write(`${JSON.stringify(record)}\n`);
    else if (human !== undefined) process.stdout.write(`${human}\n`);
  }

  /** Something went wrong that does not stop the command (a message that could not be read, a dropped stream). */
  warn(message: string): void {
    process.stderr.write(`parley: warning: ${message}\n`);
  }

  fail(error: unknown): void {
    const { code, message } = describeError(error);
    process.stderr.write(`parley: ${message}\n`);
    if (this.json) process.stdout.write(`${JSON.stringify({ type: 'error', code, message })}\n`);
  }
}
