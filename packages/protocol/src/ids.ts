/**
 * Identifiers the server mints: unguessable, URL-safe, fixed length.
 */

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * Returns `bytes` random bytes as lowercase base32 (no padding); 16 bytes give 26 characters.
 *
 * @example
 * randomId(); // 'k3v7…' (26 characters)
 */
export function randomId(bytes = 16): string {
  const raw = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(raw);
  return base32(raw);
}

/** Lowercase base32 without padding. */
export function base32(raw: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of raw) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Room and device ids: what `randomId` makes, checked at the API edge. */
export const ID_PATTERN = '^[a-z2-7]{10,64}$';
