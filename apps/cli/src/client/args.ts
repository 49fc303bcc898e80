// Reading the command line: the options every client command shares, typed accessors for parseArgs values, and
// the checks that turn a missing or malformed argument into a usage error before anything runs.
import { formatAddress, parseAddress } from '@parley/protocol';
import { UsageError } from './errors.js';

export type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function optional(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function required(values: Values, name: string): string {
  const v = optional(values, name);
  if (v === undefined || v.trim() === '') throw new UsageError(`--${name} is missing`);
  return v;
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

/** A list option: repeated and/or comma-separated (`--member a@x --member b@x`, `--members a@x,b@x`). */
export function list(values: Values, name: string): string[] {
  const v = values[name];
  const raw = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return raw
    .filter((x): x is string => typeof x === 'string')
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** The text of a message: the positionals joined by spaces, never empty. */
export function text(positionals: string[], what = 'TEXT'): string {
  const joined = positionals.join(' ');
  if (joined.trim() === '') throw new UsageError(`${what} is missing`);
  return joined;
}

export function noPositionals(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
}

/** A number of seconds, > 0. */
export function seconds(values: Values, name: string): number | undefined {
  const v = optional(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} takes a number of seconds, not "${v}"`);
  return n;
}

/**
 * A user as typed (`bob@b.example`, or `bob` for a user of `domain`) in its canonical form. A malformed one is a
 * usage error.
 */
export function handle(typed: string, domain: string): string {
  const parsed = parseAddress(typed.trim().toLowerCase(), domain);
  if (!parsed || !/^[a-z0-9._-]+$/.test(parsed.handle))
    throw new UsageError(`"${typed}" is not a handle (name@domain)`);
  return formatAddress(parsed);
}

/** `--handle` of register and login: a name, or name@domain when the provider's domain is to be checked. */
export function ownHandle(typed: string): { name: string; domain?: string } {
  const at = typed.indexOf('@');
  if (at === -1) return { name: typed.trim() };
  const parsed = parseAddress(typed.trim().toLowerCase());
  if (!parsed) throw new UsageError(`"${typed}" is not a handle (name@domain)`);
  return { name: parsed.handle, domain: parsed.domain };
}
