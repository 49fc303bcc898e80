// Byte helpers that run in browsers and on Node alike (no Buffer).

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

export const utf8 = (text: string): Uint8Array => utf8Encoder.encode(text);
export const fromUtf8 = (bytes: Uint8Array): string => utf8Decoder.decode(bytes);

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(text: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(text)) throw new TypeError('not a hex string');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** SHA-256 through WebCrypto (browsers and Node 20 alike). */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  // A copy is backed by a plain ArrayBuffer, which is what WebCrypto's BufferSource type accepts.
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new Uint8Array(bytes)));
}

/**
 * An id for idempotent submits (the provider's `clientId`): the time in milliseconds (12 hex digits), then 8
 * random bytes (16). A device's ids sort in the order it made them, so the provider's index of them grows at
 * its end rather than at random places (each a page written to its disk); the random part keeps ids made in the
 * same millisecond apart. The provider learns nothing from the time: it sees when the submit arrives.
 */
export function newClientId(now = Date.now()): string {
  return Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12) + toHex(randomBytes(8));
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Zeroes secrets the MLS adapter says are no longer needed. */
export function wipe(secrets: Uint8Array[]): void {
  for (const s of secrets) s.fill(0);
}
