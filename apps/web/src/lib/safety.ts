// Safety numbers: 60 digits two people compare out of band (in person, on a call). Each half is a fingerprint of
// one user's identity key and address, hashed many times (SHA-512) so a matching forgery is costly; the halves
// are sorted, so both see the same number. The keys are the ones this device pinned on first use.
import { parseAddress, userUri } from '@parley/protocol';
import { device } from '../state/client.js';

const ROUNDS = 1024;
const VERSION = new Uint8Array([0, 1]);

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function fingerprint(uri: string, key: Uint8Array): Promise<string> {
  let hash = concat(VERSION, key, new TextEncoder().encode(uri));
  for (let i = 0; i < ROUNDS; i++)
    hash = new Uint8Array(await crypto.subtle.digest('SHA-512', concat(hash, key)));
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let n = 0;
    for (let b = 0; b < 5; b++) n = n * 256 + hash[chunk * 5 + b]!;
    digits += String(n % 100_000).padStart(5, '0');
  }
  return digits;
}

export function uriOfAddress(address: string): string {
  const parsed = parseAddress(address);
  if (!parsed) throw new Error(`not an address: ${address}`);
  return userUri(parsed);
}

/**
 * The safety number of this user and `other`, in groups of five digits; undefined while this device has not
 * pinned the other's identity key (it does so when it first encrypts to or hears from them).
 */
export async function safetyNumber(other: string): Promise<string | undefined> {
  const { store } = device();
  const account = await store.account();
  const otherUri = uriOfAddress(other);
  const theirs = await store.identityKey(otherUri);
  if (!account || !theirs) return undefined;
  const halves = [
    await fingerprint(uriOfAddress(account.user), account.identity.publicKey),
    await fingerprint(otherUri, theirs),
  ].sort();
  return (halves.join('').match(/.{5}/g) ?? []).join(' ');
}
