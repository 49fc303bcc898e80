/**
 * The discovery document (`GET /.well-known/parley`): its shape, how we build ours, and how we read a peer's
 * (untrusted JSON: checked field by field, keys imported only when they are exactly Ed25519 OKP JWKs).
 */
import type { KeyObject } from 'node:crypto';
import { importPublicJwk, keyId, type OkpPublicJwk } from '@parley/federation';
import type { PublishedKey } from './signingKeys.js';

export const PROTOCOL = 'parley/1';

/** The federation endpoints, named after MIMI's; each is `POST {publicUrl}/federation/v1/{name}`. */
export const ENDPOINTS = [
  'identifierQuery',
  'keyMaterial',
  'submitMessage',
  'notify',
  'groupInfo',
  'requestConsent',
  'updateConsent',
  'reportAbuse',
  'proxyDownload',
  /** Not in MIMI: a follower fetches a range of a room it missed from the hub. */
  'fetchMessages',
] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

export interface DiscoveryDocument {
  domain: string;
  protocol: string[];
  endpoints: Record<EndpointName, string>;
  keys: PublishedKey[];
}

export const endpointUrl = (base: string, name: EndpointName) =>
  `${base.replace(/\/+$/, '')}/federation/v1/${name}`;

export function discoveryDocument(domain: string, base: string, keys: PublishedKey[]): DiscoveryDocument {
  const endpoints = Object.fromEntries(ENDPOINTS.map((name) => [name, endpointUrl(base, name)]));
  return { domain, protocol: [PROTOCOL], endpoints: endpoints as Record<EndpointName, string>, keys };
}

/** A peer's key as we trust it: imported, with its validity in milliseconds. */
export interface PeerKey {
  keyId: string;
  key: KeyObject;
  notBefore: number;
  notAfter: number;
}

export interface PeerDiscovery {
  domain: string;
  keys: Map<string, PeerKey>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a peer's document. Undefined when it is not one, names another domain, speaks no version of ours, or
 * points its endpoints away from the base URL our peer map gives for it (we only ever talk to that base).
 * A key whose `keyid` is not the thumbprint of its JWK is dropped, as are malformed ones.
 */
export function readDiscovery(json: unknown, domain: string, base: string): PeerDiscovery | undefined {
  if (!isRecord(json) || json.domain !== domain) return undefined;
  if (!Array.isArray(json.protocol) || !json.protocol.includes(PROTOCOL)) return undefined;
  if (!isRecord(json.endpoints) || !Array.isArray(json.keys)) return undefined;
  for (const name of ENDPOINTS) {
    const url = json.endpoints[name];
    if (url !== undefined && url !== endpointUrl(base, name)) return undefined;
  }
  const keys = new Map<string, PeerKey>();
  for (const entry of json.keys.slice(0, 16)) {
    if (!isRecord(entry) || typeof entry.keyid !== 'string') continue;
    const { notBefore, notAfter } = entry;
    if (typeof notBefore !== 'number' || typeof notAfter !== 'number') continue;
    const key = importPublicJwk(entry.jwk);
    if (!key || keyId(entry.jwk as OkpPublicJwk) !== entry.keyid) continue;
    keys.set(entry.keyid, {
      keyId: entry.keyid,
      key,
      notBefore: notBefore * 1000,
      notAfter: notAfter * 1000,
    });
  }
  return { domain, keys };
}
