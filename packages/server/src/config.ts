/**
 * Provider configuration: the schema, the defaults, and the merge of file, environment and flags (in rising
 * precedence). Reading those sources is the entry point's business; this module only validates and merges.
 */

import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';

const Bucket = Type.Object(
  { capacity: Type.Integer({ minimum: 1 }), perMinute: Type.Number({ minimum: 0 }) },
  { additionalProperties: false },
);

export const ProviderConfigSchema = Type.Object(
  {
    domain: Type.String({ minLength: 1, maxLength: 253 }),
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** Public base URL of this provider (defaults to http://host:port). */
    publicUrl: Type.Optional(Type.String()),
    /** How long shutdown waits for requests under way before it cuts their connections. */
    shutdownGraceMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 }),
    logLevel: Type.Union([
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ]),
    retention: Type.Object(
      {
        /** Payloads older than this are deleted even when some device never acknowledged them. */
        maxAgeMs: Type.Integer({ minimum: 1000 }),
        pruneIntervalMs: Type.Integer({ minimum: 100 }),
      },
      { additionalProperties: false },
    ),
    passwords: Type.Object(
      {
        /** scrypt cost as log2(N); 15 is 32 MiB and ~100 ms per hash. Lower only in tests. */
        scryptLogN: Type.Integer({ minimum: 4, maximum: 20 }),
        minLength: Type.Integer({ minimum: 1, maximum: 128 }),
      },
      { additionalProperties: false },
    ),
    rateLimits: Type.Object(
      {
        /** Account creations per client address. */
        register: Bucket,
        /** Sign-in attempts per client address and per handle. */
        login: Bucket,
      },
      { additionalProperties: false },
    ),
    stream: Type.Object(
      {
        /** Milliseconds a new WebSocket may take to send its auth frame. */
        authTimeoutMs: Type.Integer({ minimum: 100 }),
        maxFrameBytes: Type.Integer({ minimum: 1024 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type ProviderConfig = Static<typeof ProviderConfigSchema>;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ProviderConfigInput = DeepPartial<ProviderConfig>;

export const DEFAULT_CONFIG: ProviderConfig = {
  domain: 'localhost',
  host: '127.0.0.1',
  port: 7101,
  shutdownGraceMs: 5_000,
  bodyLimitBytes: 256 * 1024,
  logLevel: 'info',
  retention: { maxAgeMs: 30 * 24 * 3600 * 1000, pruneIntervalMs: 60_000 },
  passwords: { scryptLogN: 15, minLength: 8 },
  rateLimits: { register: { capacity: 10, perMinute: 2 }, login: { capacity: 10, perMinute: 5 } },
  stream: { authTimeoutMs: 10_000, maxFrameBytes: 256 * 1024 },
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = merge(base[key], value);
  return out;
}

const check = Compile(ProviderConfigSchema);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Merges the sources over the defaults (later ones win) and validates the result. */
export function resolveConfig(...sources: ProviderConfigInput[]): ProviderConfig {
  const merged = sources.reduce<unknown>((acc, source) => merge(acc, source), DEFAULT_CONFIG);
  if (!check.Check(merged)) {
    const problems = [...check.Errors(merged)]
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return merged;
}
