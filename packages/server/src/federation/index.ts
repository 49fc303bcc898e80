/**
 * The federation side of a provider, built once by `createProvider`: its signing keys, its peers, the client it
 * calls them with, and the replay cache of the requests it accepted. Routes live in `api/federation/`.
 */
import { ReplayCache } from '@parley/federation';
import type { ProviderConfig } from '../config.js';
import type { Storage } from '../storage/types.js';
import { FederationClient } from './client.js';
import { PeerDirectory } from './peers.js';
import { SigningKeys } from './signingKeys.js';

export { FederationClient, type FederationResult, ORIGIN_HEADER, REQUEST_COMPONENTS } from './client.js';
export { type DiscoveryDocument, ENDPOINTS, type EndpointName, PROTOCOL } from './discovery.js';
export { type KeyLookup, PeerDirectory } from './peers.js';
export { type ActiveKey, type PublishedKey, SigningKeys } from './signingKeys.js';

export interface Federation {
  keys: SigningKeys;
  peers: PeerDirectory;
  client: FederationClient;
  replay: ReplayCache;
  /** Our own base URL as peers reach it: `publicUrl` from config, else the address we listen on. */
  publicUrl: string;
}

export function createFederation(config: ProviderConfig, storage: Storage, now: () => number): Federation {
  const f = config.federation;
  const keys = new SigningKeys(storage, f.keyLifetimeMs, now);
  const peers = new PeerDirectory(config.peers, {
    ttlMs: f.discoveryTtlMs,
    refetchCooldownMs: f.refetchCooldownMs,
    fetchTimeoutMs: f.fetchTimeoutMs,
    now,
  });
  const client = new FederationClient({
    domain: config.domain,
    keys,
    peers,
    fetchTimeoutMs: f.fetchTimeoutMs,
    maxResponseBytes: f.maxResponseBytes,
    maxAgeSeconds: f.maxAgeSeconds,
    clockSkewSeconds: f.clockSkewSeconds,
    now,
  });
  return {
    keys,
    peers,
    client,
    replay: new ReplayCache({ now }),
    publicUrl: (config.publicUrl ?? `http://${config.host}:${config.port}`).replace(/\/+$/, ''),
  };
}
