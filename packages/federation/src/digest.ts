// Content-Digest (RFC 9530): a Dictionary of hash algorithm keys to byte sequences over the message content.
// Only the two algorithms RFC 9530 lists as active are computed or accepted; the deprecated ones (md5, sha,
// unixsum, ...) are ignored, so a header that offers only those is 'unsupported'.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isInnerList, parseDictionary } from './structured.js';

export type DigestAlgorithm = 'sha-256' | 'sha-512';

export type DigestCheck =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'unsupported' };

const NODE_HASH: Record<DigestAlgorithm, string> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

function hash(alg: DigestAlgorithm, body: Uint8Array): Buffer {
  return createHash(NODE_HASH[alg]).update(body).digest();
}

/**
 * The Content-Digest field value for a body: `sha-256=:BASE64:` (or sha-512). The digest covers the content
 * bytes exactly as sent, after any content coding.
 *
 * @example
 * contentDigest(new TextEncoder().encode('{"hello": "world"}'));
 * // 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:'
 */
export function contentDigest(body: Uint8Array, alg: DigestAlgorithm = 'sha-256'): string {
  if (!(alg in NODE_HASH)) throw new TypeError(`unsupported digest algorithm: ${alg}`);
  return `${alg}=:${hash(alg, body).toString('base64')}:`;
}

/**
 * Checks a Content-Digest field value against the body. Every supported algorithm present must match;
 * at least one must be present.
 *
 * @example
 * const body = new TextEncoder().encode('hi');
 * verifyContentDigest(contentDigest(body), body); // { ok: true }
 * verifyContentDigest(undefined, body); // { ok: false, reason: 'missing' }
 */
export function verifyContentDigest(header: string | undefined, body: Uint8Array): DigestCheck {
  if (header === undefined) return { ok: false, reason: 'missing' };
  const parsed = parseDictionary(header);
  if (!parsed.ok || parsed.value.size === 0) return { ok: false, reason: 'malformed' };
  let checked = 0;
  for (const [key, member] of parsed.value) {
    if (isInnerList(member) || !(member.value instanceof Uint8Array))
      return { ok: false, reason: 'malformed' };
    if (key !== 'sha-256' && key !== 'sha-512') continue;
    const expected = hash(key, body);
    if (member.value.length !== expected.length || !timingSafeEqual(member.value, expected)) {
      return { ok: false, reason: 'mismatch' };
    }
    checked++;
  }
  return checked > 0 ? { ok: true } : { ok: false, reason: 'unsupported' };
}
