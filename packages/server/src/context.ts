/**
 * What every endpoint handler may use. Built once per provider by `createProvider`.
 */
import type { MlsContext } from '@parley/crypto';
import { parseAddress } from '@parley/protocol';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Authenticator } from './auth/authenticate.js';
import type { RateLimiter } from './auth/rateLimit.js';
import type { ProviderConfig } from './config.js';
import type { PeerUsers } from './delivery/handshakes.js';
import type { Hub } from './delivery/hub.js';
import type { StreamRegistry } from './delivery/streams.js';
import { ApiError } from './errors.js';
import type { Federation } from './federation/index.js';
import type { Outbox } from './federation/outbox.js';
import type { FederatedRooms } from './federation/rooms.js';
import type { Metrics } from './metrics.js';
import type { Storage } from './storage/types.js';

export interface Context {
  config: ProviderConfig;
  storage: Storage;
  log: FastifyBaseLogger;
  metrics: Metrics;
  auth: Authenticator;
  hub: Hub;
  streams: StreamRegistry;
  /** Per client address and handle; per peer provider and per remote sender on the federation side. */
  limits: { register: RateLimiter; login: RateLimiter; peer: RateLimiter; sender: RateLimiter };
  /** MLS checks of the hub: no secrets, identity keys of this provider's users. */
  mls: MlsContext;
  /** Signing keys, peers, the server-to-server client. */
  federation: Federation;
  /** What is owed to peers, sent durably. */
  outbox: Outbox;
  /** Rooms across providers: follower side, relays, look-ups of users elsewhere. */
  remote: FederatedRooms;
  /** How the hub's MLS checks see users of other providers. */
  peerUsers: PeerUsers;
  now: () => number;
}

export type Route = (app: FastifyInstance, ctx: Context) => void;

/**
 * Turns what a person typed (`bob` or `bob@a.example`) into a local handle; users of other providers are refused
 * until federation is configured.
 */
export function localHandle(ctx: Context, ref: string): string {
  const address = parseAddress(ref.toLowerCase(), ctx.config.domain);
  if (!address) throw new ApiError('invalidRequest', `"${ref}" is not a user address (name@domain).`);
  if (address.domain !== ctx.config.domain) {
    throw new ApiError(
      'noSuchUser',
      `${address.handle}@${address.domain} is on another provider, which this one does not reach.`,
    );
  }
  return address.handle;
}

/**
 * Turns what a person typed into a member key: a local handle, or the address of a user of a provider this one
 * federates with.
 */
export function memberRef(ctx: Context, ref: string): string {
  const address = parseAddress(ref.toLowerCase(), ctx.config.domain);
  if (!address) throw new ApiError('invalidRequest', `"${ref}" is not a user address (name@domain).`);
  if (address.domain === ctx.config.domain) return address.handle;
  if (!ctx.federation.peers.base(address.domain)) {
    throw new ApiError(
      'noSuchUser',
      `${address.handle}@${address.domain} is on another provider, which this one does not reach.`,
    );
  }
  return `${address.handle}@${address.domain}`;
}

export function tooMany(retryAfterMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError('tooManyRequests', `Too many attempts; try again in ${seconds} s.`, {
    'retry-after': String(seconds),
  });
}

export const decodeBase64 = (text: string) => {
  const bytes = Buffer.from(text, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};
