// The shape of a client command: its usage line, its options (beside --json, --profile, --help) and its work.
import type { OptionSpec, Values } from './args.js';
import type { Output } from './output.js';

export interface Invocation {
  values: Values;
  positionals: string[];
  out: Output;
}

export interface Command {
  usage: string;
  options: Record<string, OptionSpec>;
  run(input: Invocation): Promise<void>;
}
