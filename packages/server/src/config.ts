/**
 * Provider configuration: the schema, the defaults, and the merge of file, environment and flags (in rising
 * precedence). Reading those sources is the entry point's business; this module only validates and merges.
 */

import { isDomain } from '@parley/protocol';
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
    /**
     * The static peer map: domain → base URL of its provider. In development and tests it is the only way to
     * find another provider; a domain not in it is refused (no DNS look-ups of invented names).
     */
    peers: Type.Record(Type.String(), Type.String()),
    federation: Type.Object(
      {
        /** Oldest acceptable signature `created`, in seconds: the validity window of a signed request. */
        maxAgeSeconds: Type.Integer({ minimum: 5, maximum: 3600 }),
        /** How far a peer's clock may run ahead of ours, in seconds. */
        clockSkewSeconds: Type.Integer({ minimum: 0, maximum: 600 }),
        /** How long a peer's discovery document is trusted before it is fetched again. */
        discoveryTtlMs: Type.Integer({ minimum: 0 }),
        /** An unknown key id refetches a peer's discovery at most this often (a forger cannot make us hammer it). */
        refetchCooldownMs: Type.Integer({ minimum: 0 }),
        /** Bound on any server-to-server fetch (discovery and requests). */
        fetchTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000 }),
        /** Largest response body accepted from a peer. */
        maxResponseBytes: Type.Integer({ minimum: 1024 }),
        /** Lifetime of a new signing key; a fresh one is made when it ends. */
        keyLifetimeMs: Type.Integer({ minimum: 60_000 }),
        /** Outbox: the first retry delay ceiling, and the largest delay (also the circuit breaker's open time). */
        retryBaseMs: Type.Integer({ minimum: 10 }),
        retryCapMs: Type.Integer({ minimum: 100 }),
        /** Outbox: an item undelivered this long is given up and its device told (SMTP: days). */
        giveUpAfterMs: Type.Integer({ minimum: 1000 }),
        /** Largest server-to-server request body (a batch of messages, or a commit with GroupInfo and Welcome). */
        maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 256 * 1024 * 1024 }),
        /** Outbox: items per signed transaction. */
        batchSize: Type.Integer({ minimum: 1, maximum: 200 }),
        /** How long a device's submit to a room hubbed elsewhere waits for the hub before answering 202 queued. */
        submitWaitMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
        /** Requests a peer may make, and what one remote user may send through it (token buckets). */
        peerLimit: Type.Object({
          capacity: Type.Integer({ minimum: 1 }),
          perMinute: Type.Number({ minimum: 0 }),
        }),
        senderLimit: Type.Object({
          capacity: Type.Integer({ minimum: 1 }),
          perMinute: Type.Number({ minimum: 0 }),
        }),
      },
      { additionalProperties: false },
    ),
    /** Encrypted attachments its users upload: largest accepted, and how long they are kept. */
    attachments: Type.Object(
      {
        maxBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 }),
        maxAgeMs: Type.Integer({ minimum: 60_000 }),
      },
      { additionalProperties: false },
    ),
    /** The folder of the built web app, served at `/` (null: no web app). */
    webRoot: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    /** How the provider presents itself to its users (the web app's name, accent colour and logo letter). */
    branding: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 40 }),
        accent: Type.String({ pattern: '^#[0-9a-fA-F]{6}$' }),
        logo: Type.String({ minLength: 1, maxLength: 2 }),
      },
      { additionalProperties: false },
    ),
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
        /**
         * Every this many milliseconds each device stream is sent a WebSocket ping; one that has not answered the
         * previous ping (nor sent anything) by then is cut.
         */
        heartbeatMs: Type.Integer({ minimum: 100 }),
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
  peers: {},
  branding: { name: 'Parley', accent: '#3b6ef5', logo: 'P' },
  webRoot: null,
  attachments: { maxBytes: 5 * 1024 * 1024, maxAgeMs: 30 * 24 * 3600 * 1000 },
  federation: {
    maxAgeSeconds: 60,
    clockSkewSeconds: 10,
    discoveryTtlMs: 3_600_000,
    refetchCooldownMs: 10_000,
    fetchTimeoutMs: 5_000,
    // An attachment fetched through proxyDownload arrives as base64 in JSON.
    maxResponseBytes: 8 * 1024 * 1024,
    keyLifetimeMs: 90 * 24 * 3600 * 1000,
    retryBaseMs: 1_000,
    retryCapMs: 300_000,
    giveUpAfterMs: 5 * 24 * 3600 * 1000,
    batchSize: 100,
    maxBodyBytes: 16 * 1024 * 1024,
    submitWaitMs: 5_000,
    peerLimit: { capacity: 2_000, perMinute: 60_000 },
    senderLimit: { capacity: 600, perMinute: 6_000 },
  },
  shutdownGraceMs: 5_000,
  bodyLimitBytes: 256 * 1024,
  logLevel: 'info',
  retention: { maxAgeMs: 30 * 24 * 3600 * 1000, pruneIntervalMs: 60_000 },
  passwords: { scryptLogN: 15, minLength: 8 },
  rateLimits: { register: { capacity: 10, perMinute: 2 }, login: { capacity: 10, perMinute: 5 } },
  stream: { authTimeoutMs: 10_000, maxFrameBytes: 256 * 1024, heartbeatMs: 30_000 },
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
  for (const [domain, url] of Object.entries(merged.peers)) {
    if (!isDomain(domain)) throw new ConfigError(`invalid configuration: peer "${domain}" is not a domain`);
    if (!isBaseUrl(url)) {
      throw new ConfigError(`invalid configuration: peer ${domain} needs an http(s) base URL, not "${url}"`);
    }
  }
  return merged;
}

/** An http(s) URL with no path beyond `/`, no query and no credentials: where a peer's routes hang from. */
function isBaseUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.pathname === '/' &&
    !url.search &&
    !url.hash &&
    !url.username &&
    !url.password
  );
}
