// Users are addresses (`alice@a.example`) in the API and URIs (`mimi://a.example/u/alice`) inside MLS and MIMI.
import { formatAddress, parseAddress, userUri } from '@parley/protocol';
import { SdkError } from '../errors.js';

/** `alice@a.example` → `mimi://a.example/u/alice`; a bare handle belongs to `defaultDomain`. */
export function uriOf(address: string, defaultDomain?: string): string {
  const parsed = parseAddress(address.trim().toLowerCase(), defaultDomain);
  if (!parsed) throw new SdkError('invalidRequest', `not a user address: ${address}`);
  return userUri(parsed);
}

/** `mimi://a.example/u/alice` → `alice@a.example`. */
export function addressOf(uri: string): string {
  const match = /^mimi:\/\/([^/]+)\/u\/([^/]+)$/.exec(uri);
  if (!match) throw new SdkError('badResponse', `not a user URI: ${uri}`);
  return formatAddress({ domain: match[1]!, handle: match[2]! });
}

/** The canonical address of a user reference (`bob`, `Bob@B.example`, …). */
export function canonicalAddress(ref: string, defaultDomain: string): string {
  return addressOf(uriOf(ref, defaultDomain));
}

/** The distinct user addresses of a list of MLS members, sorted. */
export function usersOf(members: { userUri: string }[]): string[] {
  return [...new Set(members.map((m) => addressOf(m.userUri)))].sort();
}
